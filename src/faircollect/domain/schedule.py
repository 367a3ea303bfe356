"""The as-of view of one account: what is owed, paid, overdue, and its bucket.

This is the scalar twin of ``faircollect.ledger.asof``: plain and readable, one
loan at a time, written straight from ``interchange.md`` ("The as-of view of an
account"). The columnar twin must agree with it on every book; a property test
holds them to that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

#: Default bucket edges: the upper dpd of M1..M6; above the last edge is M7+.
DEFAULT_BUCKET_EDGES: tuple[int, ...] = (30, 60, 90, 120, 150, 180)


@dataclass(frozen=True, slots=True)
class Installment:
    """One scheduled installment, amounts in minor units."""

    seq: int
    due_date: date
    principal_due: int
    interest_due: int
    fee_due: int = 0


@dataclass(frozen=True, slots=True)
class Charge:
    """A late fee, penalty or (negative) waiver posted on installment ``seq``."""

    charge_id: str
    seq: int
    posted_on: date
    amount: int
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment, or (with ``reverses``) the row that cancels an earlier one."""

    payment_id: str
    paid_on: date
    amount: int
    reverses: str | None = None


@dataclass(frozen=True, slots=True)
class InstallmentState:
    """How much of one installment is owed and unpaid at the as-of date."""

    seq: int
    due_date: date
    owed: int
    unpaid: int
    unpaid_principal: int
    overdue: bool


@dataclass(frozen=True, slots=True)
class AccountView:
    """One row of the as-of export, amounts in minor units."""

    loan_id: str
    as_of: date
    dpd: int
    bucket: str
    overdue_amount: int
    outstanding_total: int
    outstanding_principal: int
    paid_total: int
    status: str


def bucket_for(dpd: int, edges: Sequence[int] = DEFAULT_BUCKET_EDGES) -> str:
    """The bucket of a dpd: M0 for 0, M1 up to the first edge, ..., M{n+1}+ above the last."""
    if dpd <= 0:
        return "M0"
    for index, edge in enumerate(edges, start=1):
        if dpd <= edge:
            return f"M{index}"
    return f"M{len(edges) + 1}+"


def bucket_names(edges: Sequence[int] = DEFAULT_BUCKET_EDGES) -> list[str]:
    """Every bucket name in order, M0 first."""
    return ["M0", *(f"M{i}" for i in range(1, len(edges) + 1)), f"M{len(edges) + 1}+"]


def paid_total(payments: Iterable[Payment], as_of: date) -> int:
    """Payments on or before ``as_of``, less those whose reversing row is on or before it."""
    rows = list(payments)
    by_id = {p.payment_id: p for p in rows}
    total = 0
    for p in rows:
        if p.paid_on > as_of:
            continue
        if p.reverses is None:
            total += p.amount
        else:
            total -= by_id[p.reverses].amount
    return total


def installment_states(
    installments: Iterable[Installment],
    charges: Iterable[Charge],
    paid: int,
    as_of: date,
) -> list[InstallmentState]:
    """Apply ``paid`` through the waterfall and say what stays unpaid on each installment.

    In seq order, each installment in full before the next; inside one, fees and
    charges first, then interest, then principal.
    """
    charges_on: dict[int, int] = {}
    for c in charges:
        if c.posted_on <= as_of:
            charges_on[c.seq] = charges_on.get(c.seq, 0) + c.amount
    remaining = paid
    states: list[InstallmentState] = []
    for inst in sorted(installments, key=lambda i: i.seq):
        fees = inst.fee_due + charges_on.get(inst.seq, 0)
        owed = fees + inst.interest_due + inst.principal_due
        applied = min(max(remaining, 0), owed)
        remaining -= applied
        to_fees = min(applied, fees)
        to_interest = min(applied - to_fees, inst.interest_due)
        to_principal = applied - to_fees - to_interest
        unpaid = owed - applied
        states.append(
            InstallmentState(
                seq=inst.seq,
                due_date=inst.due_date,
                owed=owed,
                unpaid=unpaid,
                unpaid_principal=inst.principal_due - to_principal,
                overdue=inst.due_date < as_of and unpaid > 0,
            )
        )
    return states


def account_view(
    *,
    loan_id: str,
    installments: Iterable[Installment],
    charges: Iterable[Charge],
    payments: Iterable[Payment],
    as_of: date,
    edges: Sequence[int] = DEFAULT_BUCKET_EDGES,
) -> AccountView:
    """The as-of view of one loan, exactly as ``interchange.md`` defines it."""
    paid = paid_total(payments, as_of)
    states = installment_states(installments, charges, paid, as_of)
    overdue = [s for s in states if s.overdue]
    dpd = (as_of - min(s.due_date for s in overdue)).days if overdue else 0
    outstanding = sum(s.unpaid for s in states)
    if outstanding == 0:
        status = "settled"
    elif dpd > 0:
        status = "delinquent"
    else:
        status = "current"
    return AccountView(
        loan_id=loan_id,
        as_of=as_of,
        dpd=dpd,
        bucket=bucket_for(dpd, edges),
        overdue_amount=sum(s.unpaid for s in overdue),
        outstanding_total=outstanding,
        outstanding_principal=sum(s.unpaid_principal for s in states),
        paid_total=paid,
        status=status,
    )
