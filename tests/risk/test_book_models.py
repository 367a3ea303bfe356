"""Book-model plumbing: bands, figures (AUC, KS, PSI), training dates, cutting the book, scoring."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faircollect.domain.scoring import BANDS, DEFAULT_CUTOFFS, band_for
from faircollect.risk.behaviour import features
from faircollect.risk.book_models import (
    NO_REASON,
    at_risk,
    auc,
    band_expr,
    cut_book,
    eligible,
    ks,
    score_accounts,
    training_dates,
)
from faircollect.risk.drift import distribution, psi, shares_against
from tests.risk.fakes import FakeModel
from tests.risk.test_behaviour import STORY
from tests.unit.test_ledger_asof import frames


def test_bands_follow_the_cutoffs() -> None:
    cuts = (0.05, 0.15, 0.35)
    assert [band_for(p, cuts) for p in (0.0, 0.0499, 0.05, 0.2, 0.35, 1.0)] == [
        "low",
        "low",
        "medium",
        "high",
        "very_high",
        "very_high",
    ]
    with pytest.raises(ValueError, match="increasing"):
        band_for(0.3, (0.5, 0.2, 0.9))
    assert set(DEFAULT_CUTOFFS) == {"early_warning", "cure"}


@given(st.lists(st.floats(0, 1), min_size=1, max_size=50), st.sampled_from(list(DEFAULT_CUTOFFS.values())))
def test_the_band_expression_is_band_for(scores: list[float], cuts: tuple[float, float, float]) -> None:
    got = pl.DataFrame({"s": scores}).select(band_expr(pl.col("s"), cuts))["literal"].to_list()
    assert got == [band_for(s, cuts) for s in scores]


def test_auc_and_ks_by_hand() -> None:
    y = np.array([0, 0, 1, 1])
    assert auc(y, np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert auc(y, np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    assert auc(y, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5  # ties count half
    assert auc(np.array([1, 1]), np.array([0.1, 0.2])) is None
    assert ks(y, np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    assert ks(y, np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.5)
    assert ks(y, np.array([0.5, 0.5, 0.5, 0.5])) == 0.0


def test_psi_is_zero_for_the_same_shares_and_grows_with_drift() -> None:
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0
    small = psi([0.5, 0.5], [0.45, 0.55])
    large = psi([0.5, 0.5], [0.1, 0.9])
    assert 0 < small < 0.1 < large


def test_reference_bins_and_shares_against_them() -> None:
    values = pl.Series([float(v) for v in range(100)] + [None])
    ref = distribution(values)
    assert len(ref["edges"]) == 9
    assert sum(ref["shares"]) + ref["null"] == pytest.approx(1.0)
    expected, actual = shares_against(ref, values)
    assert psi(expected, actual) == pytest.approx(0.0)
    shifted = pl.Series([float(v) + 50 for v in range(100)])
    assert psi(*shares_against(ref, shifted)) > 0.25
    cats = distribution(pl.Series(["a", "a", "b", None]))
    assert cats == {"categories": {"a": 0.5, "b": 0.25}, "null": 0.25}
    e, a = shares_against(cats, pl.Series(["a", "c", "c", "c"]))
    assert e == [0.5, 0.25, 0.0, 0.25]
    assert a == [0.25, 0.0, 0.75, 0.0]


def test_training_dates_end_a_horizon_before_the_training_date() -> None:
    ew = training_dates(date(2026, 10, 1), "early_warning", every=14, count=3)
    # The latest is 61 days before: its label reads the 60 days up to 30 September.
    assert ew == [date(2026, 7, 4), date(2026, 7, 18), date(2026, 8, 1)]
    cure = training_dates(date(2026, 10, 1), "cure", every=30, count=2)
    assert cure == [date(2026, 8, 1), date(2026, 8, 31)]


def test_cut_book_keeps_only_what_was_known() -> None:
    book = frames(STORY)
    cut = cut_book(book, date(2026, 3, 10))
    assert cut.payments["payment_id"].to_list() == ["P1", "P2"]
    assert cut.charges["charge_id"].to_list() == ["F1"]
    assert cut.installments.height == 6
    assert cut_book(book, date(2025, 12, 1)).loans.height == 0


def test_scoring_gives_every_account_a_band_and_three_reasons() -> None:
    book = frames(STORY)
    day = date(2026, 5, 31)
    rows = features(book, day)
    view = pl.DataFrame({"loan_id": ["L1"], "status": ["delinquent"]})
    assert eligible(rows, view, "early_warning").height == 0
    chosen = eligible(rows, view, "cure")
    scored = score_accounts(FakeModel(), chosen, (0.25, 0.5, 0.75))
    row = scored.row(0, named=True)
    assert row["band"] in BANDS
    assert row["band"] == band_for(row["score"], (0.25, 0.5, 0.75))
    # days since payment 21, worst schedule dpd 12, months on book 5.3
    assert json.loads(row["reason_features"]) == ["days_since_payment", "worst_dpd_3m", "months_on_book"]
    assert json.loads(row["reasons_zh"])[1] == "近3个月最长逾期天数"
    assert json.loads(row["reasons_en"])[1] == "worst days past due in the last 3 months"
    assert score_accounts(FakeModel(), chosen.clear(), (0.25, 0.5, 0.75)).height == 0


def test_an_account_with_nothing_raising_its_risk_still_gets_a_reason() -> None:
    class Quiet(FakeModel):
        def explain(self, frame: pl.DataFrame, top: int = 3) -> tuple[np.ndarray, list[list[object]]]:
            return np.zeros(frame.height), [[] for _ in range(frame.height)]

    rows = features(frames(STORY), date(2026, 5, 31))
    scored = score_accounts(Quiet(), rows, (0.25, 0.5, 0.75))  # type: ignore[arg-type]
    assert json.loads(scored["reason_features"][0]) == ["-"]
    assert json.loads(scored["reasons_en"][0]) == [NO_REASON.en]
    assert json.loads(scored["reasons_zh"][0]) == [NO_REASON.zh]


def test_the_cure_model_learns_the_risk_of_not_curing() -> None:
    rows = pl.DataFrame({"loan_id": ["a", "b"], "target": [1, 0]}, schema_overrides={"target": pl.Int8})
    assert at_risk(rows, "cure")["target"].to_list() == [0, 1]
    assert at_risk(rows, "early_warning")["target"].to_list() == [1, 0]
