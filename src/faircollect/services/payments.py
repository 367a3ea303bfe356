"""Real-time re-grading: a posted or reversed payment moves its account at once, not at the next cycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from faircollect.domain.errors import BadInput, Conflict, InputProblem, NotFound
from faircollect.domain.money import format_minor
from faircollect.domain.schedule import AccountView, Payment, account_view
from faircollect.services.ports import LoanRecord, UnitOfWork


@dataclass(frozen=True, slots=True)
class Regrade:
    """The account before and after a payment event."""

    loan_id: str
    payment_id: str
    before: AccountView | None
    after: AccountView

    @property
    def moved(self) -> bool:
        return self.before is None or self.before.bucket != self.after.bucket


def _bad(field: str, reason: str) -> BadInput:
    return BadInput(InputProblem("payment", None, field, reason))


def post_payment(
    *,
    uow: UnitOfWork,
    loan_id: str,
    payment_id: str,
    paid_on: date,
    amount: int,
    as_of: date,
    now: datetime,
    actor: str,
    edges: Sequence[int],
) -> Regrade:
    """Record a payment and re-grade its account as of ``as_of``."""
    if amount <= 0:
        raise _bad("amount", "must be greater than zero")
    if paid_on > as_of:
        raise _bad("paid_on", f"{paid_on} is after the as-of date {as_of}")
    with uow:
        uow.lock("book")
        record = uow.book.loan(loan_id)
        if record is None:
            raise NotFound(f"no loan '{loan_id}'")
        if uow.book.payment(payment_id) is not None:
            raise Conflict(f"payment '{payment_id}' already exists")
        result = _land(
            uow,
            record=record,
            payment=Payment(payment_id, paid_on, amount),
            as_of=as_of,
            edges=edges,
            now=now,
            actor=actor,
            action="faircollect.payment.posted",
        )
    return result


def reverse_payment(
    *,
    uow: UnitOfWork,
    payment_id: str,
    reversal_id: str,
    paid_on: date,
    as_of: date,
    now: datetime,
    actor: str,
    edges: Sequence[int],
) -> Regrade:
    """Cancel a payment (a bounced debit) with a reversing row and re-grade its account."""
    if paid_on > as_of:
        raise _bad("paid_on", f"{paid_on} is after the as-of date {as_of}")
    with uow:
        uow.lock("book")
        original = uow.book.payment(payment_id)
        loan_id = uow.book.payment_loan(payment_id)
        if original is None or loan_id is None:
            raise NotFound(f"no payment '{payment_id}'")
        if original.reverses is not None:
            raise Conflict(f"'{payment_id}' is itself a reversal; a reversal cannot be reversed")
        already = uow.book.reversal_of(payment_id)
        if already is not None:
            raise Conflict(f"payment '{payment_id}' was already reversed by '{already}'")
        if uow.book.payment(reversal_id) is not None:
            raise Conflict(f"payment '{reversal_id}' already exists")
        if paid_on < original.paid_on:
            raise _bad("paid_on", f"the reversal ({paid_on}) is before the payment ({original.paid_on})")
        record = uow.book.loan(loan_id)
        assert record is not None  # the payment's loan exists: payments reference loans
        result = _land(
            uow,
            record=record,
            payment=Payment(reversal_id, paid_on, original.amount, reverses=payment_id),
            as_of=as_of,
            edges=edges,
            now=now,
            actor=actor,
            action="faircollect.payment.reversed",
        )
    return result


def _land(
    uow: UnitOfWork,
    *,
    record: LoanRecord,
    payment: Payment,
    as_of: date,
    edges: Sequence[int],
    now: datetime,
    actor: str,
    action: str,
) -> Regrade:
    """Add the payment row, re-grade the account, record both as evidence, commit."""
    loan_id = record.loan_id
    uow.book.add_payment(loan_id=loan_id, payment=payment)
    cause = "payment" if payment.reverses is None else "reversal"
    after = account_view(
        loan_id=loan_id,
        installments=record.installments,
        charges=record.charges,
        payments=[*record.payments, payment],
        as_of=as_of,
        edges=edges,
    )
    result = _regrade(uow, loan_id, payment.payment_id, after, as_of, cause=cause)
    uow.evidence.append(
        at=now,
        action=action,
        actor=actor,
        subject=f"loan:{loan_id}",
        payload={
            "payment_id": payment.payment_id,
            "reverses": payment.reverses,
            "paid_on": payment.paid_on.isoformat(),
            "amount": format_minor(payment.amount),
            "as_of": as_of.isoformat(),
            "bucket": [result.before.bucket if result.before else None, result.after.bucket],
            "dpd": result.after.dpd,
        },
    )
    uow.commit()
    return result


def _regrade(
    uow: UnitOfWork, loan_id: str, payment_id: str, after: AccountView, as_of: date, *, cause: str
) -> Regrade:
    """Store the account's new grade and the bucket move it makes, if any."""
    before = uow.views.state_of(loan_id)
    uow.views.put_state(after, source=cause)
    if (before is None and after.bucket != "M0") or (before is not None and before.bucket != after.bucket):
        uow.views.add_move(
            loan_id=loan_id,
            on=as_of,
            from_bucket=before.bucket if before else None,
            to_bucket=after.bucket,
            cause=cause,
        )
    return Regrade(loan_id, payment_id, before, after)
