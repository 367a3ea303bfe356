"""Drift monitoring (``risk.drift``): PSI levels, shifts against a model's bins, AUC by week, warnings."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from faircollect.risk.drift import (
    MIN_OUTCOMES,
    Week,
    distribution,
    feature_shifts,
    level,
    shift,
    warnings,
    weekly_auc,
)


def test_psi_levels() -> None:
    assert [level(v) for v in (0.0, 0.1, 0.11, 0.25, 0.26)] == [
        "stable",
        "stable",
        "moderate",
        "moderate",
        "significant",
    ]


def test_a_shift_is_measured_on_the_models_own_bins() -> None:
    rng = np.random.default_rng(1)
    trained = pl.Series(rng.normal(0, 1, 5000))
    reference = distribution(trained)
    same = shift("x", reference, pl.Series(rng.normal(0, 1, 5000)))
    moved = shift("x", reference, pl.Series(rng.normal(1, 1, 5000)))
    assert same.level == "stable"
    assert moved.level == "significant"
    assert len(moved.expected) == len(moved.actual) == 11  # ten bins and missing
    frame = pl.DataFrame({"a": rng.normal(0, 1, 100), "b": rng.normal(3, 1, 100)})
    shifts = feature_shifts({"a": reference, "b": reference, "gone": reference}, frame)
    assert [s.name for s in shifts] == ["b", "a"]  # largest first; a feature not in the frame is skipped


def test_auc_by_week_needs_enough_outcomes() -> None:
    monday = date(2026, 3, 2)
    rows = []
    for week in range(2):
        for n in range(40):
            bad = n % 2
            rows.append((monday + timedelta(days=7 * week + n % 3), 0.2 + 0.6 * bad + 0.01 * n, bad))
    rows += [(monday + timedelta(days=14), 0.5, 1)] * (MIN_OUTCOMES - 1) + [
        (monday + timedelta(days=14), 0.4, 0)
    ] * 30
    scored = pl.DataFrame(
        rows, schema={"as_of": pl.Date, "score": pl.Float64, "target": pl.Int8}, orient="row"
    )
    weeks = weekly_auc(scored)
    assert [w.week for w in weeks] == [monday, monday + timedelta(days=7), monday + timedelta(days=14)]
    assert weeks[0].auc == 1.0
    assert weeks[0].dates == 3
    assert weeks[2].auc is None  # nine bad outcomes: too few to read


def test_warnings_past_the_thresholds() -> None:
    reference = distribution(pl.Series([float(v) for v in range(100)]))
    moved = shift("score", reference, pl.Series([float(v) + 80 for v in range(100)]))
    still = shift("term", reference, pl.Series([float(v) for v in range(100)]))
    monday = date(2026, 3, 2)
    weeks = [
        Week(monday, 1, 100, 20, 0.80),
        Week(monday + timedelta(days=7), 1, 100, 20, 0.70),
        Week(monday, 1, 9, 1, None),
    ]
    found = warnings(kind="cure", score=moved, features=[still, moved], weeks=weeks, expected_auc=0.82)
    assert found[0].startswith("cure: the score distribution moved")
    assert any("feature score moved" in w for w in found)
    assert not any("term" in w for w in found)
    assert sum("AUC 0.700" in w for w in found) == 1
    assert warnings(
        kind="cure", score=None, features=[], weeks=[Week(monday, 1, 9, 1, 0.55)], expected_auc=None
    ) == ["cure: week of 2026-03-02 AUC 0.550 is below 0.6"]
