"""The daily cycle: the as-of view of the whole book, its snapshot, the bucket moves, the scores."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from faircollect.domain.errors import Conflict
from faircollect.domain.evidence import format_instant
from faircollect.ledger.asof import book_view
from faircollect.ledger.frames import VIEW_SCHEMA
from faircollect.services.ports import Clock, ModelFiles, UnitOfWork
from faircollect.services.scoring import ScoringReport, from_counts, score_day


@dataclass(frozen=True, slots=True)
class BucketLine:
    bucket: str
    currency: str
    accounts: int
    overdue_amount: int
    outstanding_total: int


@dataclass(frozen=True, slots=True)
class CycleReport:
    """What one run of the cycle found and did."""

    as_of: date
    loans: int
    moves: int
    buckets: list[BucketLine]
    already_ran: bool = False
    forced: bool = False
    #: Accounts scored per model kind and band, or why scoring was skipped.
    scoring: ScoringReport | None = None


def run_day(
    *,
    uow: UnitOfWork,
    as_of: date,
    clock: Clock,
    edges: Sequence[int],
    actor: str = "system:daily-cycle",
    force: bool = False,
    models: ModelFiles | None = None,
) -> CycleReport:
    """Run the cycle for ``as_of`` once; a rerun is a no-op, an earlier date is refused unless forced.

    With an active book model (and ``models`` to read its file from), every current account is
    scored by the early-warning model and every delinquent one by the cure model.
    """
    started = clock.now()
    with uow:
        uow.lock("book")
        dates = uow.views.cycle_dates()
        if as_of in dates:
            currencies = uow.book.load_table("loans").select("loan_id", "currency")
            summary = _summary(as_of, uow.views.snapshot(as_of), currencies, moves=0, already_ran=True)
            return replace(summary, scoring=from_counts(uow.risk.band_counts(as_of)))
        latest = max(dates) if dates else None
        if latest is not None and as_of < latest and not force:
            raise Conflict(
                f"refused: the cycle already ran for {latest}, and {as_of} is earlier; dates run in order "
                "(pass --force to run an earlier date: it adds that day's snapshot and leaves "
                "the current account state alone)"
            )
        book = uow.book.load_book()
        view = book_view(book, as_of, edges)
        newest = latest is None or as_of > latest
        if newest:
            previous = uow.views.state()
        else:
            earlier = [d for d in dates if d < as_of]
            previous = uow.views.snapshot(max(earlier)) if earlier else view.clear()
        moves = bucket_moves(previous, view, as_of, cause="cycle")
        uow.views.add_moves(moves)
        if newest:
            uow.views.upsert_state(changed_rows(previous, view), source="cycle")
        uow.views.write_snapshot(view)
        scoring = score_day(uow=uow, files=models, book=book, view=view, as_of=as_of)
        digest = hashlib.sha256(view.write_csv().encode()).hexdigest()
        report = _summary(
            as_of,
            view,
            book.loans.select("loan_id", "currency"),
            moves=moves.height,
            forced=force and not newest,
            scoring=scoring,
        )
        uow.views.record_cycle(
            as_of=as_of,
            started_at=format_instant(started),
            finished_at=format_instant(clock.now()),
            loans=view.height,
            moves=moves.height,
            forced=report.forced,
            digest=digest,
        )
        uow.evidence.append(
            at=clock.now(),
            action="faircollect.cycle.completed",
            actor=actor,
            subject=f"cycle:{as_of.isoformat()}",
            payload={
                "as_of": as_of.isoformat(),
                "loans": view.height,
                "moves": moves.height,
                "forced": report.forced,
                "snapshot_sha256": digest,
                "buckets": [[b.bucket, b.currency, b.accounts] for b in report.buckets],
                "scores": [[k.kind, k.version, [k.bands[b] for b in k.bands]] for k in scoring.kinds],
                "scoring_skipped": dict(scoring.skipped),
            },
        )
        uow.commit()
    return report


#: The columns of the view that say something about the account (not its key or date).
VIEW_VALUES = [c for c in VIEW_SCHEMA if c not in ("loan_id", "as_of")]


def bucket_moves(previous: pl.DataFrame, view: pl.DataFrame, on: date, *, cause: str) -> pl.DataFrame:
    """(loan, date, from, to) for every loan whose bucket differs from ``previous``.

    A loan seen for the first time moves from nothing only when it does not start in M0.
    """
    joined = view.select("loan_id", pl.col("bucket").alias("to_bucket")).join(
        previous.select("loan_id", pl.col("bucket").alias("from_bucket")), on="loan_id", how="left"
    )
    moved = joined.filter(
        pl.when(pl.col("from_bucket").is_null())
        .then(pl.col("to_bucket") != "M0")
        .otherwise(pl.col("from_bucket") != pl.col("to_bucket"))
    )
    return moved.select(
        "loan_id",
        pl.lit(on).alias("moved_on"),
        "from_bucket",
        "to_bucket",
        pl.lit(cause).alias("cause"),
    )


def changed_rows(previous: pl.DataFrame, view: pl.DataFrame) -> pl.DataFrame:
    """Rows of ``view`` that are new or whose values differ from ``previous``."""
    if previous.height == 0:
        return view
    joined = view.join(previous.select("loan_id", *VIEW_VALUES), on="loan_id", how="left", suffix="__prev")
    differs = pl.col("dpd__prev").is_null() | pl.any_horizontal(
        [pl.col(c).ne_missing(pl.col(f"{c}__prev")) for c in VIEW_VALUES]
    )
    return joined.filter(differs).select(view.columns)


def _summary(
    as_of: date,
    view: pl.DataFrame,
    currencies: pl.DataFrame,
    *,
    moves: int,
    already_ran: bool = False,
    forced: bool = False,
    scoring: ScoringReport | None = None,
) -> CycleReport:
    """Accounts and amounts per bucket and currency (amounts of two currencies are never added)."""
    grouped = (
        view.join(currencies, on="loan_id", how="left")
        .group_by("bucket", "currency")
        .agg(
            pl.len().alias("accounts"),
            pl.col("overdue_amount").sum(),
            pl.col("outstanding_total").sum(),
        )
        .sort(pl.col("bucket").str.replace("M", "").str.replace(r"\+", "").cast(pl.Int32), "currency")
    )
    lines = [BucketLine(b, c, int(n), int(o), int(t)) for b, c, n, o, t in grouped.iter_rows()]
    return CycleReport(as_of, view.height, moves, lines, already_ran, forced, scoring)
