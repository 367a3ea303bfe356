"""A day-by-day scalar reference for ``risk.behaviour``: plain loops over ``domain.schedule``.

Slow and obvious on purpose: days past due on a day is ``account_view`` of that day, the worst
over a window is the largest of every day's, and so on. The columnar features must equal it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from faircollect.domain.schedule import (
    Charge,
    Installment,
    Payment,
    account_view,
    installment_states,
    paid_total,
)

MONTH = 30.4375


@dataclass(frozen=True)
class Loan:
    """One loan as the scalar twin sees it; paid out 30 days before its first due date."""

    installments: tuple[Installment, ...]
    charges: tuple[Charge, ...] = ()
    payments: tuple[Payment, ...] = ()

    @property
    def disbursed_on(self) -> date:
        return min(i.due_date for i in self.installments) - timedelta(days=30)


def _base(inst: Installment) -> int:
    return inst.principal_due + inst.interest_due + inst.fee_due


def dpd_and_overdue(loan: Loan, day: date) -> tuple[int, int]:
    """Days past due and overdue installments on ``day``, from the events dated on or before it."""
    view = account_view(
        loan_id="x", installments=loan.installments, charges=loan.charges, payments=loan.payments, as_of=day
    )
    states = installment_states(loan.installments, loan.charges, paid_total(loan.payments, day), day)
    return view.dpd, sum(1 for s in states if s.overdue)


def dpd(loan: Loan, day: date) -> int:
    return dpd_and_overdue(loan, day)[0]


def schedule_only(loan: Loan) -> Loan:
    """The loan with its charges left out: what the history features read."""
    return Loan(loan.installments, (), loan.payments)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def features(loan_id: str, loan: Loan, as_of: date) -> dict[str, Any]:
    """The features of one loan as of ``as_of``, each straight from its definition."""
    d = as_of
    insts = sorted(loan.installments, key=lambda i: i.seq)
    pays = [p for p in loan.payments if p.paid_on <= d and p.reverses is None]
    reversals = [p for p in loan.payments if p.paid_on <= d and p.reverses is not None]
    view = account_view(
        loan_id=loan_id, installments=insts, charges=loan.charges, payments=loan.payments, as_of=d
    )
    contract = schedule_only(loan)
    overdue = dpd_and_overdue(contract, d)[1]

    def worst(window: int) -> int:
        return max(dpd(contract, t) for t in days(d - timedelta(days=window - 1), d))

    def late(inst: Installment) -> bool:
        through = sum(_base(i) for i in insts if i.seq <= inst.seq)
        return paid_total(loan.payments, inst.due_date) < through

    past = [i for i in insts if i.due_date < d]
    due_amount = sum(_base(i) for i in insts if i.due_date <= d)
    smallest = min(_base(i) for i in insts)
    principal = sum(i.principal_due for i in insts)
    last_payment = max((p.paid_on for p in pays), default=loan.disbursed_on)
    return {
        "loan_id": loan_id,
        "dpd": view.dpd,
        "worst_dpd_3m": worst(90),
        "worst_dpd_6m": worst(180),
        "worst_dpd_12m": worst(365),
        "overdue_installments": overdue,
        "late_installments": sum(1 for i in past if late(i)),
        "late_installments_3m": sum(1 for i in past if late(i) and i.due_date > d - timedelta(days=90)),
        "installments_due": len(past),
        "share_paid": view.paid_total / due_amount if due_amount > 0 else 1.0,
        "partial_payments_6m": sum(
            1 for p in pays if p.paid_on > d - timedelta(days=180) and p.amount < smallest
        ),
        "payments_3m": sum(1 for p in pays if p.paid_on > d - timedelta(days=90)),
        "days_since_payment": (d - last_payment).days,
        "reversals_12m": sum(1 for p in reversals if p.paid_on > d - timedelta(days=365)),
        "charges_12m": sum(
            1 for c in loan.charges if c.amount > 0 and d - timedelta(days=365) < c.posted_on <= d
        ),
        "months_on_book": (d - loan.disbursed_on).days / MONTH,
        "outstanding_share": view.outstanding_principal / principal if principal > 0 else 0.0,
        "principal": principal / 100,
        "term": len(insts),
        "apr": None,
        "product": None,
    }


def early_warning(loan: Loan, as_of: date, horizon: int = 60) -> int | None:
    """1 if 30+ days past due on some day of the next ``horizon``; None unless current on ``as_of``."""
    view = account_view(
        loan_id="x", installments=loan.installments, charges=loan.charges, payments=loan.payments, as_of=as_of
    )
    if view.status != "current" or loan.disbursed_on > as_of:
        return None
    ahead = days(as_of + timedelta(days=1), as_of + timedelta(days=horizon))
    return int(max(dpd(loan, t) for t in ahead) >= 30)


def cure(loan: Loan, as_of: date, horizon: int = 30) -> int | None:
    """1 if back to 0 days past due on some day of the next ``horizon``; None unless delinquent."""
    view = account_view(
        loan_id="x", installments=loan.installments, charges=loan.charges, payments=loan.payments, as_of=as_of
    )
    if view.status != "delinquent" or loan.disbursed_on > as_of:
        return None
    ahead = days(as_of + timedelta(days=1), as_of + timedelta(days=horizon))
    return int(min(dpd(loan, t) for t in ahead) == 0)
