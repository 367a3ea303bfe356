"""The book as frames: the column types the ledger computes on and the view it returns.

Money is integer minor units (Int64) in every frame. The schemas are plain dicts of
column name to Polars dtype, in column order, so they can be spread into other schemas.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

#: One row per loan. ``apr`` and ``product`` may be null.
LOANS_SCHEMA: dict[str, pl.DataType] = {
    "loan_id": pl.String(),
    "borrower_id": pl.String(),
    "currency": pl.String(),
    "principal": pl.Int64(),
    "disbursed_on": pl.Date(),
    "term": pl.Int32(),
    "apr": pl.String(),
    "product": pl.String(),
}

#: One row per scheduled installment, keyed by (loan_id, seq).
INSTALLMENTS_SCHEMA: dict[str, pl.DataType] = {
    "loan_id": pl.String(),
    "seq": pl.Int32(),
    "due_date": pl.Date(),
    "principal_due": pl.Int64(),
    "interest_due": pl.Int64(),
    "fee_due": pl.Int64(),
}

#: Late fees and penalties (positive) and waivers (negative) posted on one installment.
CHARGES_SCHEMA: dict[str, pl.DataType] = {
    "charge_id": pl.String(),
    "loan_id": pl.String(),
    "seq": pl.Int32(),
    "posted_on": pl.Date(),
    "amount": pl.Int64(),
    "kind": pl.String(),
}

#: Payments (amount > 0); a row with ``reverses`` set cancels that payment and is not itself
#: a payment: its amount equals the reversed payment's.
PAYMENTS_SCHEMA: dict[str, pl.DataType] = {
    "payment_id": pl.String(),
    "loan_id": pl.String(),
    "paid_on": pl.Date(),
    "amount": pl.Int64(),
    "reverses": pl.String(),
}

#: The as-of view of every loan, one row per loan (``interchange.md``, "The as-of view of an account").
VIEW_SCHEMA: dict[str, pl.DataType] = {
    "loan_id": pl.String(),
    "as_of": pl.Date(),
    "dpd": pl.Int32(),
    "bucket": pl.String(),
    "overdue_amount": pl.Int64(),
    "outstanding_total": pl.Int64(),
    "outstanding_principal": pl.Int64(),
    "paid_total": pl.Int64(),
    "status": pl.String(),
}


@dataclass(frozen=True, slots=True)
class BookFrames:
    """The four tables the as-of view reads, amounts in integer minor units."""

    loans: pl.DataFrame
    installments: pl.DataFrame
    charges: pl.DataFrame
    payments: pl.DataFrame


def empty_book() -> BookFrames:
    """A book with no rows, every table with its schema."""
    return BookFrames(
        loans=pl.DataFrame(schema=LOANS_SCHEMA),
        installments=pl.DataFrame(schema=INSTALLMENTS_SCHEMA),
        charges=pl.DataFrame(schema=CHARGES_SCHEMA),
        payments=pl.DataFrame(schema=PAYMENTS_SCHEMA),
    )
