"""The as-of view of every loan at once, in Polars expressions (no loop per loan).

Twin of ``faircollect.domain.schedule.account_view``; ``tests/unit/test_ledger_asof.py``
holds them equal on random books.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl

from faircollect.domain.schedule import DEFAULT_BUCKET_EDGES
from faircollect.ledger.frames import VIEW_SCHEMA, BookFrames


def bucket_expr(dpd: pl.Expr, edges: Sequence[int] = DEFAULT_BUCKET_EDGES) -> pl.Expr:
    """The bucket of each dpd, as ``domain.schedule.bucket_for`` names it."""
    chain: Any = pl.when(dpd <= 0).then(pl.lit("M0"))
    for index, edge in enumerate(edges, start=1):
        chain = chain.when(dpd <= edge).then(pl.lit(f"M{index}"))
    result: pl.Expr = chain.otherwise(pl.lit(f"M{len(edges) + 1}+"))
    return result


def paid_totals(payments: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """Per loan: payments on or before ``as_of`` less those reversed by a row on or before it.

    A reversing row carries the reversed payment's amount, so it subtracts its own amount.
    """
    return (
        payments.filter(pl.col("paid_on") <= as_of)
        .group_by("loan_id")
        .agg(
            pl.when(pl.col("reverses").is_null())
            .then(pl.col("amount"))
            .otherwise(-pl.col("amount"))
            .sum()
            .alias("paid")
        )
    )


def book_view(book: BookFrames, as_of: date, edges: Sequence[int] = DEFAULT_BUCKET_EDGES) -> pl.DataFrame:
    """The export view of every loan in ``book.loans`` at ``as_of``, sorted by loan_id."""
    charges = (
        book.charges.lazy()
        .filter(pl.col("posted_on") <= as_of)
        .group_by("loan_id", "seq")
        .agg(pl.col("amount").sum().alias("charged"))
    )
    paid = paid_totals(book.payments.lazy(), as_of)
    inst = (
        book.installments.lazy()
        .join(charges, on=["loan_id", "seq"], how="left")
        .with_columns(fees=pl.col("fee_due") + pl.col("charged").fill_null(0))
        .with_columns(owed=pl.col("fees") + pl.col("interest_due") + pl.col("principal_due"))
        .sort("loan_id", "seq")
        .with_columns(before=pl.col("owed").cum_sum().over("loan_id") - pl.col("owed"))
        .join(paid, on="loan_id", how="left")
        .with_columns(
            applied=(pl.col("paid").fill_null(0) - pl.col("before")).clip(0, None).clip(None, pl.col("owed"))
        )
        .with_columns(
            to_fees=pl.min_horizontal("applied", "fees"),
        )
        .with_columns(
            to_interest=pl.min_horizontal(pl.col("applied") - pl.col("to_fees"), pl.col("interest_due")),
        )
        .with_columns(
            unpaid=pl.col("owed") - pl.col("applied"),
            unpaid_principal=pl.col("principal_due")
            - (pl.col("applied") - pl.col("to_fees") - pl.col("to_interest")),
        )
        .with_columns(overdue=(pl.col("due_date") < as_of) & (pl.col("unpaid") > 0))
    )
    per_loan = inst.group_by("loan_id").agg(
        pl.col("due_date").filter(pl.col("overdue")).min().alias("oldest_overdue"),
        pl.col("unpaid").filter(pl.col("overdue")).sum().alias("overdue_amount"),
        pl.col("unpaid").sum().alias("outstanding_total"),
        pl.col("unpaid_principal").sum().alias("outstanding_principal"),
    )
    dpd = (pl.lit(as_of) - pl.col("oldest_overdue")).dt.total_days().fill_null(0).cast(pl.Int32)
    view = (
        book.loans.lazy()
        .select("loan_id")
        .join(per_loan, on="loan_id", how="left")
        .join(paid, on="loan_id", how="left")
        .with_columns(
            dpd.alias("dpd"),
            pl.col("overdue_amount").fill_null(0),
            pl.col("outstanding_total").fill_null(0),
            pl.col("outstanding_principal").fill_null(0),
            pl.col("paid").fill_null(0).alias("paid_total"),
        )
        .with_columns(
            bucket=bucket_expr(pl.col("dpd"), edges),
            status=pl.when(pl.col("outstanding_total") == 0)
            .then(pl.lit("settled"))
            .when(pl.col("dpd") > 0)
            .then(pl.lit("delinquent"))
            .otherwise(pl.lit("current")),
            as_of=pl.lit(as_of),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in VIEW_SCHEMA.items()])
        .sort("loan_id")
    )
    return view.collect()
