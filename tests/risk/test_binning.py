"""Optimal binning: numeric bins whose event rate only rises or only falls, missing values in a bin of their own."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.risk import Label
from faircollect.risk.binning import bin_feature
from faircollect.risk.features import Feature
from faircollect.risk.words import numeric_bins


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(300, 1500),
    shape=st.sampled_from(["rising", "falling", "u-shaped", "noise", "step"]),
    missing=st.floats(0, 0.3),
)
def test_numeric_bins_are_monotone_and_count_every_row(seed: int, n: int, shape: str, missing: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * rng.choice([1, 1000])
    z = (x - x.mean()) / x.std()
    logit = {
        "rising": z,
        "falling": -z,
        "u-shaped": z**2 - 1,
        "noise": 0 * z,
        "step": np.where(z > 0.5, 1.5, -0.5),
    }[shape]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    x[rng.random(n) < missing] = np.nan
    binned = bin_feature(Feature("x", "numeric"), x, y)
    m = binned.splits.size
    assert np.all(np.diff(binned.splits) > 0)
    assert binned.counts.sum() == n
    assert binned.counts[m + 1] == int(np.isnan(x).sum())  # the missing bin holds the missing rows
    rates = binned.events[: m + 1] / binned.counts[: m + 1]
    steps = np.diff(rates)
    assert np.all(steps >= -1e-12) or np.all(steps <= 1e-12), rates
    assert binned.direction == (
        0 if m == 0 else (1 if rates[-1] > rates[0] else -1 if rates[-1] < rates[0] else 0)
    )
    assert np.all(binned.counts[: m + 1] >= 0.05 * n - 1)  # no bin under the minimum size
    # The WOE moves with the event rate (larger WOE = riskier), never against it.
    woe_steps = np.diff(binned.woe[: m + 1])
    assert np.all(woe_steps * np.sign(np.round(steps, 12)) >= -1e-12)
    if binned.direction:
        assert np.all(woe_steps * binned.direction >= -1e-12)


def test_whole_number_bins_read_as_ranges() -> None:
    words = numeric_bins(Label("逾期天数", "days past due", unit_zh="天"), [30.5, 60.5], integer=True)
    assert words == [
        ("逾期天数 30 天及以下", "days past due 30 or less"),
        ("逾期天数 31-60 天", "days past due 31-60"),
        ("逾期天数 61 天及以上", "days past due 61 or more"),
        ("逾期天数 缺失", "days past due is missing"),
    ]
