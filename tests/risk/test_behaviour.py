"""Behaviour features and labels (``risk.behaviour``): a told story, then random books against
the day-by-day scalar reference (``tests/risk/reference.py``)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings

from faircollect.ledger.asof import book_view
from faircollect.ledger.frames import empty_book
from faircollect.risk import Label
from faircollect.risk.behaviour import (
    FEATURE_SCHEMA,
    LABELS,
    PLANNED_LABELS,
    dpd_on,
    features,
    labels_cure,
    labels_early_warning,
    training_set,
)
from tests.risk import reference as ref
from tests.unit.test_ledger_asof import Loan, RandomBook, books, frames
from tests.unit.test_schedule import charges, payments, schedule

# A six-month loan of 6,000 yuan, 1,060 a month, paid out on 2025-12-21. The borrower pays the
# first month on time, the second 13 days late (the late fee keeps it open until March), the
# third with the fourth's start, the fourth on time, then a part payment that bounces.
SIX_MONTHS = schedule("""
    seq due         principal interest fee
    1   2026-01-20  1000.00   60.00    0
    2   2026-02-20  1000.00   60.00    0
    3   2026-03-20  1000.00   60.00    0
    4   2026-04-20  1000.00   60.00    0
    5   2026-05-20  1000.00   60.00    0
    6   2026-06-20  1000.00   60.00    0
""")
LATE_FEE = charges("""
    id  seq posted      amount kind
    F1  2   2026-02-23  30.00  late_fee
""")
PAID = payments("""
    id  paid_on     amount  reverses
    P1  2026-01-20  1060.00
    P2  2026-03-05  1060.00
    P3  2026-03-25  1100.00
    P4  2026-04-20  1060.00
    P5  2026-05-10  500.00
    R5  2026-05-12  500.00  P5
""")
STORY = {"L1": Loan(SIX_MONTHS, LATE_FEE, PAID)}


def _row(frame: pl.DataFrame) -> dict[str, object]:
    assert frame.height == 1
    return frame.row(0, named=True)


def test_the_story_at_the_end_of_may() -> None:
    got = _row(features(frames(STORY), date(2026, 5, 31)))
    assert got == {
        "loan_id": "L1",
        "dpd": 11,  # the fifth month, due 20 May, is unpaid: the part payment bounced
        # 4 March, the day before February's payment: the schedule's days past due leave the
        # late fee out (the as-of view, fee included, said 32 on 24 March)
        "worst_dpd_3m": 12,
        "worst_dpd_6m": 12,
        "worst_dpd_12m": 12,
        "overdue_installments": 1,
        "late_installments": 3,  # February, March and May were not covered on their due dates
        "late_installments_3m": 2,  # March and May
        "installments_due": 5,
        "share_paid": pytest.approx(4280 / 5300),
        "partial_payments_6m": 1,  # the 500 that bounced
        "payments_3m": 4,
        "days_since_payment": 21,
        "reversals_12m": 1,
        "charges_12m": 1,
        "months_on_book": pytest.approx(161 / 30.4375),
        "outstanding_share": pytest.approx(2000 / 6000),
        "principal": 6000.0,
        "term": 6,
        "apr": None,
        "product": None,
    }


def test_the_story_looked_at_day_by_day() -> None:
    days = [date(2026, 3, 4), date(2026, 3, 5), date(2026, 3, 24), date(2026, 3, 25), date(2026, 5, 11)]
    pairs = pl.DataFrame({"loan_id": ["L1"] * len(days), "on": days})
    got = dpd_on(frames(STORY), pairs)
    assert got["dpd"].to_list() == [12, 13, 32, 0, 0]  # the late fee keeps February open
    assert got["overdue_installments"].to_list() == [1, 1, 2, 0, 0]
    schedule_only = dpd_on(frames(STORY), pairs, charges=False)
    assert schedule_only["dpd"].to_list() == [12, 0, 4, 0, 0]
    assert schedule_only["overdue_installments"].to_list() == [1, 0, 1, 0, 0]


def test_the_story_labels() -> None:
    book = frames(STORY)
    # Current on 25 April; with no payment after the bounce, May is 30 days late on 19 June.
    assert labels_early_warning(book, date(2026, 4, 25)).rows() == [("L1", 1)]
    # 45 days is not enough to see it.
    assert labels_early_warning(book, date(2026, 4, 25), horizon=45).rows() == [("L1", 0)]
    # Delinquent on 31 May, and nothing paid in the next 30 days: no cure.
    assert labels_cure(book, date(2026, 5, 31)).rows() == [("L1", 0)]
    # Not delinquent on 25 April: no cure label at all.
    assert labels_cure(book, date(2026, 4, 25)).height == 0
    cured = {
        "L1": Loan(
            SIX_MONTHS,
            LATE_FEE,
            (
                *PAID,
                *payments("""
        id  paid_on     amount
        P6  2026-06-10  2120.00
    """),
            ),
        )
    }
    assert labels_cure(frames(cured), date(2026, 5, 31)).rows() == [("L1", 1)]


def test_every_feature_has_plain_names_in_both_languages() -> None:
    names = [c for c in FEATURE_SCHEMA if c != "loan_id"]
    assert list(LABELS) == names
    for label in [*LABELS.values(), *PLANNED_LABELS.values()]:
        assert isinstance(label, Label)
        assert label.zh
        assert label.en
        assert label.zh != label.en
    assert not set(PLANNED_LABELS) & set(LABELS)


def test_loans_paid_out_later_are_not_there_yet() -> None:
    book = frames(STORY)
    assert features(book, date(2025, 12, 20)).height == 0
    assert features(book, date(2025, 12, 21)).height == 1


def test_an_empty_book() -> None:
    day = date(2026, 3, 1)
    assert features(empty_book(), day).schema == pl.Schema(FEATURE_SCHEMA)
    assert labels_early_warning(empty_book(), day).height == 0
    assert labels_cure(empty_book(), day).height == 0
    assert training_set(empty_book(), kind="cure", dates=[day]).height == 0


def test_extra_frames_join_on_loan_id() -> None:
    """The seam for promises and contact outcomes: more per-loan columns, joined as they come."""
    promises = pl.DataFrame({"loan_id": ["L1"], "broken_promises_6m": [2]})
    got = features(frames(STORY), date(2026, 5, 31), extra=[promises])
    assert got["broken_promises_6m"].to_list() == [2]


def test_training_set_rows_are_the_eligible_accounts_of_each_date() -> None:
    book = frames(STORY)
    dates = [date(2026, 4, 25), date(2026, 5, 31)]
    ew = training_set(book, kind="early_warning", dates=dates)
    assert ew.select("as_of", "loan_id", "target").rows() == [(date(2026, 4, 25), "L1", 1)]
    cure = training_set(book, kind="cure", dates=dates)
    assert cure.select("as_of", "target").rows() == [(date(2026, 5, 31), 0)]
    assert cure.columns == ["as_of", *FEATURE_SCHEMA, "target"]


# ------------------------------------------------------------- random books


def _scalar_loans(book: RandomBook) -> dict[str, ref.Loan]:
    return {k: ref.Loan(v.installments, v.charges, v.payments) for k, v in book.loans.items()}


def _same(a: object, b: object) -> bool:
    if isinstance(b, float) and isinstance(a, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_features_equal_the_day_by_day_reference(book: RandomBook) -> None:
    loans = _scalar_loans(book)
    for as_of in book.as_ofs:
        got = features(frames(book.loans), as_of).rows(named=True)
        want = [
            ref.features(k, loan, as_of) for k, loan in sorted(loans.items()) if loan.disbursed_on <= as_of
        ]
        assert [r["loan_id"] for r in got] == [r["loan_id"] for r in want]
        for g, w in zip(got, want, strict=True):
            wrong = {k: (g[k], w[k]) for k in w if not _same(g[k], w[k])}
            assert not wrong, (g["loan_id"], as_of, wrong)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_labels_equal_the_day_by_day_reference(book: RandomBook) -> None:
    loans = _scalar_loans(book)
    fr = frames(book.loans)
    for as_of in book.as_ofs:
        ew = dict(labels_early_warning(fr, as_of).iter_rows())
        cure = dict(labels_cure(fr, as_of).iter_rows())
        assert ew == {k: v for k, loan in loans.items() if (v := ref.early_warning(loan, as_of)) is not None}
        assert cure == {k: v for k, loan in loans.items() if (v := ref.cure(loan, as_of)) is not None}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_dpd_on_any_day_equals_the_as_of_view_of_that_day(book: RandomBook) -> None:
    fr = frames(book.loans)
    loans = _scalar_loans(book)
    first = min(loan.disbursed_on for loan in loans.values())
    days = [first + timedelta(days=n) for n in range(0, 400, 3)]
    pairs = pl.DataFrame(
        [(k, d) for k in loans for d in days], schema={"loan_id": pl.String(), "on": pl.Date()}, orient="row"
    )
    got = {(r[0], r[1]): (r[2], r[3]) for r in dpd_on(fr, pairs).iter_rows()}
    want = {
        (k, d): ref.dpd_and_overdue(loan, d)
        for k, loan in loans.items()
        for d in days
        if loan.disbursed_on <= d
    }
    assert got == want
    plain = {(r[0], r[1]): (r[2], r[3]) for r in dpd_on(fr, pairs, charges=False).iter_rows()}
    assert plain == {
        (k, d): ref.dpd_and_overdue(ref.schedule_only(loan), d)
        for k, loan in loans.items()
        for d in days
        if loan.disbursed_on <= d
    }
    # and on the days the cycle would look at, the same as the ledger's own view
    for as_of in book.as_ofs:
        view = book_view(fr, as_of).select("loan_id", "dpd")
        mine = dpd_on(fr, view.select("loan_id", pl.lit(as_of).alias("on")))
        assert mine.select("loan_id", "dpd").rows() == view.join(mine, on="loan_id", how="semi").rows()
