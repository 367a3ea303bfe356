"""Monthly repayment schedules for many loans at once, as (loans x installments) arrays.

Column ``j`` is installment ``seq = j + 1``; cells past a loan's term are zero
(amounts) and meaningless (dates), and ``valid`` masks them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faircollect.samplebook.sampling import BoolArray, IntArray

#: The longest term any product offers.
MAX_TERM = 24


@dataclass(frozen=True, slots=True)
class Schedules:
    """Installment columns of many loans, amounts in fen, dates as days since 1970-01-01."""

    valid: BoolArray
    due: IntArray
    principal: IntArray
    interest: IntArray
    fee: IntArray

    @property
    def total(self) -> IntArray:
        """Amount scheduled per installment (fee + interest + principal)."""
        return self.principal + self.interest + self.fee


def due_dates(disbursed: IntArray, width: int = MAX_TERM) -> IntArray:
    """Due dates one, two, ... months after disbursal, same day of month, clamped to month end."""
    day = disbursed.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    day_of_month = (day - month.astype("datetime64[D]")).astype(np.int64)  # 0-based
    months = month[:, None] + np.arange(1, width + 1)
    starts = months.astype("datetime64[D]")
    lengths = ((months + 1).astype("datetime64[D]") - starts).astype(np.int64)
    due: IntArray = (starts + np.minimum(day_of_month[:, None], lengths - 1)).astype(np.int64)
    return due


def build(
    *,
    disbursed: IntArray,
    term: IntArray,
    principal: IntArray,
    apr_bp: IntArray,
    equal_principal: BoolArray,
    monthly_fee: IntArray,
) -> Schedules:
    """Equal-payment (annuity) or equal-principal schedules with interest in whole fen.

    Interest of an installment is the balance times the monthly rate (APR / 12),
    rounded to the fen. Principal parts sum exactly to the principal: the last
    installment takes whatever balance remains.
    """
    count = len(term)
    seq = np.arange(1, MAX_TERM + 1)
    valid = seq[None, :] <= term[:, None]
    rate = apr_bp.astype(np.float64) / 10_000.0 / 12.0
    growth = (1.0 + rate) ** term
    annuity = np.rint(principal * rate * growth / (growth - 1.0)).astype(np.int64)
    level = principal // term

    principal_due = np.zeros((count, MAX_TERM), dtype=np.int64)
    interest_due = np.zeros((count, MAX_TERM), dtype=np.int64)
    balance = principal.copy()
    for j in range(MAX_TERM):
        active = valid[:, j]
        last = term == j + 1
        interest = np.rint(balance * rate).astype(np.int64)
        part = np.where(equal_principal, level, annuity - interest)
        part = np.clip(part, 0, balance)
        part = np.where(last, balance, part)
        principal_due[:, j] = np.where(active, part, 0)
        interest_due[:, j] = np.where(active, interest, 0)
        balance = balance - principal_due[:, j]
    fee_due = np.where(valid, monthly_fee[:, None], 0).astype(np.int64)
    return Schedules(
        valid=valid,
        due=due_dates(disbursed),
        principal=principal_due,
        interest=interest_due,
        fee=fee_due,
    )
