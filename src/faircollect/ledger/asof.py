"""The as-of view of every loan at once, in Polars expressions (no loop per loan).

Columnar twin of ``faircollect.domain.schedule.account_view``, written from the same
section of ``interchange.md`` ("The as-of view of an account");
``tests/unit/test_ledger_asof.py`` holds the two equal on random books.

How the waterfall is done without a loop: installments are sorted once by (loan, seq);
a running total of what each installment owes, restarted at each loan, says how much of
the loan's paid total the earlier installments absorb (``before``). An installment then
receives ``clip(paid - before, 0, owed)``, which is exactly "each installment in full
before the next". Inside one installment the amount it receives goes to fees and charges,
then interest, then principal, by ``min``.

Loans are numbered by their place in the loan_id order (``k``) so the 12-million-row work
(sort, running totals, per-loan sums) runs on integers, and the result comes out already
in loan_id order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from faircollect.domain.schedule import DEFAULT_BUCKET_EDGES
from faircollect.ledger.frames import VIEW_SCHEMA, BookFrames

#: Added to seq so that any Int32 seq fits the low 32 bits of the Int64 (loan, seq) sort key
#: (k stays below 2**31: two billion loans).
_SEQ_OFFSET = 2**31


def bucket_expr(dpd: pl.Expr, edges: Sequence[int] = DEFAULT_BUCKET_EDGES) -> pl.Expr:
    """The bucket of each dpd, as ``domain.schedule.bucket_for`` names it (first edge that holds)."""
    expr: pl.Expr = pl.lit(f"M{len(edges) + 1}+")
    for index, edge in reversed(list(enumerate(edges, start=1))):
        expr = pl.when(dpd <= edge).then(pl.lit(f"M{index}")).otherwise(expr)
    return pl.when(dpd <= 0).then(pl.lit("M0")).otherwise(expr)


def paid_totals(payments: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """Per loan (``loan_id``, ``paid``): payments on or before ``as_of`` less those reversed on or before it.

    A reversing row carries the reversed payment's amount (the interchange checks hold
    every book to that), so it subtracts its own amount. A reversing row is never dated
    before the payment it reverses, so a reversed payment later than ``as_of`` is never
    subtracted.
    """
    return (
        payments.filter(pl.col("paid_on") <= as_of)
        .group_by("loan_id")
        .agg(
            pl.when(pl.col("reverses").is_null())
            .then(pl.col("amount"))
            .otherwise(-pl.col("amount"))
            .sum()
            .cast(pl.Int64)
            .alias("paid")
        )
    )


def book_view_lazy(
    loans: pl.LazyFrame,
    installments: pl.LazyFrame,
    charges: pl.LazyFrame,
    payments: pl.LazyFrame,
    as_of: date,
    edges: Sequence[int] = DEFAULT_BUCKET_EDGES,
) -> pl.LazyFrame:
    """The query behind ``book_view``: one row per loan of ``loans``, in loan_id order, VIEW_SCHEMA.

    Installments, charges and payments of loans not in ``loans`` are ignored, as are
    charges on a seq the loan has no installment for.
    """
    # k: the loan's place in loan_id (code-point) order; every later step keys on it.
    keys = loans.select("loan_id").sort("loan_id").with_row_index("k")
    paid = keys.join(paid_totals(payments, as_of), on="loan_id", how="left", maintain_order="left").select(
        "k", "loan_id", pl.col("paid").fill_null(0)
    )
    charged = (
        charges.filter(pl.col("posted_on") <= as_of)
        .group_by("loan_id", "seq")
        .agg(pl.col("amount").sum().cast(pl.Int64).alias("charged"))
        .join(keys, on="loan_id", how="inner")
        .select("k", pl.col("seq").cast(pl.Int32), "charged")
    )
    first_of_loan = (pl.col("k") != pl.col("k").shift(1)).fill_null(True)
    states = (
        installments.join(paid.select("loan_id", "k", "paid"), on="loan_id", how="inner")
        .with_columns(pl.col("seq").cast(pl.Int32))
        .join(charged, on=["k", "seq"], how="left")
        .select(
            "k",
            "due_date",
            "principal_due",
            "interest_due",
            "paid",
            fees=pl.col("fee_due") + pl.col("charged").fill_null(0),
            order=pl.col("k").cast(pl.Int64) * 2**32 + (pl.col("seq").cast(pl.Int64) + _SEQ_OFFSET),
        )
        .with_columns(owed=pl.col("fees") + pl.col("interest_due") + pl.col("principal_due"))
        # One integer sort puts every loan's installments together, in seq order; k is then
        # sorted too, which the running total and the per-loan sums below rely on.
        .sort("order")
        .with_columns(pl.col("k").set_sorted())
        .with_columns(start=pl.col("owed").cum_sum() - pl.col("owed"))
        # What the loan's earlier installments owe: the running total since the loan's first row.
        .with_columns(before=pl.col("start") - pl.when(first_of_loan).then(pl.col("start")).forward_fill())
        .with_columns(applied=(pl.col("paid") - pl.col("before")).clip(0, pl.col("owed")))
        .with_columns(to_fees=pl.min_horizontal("applied", "fees"))
        .with_columns(
            to_interest=pl.min_horizontal(pl.col("applied") - pl.col("to_fees"), pl.col("interest_due"))
        )
        .with_columns(
            unpaid=pl.col("owed") - pl.col("applied"),
            unpaid_principal=pl.col("principal_due")
            - (pl.col("applied") - pl.col("to_fees") - pl.col("to_interest")),
        )
        .with_columns(overdue=(pl.col("due_date") < as_of) & (pl.col("unpaid") > 0))
    )
    per_loan = states.group_by("k").agg(
        pl.col("due_date").filter(pl.col("overdue")).min().alias("oldest_overdue"),
        pl.col("unpaid").filter(pl.col("overdue")).sum().alias("overdue_amount"),
        pl.col("unpaid").sum().alias("outstanding_total"),
        pl.col("unpaid_principal").sum().alias("outstanding_principal"),
    )
    dpd = (pl.lit(as_of) - pl.col("oldest_overdue")).dt.total_days().fill_null(0)
    return (
        paid.join(per_loan, on="k", how="left", maintain_order="left")
        .with_columns(
            dpd.cast(pl.Int32).alias("dpd"),
            pl.col("overdue_amount", "outstanding_total", "outstanding_principal").fill_null(0),
            pl.col("paid").alias("paid_total"),
            pl.lit(as_of).alias("as_of"),
        )
        .with_columns(
            bucket=bucket_expr(pl.col("dpd"), edges),
            status=pl.when(pl.col("outstanding_total") == 0)
            .then(pl.lit("settled"))
            .when(pl.col("dpd") > 0)
            .then(pl.lit("delinquent"))
            .otherwise(pl.lit("current")),
        )
        .select([pl.col(name).cast(dtype) for name, dtype in VIEW_SCHEMA.items()])
    )


def book_view(book: BookFrames, as_of: date, edges: Sequence[int] = DEFAULT_BUCKET_EDGES) -> pl.DataFrame:
    """The as-of view of every loan in ``book.loans`` at ``as_of``: VIEW_SCHEMA, sorted by loan_id."""
    return book_view_lazy(
        book.loans.lazy(),
        book.installments.lazy(),
        book.charges.lazy(),
        book.payments.lazy(),
        as_of,
        edges,
    ).collect()
