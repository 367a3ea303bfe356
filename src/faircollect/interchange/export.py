"""The export's text form: exactly the columns, order and formats of ``interchange.md``."""

from __future__ import annotations

import polars as pl

AMOUNTS = ["overdue_amount", "outstanding_total", "outstanding_principal", "paid_total"]


def minor_to_text(col: str) -> pl.Expr:
    """Integer minor units as a decimal string with exactly two decimals (``-12.05``)."""
    value = pl.col(col)
    magnitude = value.abs()
    sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (magnitude // 100).cast(pl.String)
    frac = (magnitude % 100).cast(pl.String).str.zfill(2)
    return (sign + whole + pl.lit(".") + frac).alias(col)


def format_view(view: pl.DataFrame) -> pl.DataFrame:
    """The as-of view as export text, sorted by loan_id in code-point order."""
    return view.sort("loan_id").select(
        pl.col("loan_id"),
        pl.col("as_of").dt.to_string("%Y-%m-%d"),
        pl.col("dpd").cast(pl.String),
        pl.col("bucket"),
        *(minor_to_text(c) for c in AMOUNTS),
        pl.col("status"),
    )
