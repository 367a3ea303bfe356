"""The columnar as-of view (``ledger.asof.book_view``) against its scalar twin.

(a) every story of ``test_schedule.py`` and the hand-checked ``basic`` book tell the
same numbers through ``book_view``; (b) on random valid books, ``book_view`` equals
``account_view`` of each loan, on every column, row by row.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faircollect.domain.schedule import (
    DEFAULT_BUCKET_EDGES,
    AccountView,
    Charge,
    Installment,
    Payment,
    account_view,
)
from faircollect.ledger.asof import book_view
from faircollect.ledger.frames import (
    CHARGES_SCHEMA,
    INSTALLMENTS_SCHEMA,
    LOANS_SCHEMA,
    PAYMENTS_SCHEMA,
    VIEW_SCHEMA,
    BookFrames,
    empty_book,
)
from tests.unit.test_schedule import STORIES, THREE_MONTHS, Story

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@dataclass(frozen=True)
class Loan:
    installments: tuple[Installment, ...]
    charges: tuple[Charge, ...] = ()
    payments: tuple[Payment, ...] = ()


def frames(loans: Mapping[str, Loan]) -> BookFrames:
    """The book as the ledger reads it, from scalar rows."""
    loan_rows = []
    inst_rows = []
    charge_rows = []
    payment_rows = []
    for loan_id, loan in loans.items():
        first_due = min(i.due_date for i in loan.installments)
        loan_rows.append(
            (
                loan_id,
                "B1",
                "CNY",
                sum(i.principal_due for i in loan.installments),
                first_due - timedelta(days=30),
                len(loan.installments),
                None,
                None,
            )
        )
        inst_rows += [
            (loan_id, i.seq, i.due_date, i.principal_due, i.interest_due, i.fee_due)
            for i in loan.installments
        ]
        charge_rows += [(c.charge_id, loan_id, c.seq, c.posted_on, c.amount, c.kind) for c in loan.charges]
        payment_rows += [(p.payment_id, loan_id, p.paid_on, p.amount, p.reverses) for p in loan.payments]
    return BookFrames(
        loans=pl.DataFrame(loan_rows, schema=LOANS_SCHEMA, orient="row"),
        installments=pl.DataFrame(inst_rows, schema=INSTALLMENTS_SCHEMA, orient="row"),
        charges=pl.DataFrame(charge_rows, schema=CHARGES_SCHEMA, orient="row"),
        payments=pl.DataFrame(payment_rows, schema=PAYMENTS_SCHEMA, orient="row"),
    )


def scalar_views(loans: Mapping[str, Loan], as_of: date, edges: Sequence[int]) -> list[dict[str, Any]]:
    return [
        asdict(
            account_view(
                loan_id=loan_id,
                installments=loan.installments,
                charges=loan.charges,
                payments=loan.payments,
                as_of=as_of,
                edges=edges,
            )
        )
        for loan_id, loan in sorted(loans.items())
    ]


def shuffled(book: BookFrames, seed: int) -> BookFrames:
    """The same book with every table's rows in another order, as storage may return them."""
    return BookFrames(
        *(
            frame.sample(fraction=1.0, shuffle=True, seed=seed + n)
            for n, frame in enumerate((book.loans, book.installments, book.charges, book.payments))
        )
    )


def columnar_views(
    loans: Mapping[str, Loan], as_of: date, edges: Sequence[int], seed: int | None = None
) -> list[dict[str, Any]]:
    book = frames(loans) if seed is None else shuffled(frames(loans), seed)
    view = book_view(book, as_of, edges)
    assert view.schema == pl.Schema(VIEW_SCHEMA)
    return view.rows(named=True)


# ------------------------------------------------------------------ (a) examples


@pytest.mark.parametrize("story", STORIES)
def test_story_through_book_view(story: Story) -> None:
    loans = {"L1": Loan(story.installments, story.charges, story.payments)}
    assert columnar_views(loans, story.as_of, story.edges) == [asdict(story.expected)]


def test_many_stories_in_one_book() -> None:
    """Stories sharing an as-of date, each its own loan in one book, keep their numbers."""
    by_date: dict[date, list[Story]] = {}
    for param in STORIES:
        story: Story = param.values[0]  # type: ignore[assignment]
        if story.edges == DEFAULT_BUCKET_EDGES:
            by_date.setdefault(story.as_of, []).append(story)
    shared = {as_of: stories for as_of, stories in by_date.items() if len(stories) > 1}
    assert shared  # several stories look at 2026-02-20 and 2026-03-20
    for as_of, stories in shared.items():
        loans = {f"L{n}": Loan(s.installments, s.charges, s.payments) for n, s in enumerate(stories)}
        expected = [{**asdict(s.expected), "loan_id": f"L{n}"} for n, s in enumerate(stories)]
        expected.sort(key=lambda row: row["loan_id"])
        assert columnar_views(loans, as_of, DEFAULT_BUCKET_EDGES) == expected


def test_loan_without_payments_or_charges_appears() -> None:
    loans = {
        "L2": Loan(THREE_MONTHS),
        "L1": Loan(
            THREE_MONTHS,
            (Charge("F1", 1, date(2026, 2, 20), 30_00),),
            (Payment("P1", date(2026, 2, 15), 1060_00),),
        ),
    }
    as_of = date(2026, 3, 1)
    assert columnar_views(loans, as_of, DEFAULT_BUCKET_EDGES) == [
        asdict(AccountView("L1", as_of, 14, "M1", 30_00, 2090_00, 2030_00, 1060_00, "delinquent")),
        asdict(AccountView("L2", as_of, 14, "M1", 1060_00, 3120_00, 3000_00, 0, "delinquent")),
    ]


def test_book_with_no_payments_or_charges_at_all() -> None:
    loans = {"L1": Loan(THREE_MONTHS)}
    book = frames(loans)
    assert book.payments.height == 0
    assert book.charges.height == 0
    as_of = date(2026, 2, 15)
    assert columnar_views(loans, as_of, DEFAULT_BUCKET_EDGES) == [
        asdict(AccountView("L1", as_of, 0, "M0", 0, 3120_00, 3000_00, 0, "current"))
    ]


def test_empty_book_gives_an_empty_view() -> None:
    view = book_view(empty_book(), date(2026, 3, 1))
    assert view.schema == pl.Schema(VIEW_SCHEMA)
    assert view.height == 0


def test_storage_order_does_not_matter() -> None:
    """Loans, installments, charges and payments in any row order give the same view."""
    loans = basic_book()
    as_of = date(2026, 3, 20)
    expected = expected_rows("2026-03-20")
    for seed in range(5):
        assert columnar_views(loans, as_of, DEFAULT_BUCKET_EDGES, seed) == expected


def test_sorted_by_loan_id_in_code_point_order() -> None:
    ids = ["L9", "L10", "l1", "L100", "L1", "贷1", "Z", "L2"]
    loans = {loan_id: Loan(THREE_MONTHS) for loan_id in ids}
    view = book_view(frames(loans), date(2026, 3, 1))
    assert view["loan_id"].to_list() == ["L1", "L10", "L100", "L2", "L9", "Z", "l1", "贷1"]


# ---------------------------------------------------------- the hand-checked book


def _minor(text: str) -> int:
    return int(Decimal(text or "0") * 100)


def _csv(name: str) -> list[dict[str, str]]:
    with (FIXTURES / "books" / "basic" / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def basic_book() -> dict[str, Loan]:
    insts: dict[str, list[Installment]] = {}
    for r in _csv("installments.csv"):
        insts.setdefault(r["loan_id"], []).append(
            Installment(
                int(r["seq"]),
                date.fromisoformat(r["due_date"]),
                _minor(r["principal_due"]),
                _minor(r["interest_due"]),
                _minor(r["fee_due"]),
            )
        )
    chs: dict[str, list[Charge]] = {}
    for r in _csv("charges.csv"):
        chs.setdefault(r["loan_id"], []).append(
            Charge(
                r["charge_id"],
                int(r["seq"]),
                date.fromisoformat(r["posted_on"]),
                _minor(r["amount"]),
                r["kind"],
            )
        )
    pays: dict[str, list[Payment]] = {}
    for r in _csv("payments.csv"):
        pays.setdefault(r["loan_id"], []).append(
            Payment(
                r["payment_id"], date.fromisoformat(r["paid_on"]), _minor(r["amount"]), r["reverses"] or None
            )
        )
    return {
        r["loan_id"]: Loan(
            tuple(insts[r["loan_id"]]), tuple(chs.get(r["loan_id"], ())), tuple(pays.get(r["loan_id"], ()))
        )
        for r in _csv("loans.csv")
    }


def expected_rows(as_of: str) -> list[dict[str, Any]]:
    with (FIXTURES / "expected" / f"basic_{as_of}.csv").open(encoding="utf-8", newline="") as f:
        return [
            {
                "loan_id": r["loan_id"],
                "as_of": date.fromisoformat(r["as_of"]),
                "dpd": int(r["dpd"]),
                "bucket": r["bucket"],
                "overdue_amount": _minor(r["overdue_amount"]),
                "outstanding_total": _minor(r["outstanding_total"]),
                "outstanding_principal": _minor(r["outstanding_principal"]),
                "paid_total": _minor(r["paid_total"]),
                "status": r["status"],
            }
            for r in csv.DictReader(f)
        ]


@pytest.mark.parametrize("as_of", ["2026-03-01", "2026-03-20", "2026-07-01"])
def test_basic_book_matches_the_hand_checked_export(as_of: str) -> None:
    loans = basic_book()
    expected = expected_rows(as_of)
    day = date.fromisoformat(as_of)
    assert scalar_views(loans, day, DEFAULT_BUCKET_EDGES) == expected
    assert columnar_views(loans, day, DEFAULT_BUCKET_EDGES) == expected


# ------------------------------------------------------- (b) random valid books

#: Ids that sort differently as strings and as numbers ("L10" < "L9"), and by case.
LOAN_IDS = ["L1", "L2", "L9", "L10", "L11", "L100", "l1", "L01", "Z9", "贷1"]
EPOCH = date(2026, 1, 1)


@dataclass(frozen=True)
class RandomBook:
    loans: dict[str, Loan]
    as_ofs: tuple[date, ...]
    edges: tuple[int, ...]
    seed: int  # the order of the rows in every table


def _owed(inst: Installment) -> int:
    return inst.fee_due + inst.interest_due + inst.principal_due


# Strategies built once: building them inside every draw makes the test several times slower.
AMOUNT = st.one_of(st.just(0), st.integers(0, 500_000), st.integers(0, 100))
FEE_DUE = st.one_of(st.just(0), st.just(0), st.integers(0, 500_000))  # often 0
GAP_DAYS = st.sampled_from([1, 2, 7, 28, 30, 31])
N_INSTALLMENTS = st.integers(1, 8)
START_DAY = st.integers(0, 60)
DAY_KIND = st.sampled_from(["due", "between", "after"])
NTH = st.integers(0, 10_000)  # taken modulo a length: an index into a list drawn earlier
DAYS_AROUND = st.integers(-60, 200)
DAYS_AFTER = st.integers(0, 2000)
DAYS_BEFORE = st.integers(1, 400)
CHARGE_SIZE = st.one_of(st.integers(1, 100), st.integers(1, 50_000))
CHARGE_KIND = st.sampled_from(["late_fee", "penalty_interest", "other", None])
SMALL_PAYMENT = st.integers(1, 1_000)
PAYMENT_SHAPE = st.sampled_from(["small", "partial", "exact", "all", "over"])
FRACTION = st.integers(1, 1_000_000)
REVERSAL_LAG = st.sampled_from([0, 0, 1, 3, 30, 400])
AS_OF_KIND = st.sampled_from(["before", "on_due", "after_due", "between", "long_after", "on_event"])
SEED = st.integers(0, 2**32)
EDGES_ST = st.lists(st.integers(1, 400), min_size=1, max_size=8, unique=True)


def _pick(draw: st.DrawFn, items: Sequence[Any]) -> Any:
    return items[draw(NTH) % len(items)]


@st.composite
def installments_st(draw: st.DrawFn) -> tuple[Installment, ...]:
    """1..8 installments, due dates strictly increasing (sometimes on consecutive days)."""
    due = EPOCH + timedelta(days=draw(START_DAY))
    out = []
    for seq in range(1, draw(N_INSTALLMENTS) + 1):
        if seq > 1:
            due += timedelta(days=draw(GAP_DAYS))
        out.append(
            Installment(
                seq, due, principal_due=draw(AMOUNT), interest_due=draw(AMOUNT), fee_due=draw(FEE_DUE)
            )
        )
    return tuple(out)


def _day_near(draw: st.DrawFn, insts: Sequence[Installment]) -> date:
    """A day on a due date, around the schedule, or long after it."""
    kind = draw(DAY_KIND)
    if kind == "due":
        return _pick(draw, insts).due_date  # type: ignore[no-any-return]
    if kind == "between":
        return insts[0].due_date + timedelta(days=draw(DAYS_AROUND))
    return insts[-1].due_date + timedelta(days=draw(DAYS_AFTER))


@st.composite
def charges_st(draw: st.DrawFn, loan_id: str, insts: tuple[Installment, ...]) -> tuple[Charge, ...]:
    """Late fees and waivers; a waiver never takes fee_due + charges of its installment below 0."""
    wanted = [
        (_pick(draw, insts).seq, draw(st.booleans()), draw(CHARGE_SIZE), _day_near(draw, insts))
        for _ in range(draw(st.integers(0, 6)))
    ]
    # Walk the posting days in order, keeping the running fees of each installment >= 0 on every
    # day (on one day, fees before waivers). A waiver may thus come before any late fee, eating
    # into fee_due, or after one.
    wanted.sort(key=lambda c: (c[3], c[1]))
    running = {i.seq: i.fee_due for i in insts}
    out = []
    for n, (seq, waiver, size, day) in enumerate(wanted):
        amount = -min(size, running[seq]) if waiver else size
        if amount == 0:
            continue
        running[seq] += amount
        kind = "waiver" if amount < 0 else draw(CHARGE_KIND)
        out.append(Charge(f"{loan_id}-C{n}", seq, day, amount, kind))
    random.Random(draw(SEED)).shuffle(out)  # rows come in any order
    return tuple(out)


@st.composite
def payments_st(draw: st.DrawFn, loan_id: str, insts: tuple[Installment, ...]) -> tuple[Payment, ...]:
    """Partial, exact, prepaid and overpaid payments, some bounced (reversed once, on or after)."""
    total = sum(_owed(i) for i in insts)
    cumulative = [sum(_owed(i) for i in insts[: k + 1]) for k in range(len(insts))]
    pays = []
    for k in range(draw(st.integers(0, 6))):
        shape = draw(PAYMENT_SHAPE)
        if shape == "small":
            amount = draw(SMALL_PAYMENT)
        elif shape == "partial":
            amount = 1 + total * draw(FRACTION) // 1_000_000
        elif shape == "exact":  # exactly one installment, or exactly up to one
            amount = _owed(_pick(draw, insts)) if draw(st.booleans()) else _pick(draw, cumulative)
        elif shape == "all":
            amount = total
        else:
            amount = total + 1 + total * draw(FRACTION) // 1_000_000
        pays.append(Payment(f"{loan_id}-P{k}", _day_near(draw, insts), max(amount, 1)))
    bounced = [p for p in pays if draw(st.integers(0, 3)) == 0]
    reversals = [
        Payment(f"{loan_id}-R{k}", p.paid_on + timedelta(days=draw(REVERSAL_LAG)), p.amount, p.payment_id)
        for k, p in enumerate(bounced)
    ]
    rows = pays + reversals
    random.Random(draw(SEED)).shuffle(rows)
    return tuple(rows)


@st.composite
def books(draw: st.DrawFn) -> RandomBook:
    ids = draw(st.lists(st.sampled_from(LOAN_IDS), min_size=1, max_size=6, unique=True))
    loans: dict[str, Loan] = {}
    for loan_id in ids:
        insts = draw(installments_st())
        bare = draw(st.integers(0, 4)) == 0  # now and then a loan with no payments and no charges
        loans[loan_id] = Loan(
            insts,
            () if bare else draw(charges_st(loan_id, insts)),
            () if bare else draw(payments_st(loan_id, insts)),
        )
    every_due = sorted({i.due_date for loan in loans.values() for i in loan.installments})
    every_event = (
        sorted(
            {c.posted_on for loan in loans.values() for c in loan.charges}
            | {p.paid_on for loan in loans.values() for p in loan.payments}
        )
        or every_due
    )
    first, last = every_due[0], every_due[-1]
    as_ofs = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(AS_OF_KIND)
        if kind == "before":  # before any due date
            as_ofs.append(first - timedelta(days=draw(DAYS_BEFORE)))
        elif kind == "on_due":  # exactly on a due date
            as_ofs.append(_pick(draw, every_due))
        elif kind == "after_due":
            as_ofs.append(_pick(draw, every_due) + timedelta(days=1))
        elif kind == "between":
            as_ofs.append(first + timedelta(days=draw(NTH) % ((last - first).days + 1)))
        elif kind == "long_after":
            as_ofs.append(last + timedelta(days=1 + draw(DAYS_AFTER)))
        else:  # the day of a payment or charge
            as_ofs.append(_pick(draw, every_event))
    edges = tuple(sorted(draw(EDGES_ST))) if draw(st.integers(0, 3)) == 0 else DEFAULT_BUCKET_EDGES
    return RandomBook(loans, tuple(as_ofs), edges, draw(SEED))


def _is_valid(book: RandomBook) -> bool:
    """The interchange rules the strategy promises, checked independently."""
    for loan in book.loans.values():
        dues = [i.due_date for i in loan.installments]
        if dues != sorted(set(dues)):
            return False
        for inst in loan.installments:
            mine = [c for c in loan.charges if c.seq == inst.seq]
            for day in {c.posted_on for c in mine}:
                if inst.fee_due + sum(c.amount for c in mine if c.posted_on <= day) < 0:
                    return False
        by_id = {p.payment_id: p for p in loan.payments}
        reversed_ids = [p.reverses for p in loan.payments if p.reverses is not None]
        if len(reversed_ids) != len(set(reversed_ids)):
            return False
        for p in loan.payments:
            if p.amount <= 0:
                return False
            if p.reverses is not None:
                target = by_id[p.reverses]
                if target.reverses is not None or target.amount != p.amount or target.paid_on > p.paid_on:
                    return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_book_view_equals_account_view_of_each_loan(book: RandomBook) -> None:
    assert _is_valid(book)
    for as_of in book.as_ofs:
        expected = scalar_views(book.loans, as_of, book.edges)
        assert [row["loan_id"] for row in expected] == sorted(book.loans)
        assert columnar_views(book.loans, as_of, book.edges, book.seed) == expected
