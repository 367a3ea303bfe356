"""No look-ahead: nothing dated after the as-of date changes any behaviour feature.

Random books (the ledger's own strategy); for one of their as-of dates every event after it
is dropped, then new ones are drawn in its place: payments, bounced payments (including
reversals of payments made before the date), late fees, waivers, and whole new loans paid
out later. The features on that date must not move.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faircollect.domain.schedule import Charge, Installment, Payment
from faircollect.ledger.frames import BookFrames
from faircollect.risk.behaviour import features
from tests.unit.test_ledger_asof import Loan, RandomBook, books, frames

AFTER = st.integers(1, 400)
AMOUNT = st.integers(1, 300_000)


@st.composite
def futures(draw: st.DrawFn, book: RandomBook, as_of: date) -> dict[str, Loan]:
    """The same loans up to ``as_of``, other events after it, and loans paid out after it."""
    out: dict[str, Loan] = {}
    for loan_id, loan in book.loans.items():
        known_pays = [p for p in loan.payments if p.paid_on <= as_of]
        reversed_ids = {p.reverses for p in known_pays if p.reverses}
        pays = list(known_pays)
        for n in range(draw(st.integers(0, 4))):
            pays.append(Payment(f"{loan_id}-F{n}", as_of + timedelta(days=draw(AFTER)), draw(AMOUNT)))
        open_before = [p for p in known_pays if p.reverses is None and p.payment_id not in reversed_ids]
        if open_before and draw(st.booleans()):  # a payment made before the date bounces after it
            p = open_before[draw(st.integers(0, len(open_before) - 1))]
            pays.append(Payment(f"{loan_id}-B", as_of + timedelta(days=draw(AFTER)), p.amount, p.payment_id))
        seqs = [i.seq for i in loan.installments]
        chs = [c for c in loan.charges if c.posted_on <= as_of]
        for n in range(draw(st.integers(0, 3))):
            seq = seqs[draw(st.integers(0, len(seqs) - 1))]
            chs.append(Charge(f"{loan_id}-FC{n}", seq, as_of + timedelta(days=draw(AFTER)), draw(AMOUNT)))
        out[loan_id] = Loan(loan.installments, tuple(chs), tuple(pays))
    for n in range(draw(st.integers(0, 2))):  # paid out after the date: its first due is 31+ days later
        first_due = as_of + timedelta(days=31 + draw(AFTER))
        insts = (Installment(1, first_due, draw(AMOUNT), draw(AMOUNT)),)
        late = (Payment(f"NEW{n}-P", first_due, draw(AMOUNT)),)
        out[f"NEW{n}"] = Loan(insts, (), late)
    return out


def _known(loans: dict[str, Loan], as_of: date) -> BookFrames:
    """Only what was known on ``as_of``."""
    kept = {
        k: Loan(
            v.installments,
            tuple(c for c in v.charges if c.posted_on <= as_of),
            tuple(p for p in v.payments if p.paid_on <= as_of),
        )
        for k, v in loans.items()
        if min(i.due_date for i in v.installments) - timedelta(days=30) <= as_of
    }
    return frames(kept)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_events_after_the_date_change_no_feature(data: st.DataObject) -> None:
    book = data.draw(books())
    as_of = book.as_ofs[0]
    other = data.draw(futures(book, as_of))
    original = features(frames(book.loans), as_of)
    changed = features(frames(other), as_of)
    assert changed.equals(original)
    if book.loans:
        assert features(_known(book.loans, as_of), as_of).equals(original)


def test_a_reversal_after_the_date_of_a_payment_before_it_changes_nothing() -> None:
    """The bounce is news only when it comes: on the day before, the payment still counts."""
    insts = (Installment(1, date(2026, 2, 20), 1000_00, 60_00),)
    paid = Payment("P1", date(2026, 2, 18), 1060_00)
    before = {"L1": Loan(insts, (), (paid,))}
    after = {"L1": Loan(insts, (), (paid, Payment("R1", date(2026, 3, 2), 1060_00, "P1")))}
    day = date(2026, 3, 1)
    assert features(frames(after), day).equals(features(frames(before), day))
    later = features(frames(after), date(2026, 3, 2))
    # On the day it comes, the bounce shows in days past due and in the count of bounces; the
    # installment still counts as covered on its due date (that day's view said so).
    assert later.select("dpd", "reversals_12m", "late_installments").row(0) == (10, 1, 0)
    assert not pl.DataFrame.equals(later, features(frames(before), date(2026, 3, 2)))
