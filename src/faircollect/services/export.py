"""The as-of export of every account (``interchange.md``), computed fresh from the book."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from faircollect.interchange.export import format_view
from faircollect.ledger.asof import book_view
from faircollect.services.ports import UnitOfWork


def export_accounts(*, uow: UnitOfWork, as_of: date, edges: Sequence[int]) -> pl.DataFrame:
    """One row per loan, sorted by loan_id, amounts as decimal strings with two decimals."""
    with uow:
        return format_view(book_view(uow.book.load_book(), as_of, edges))
