"""Train the book models (early warning, cure) from the ingested book and make them active."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from faircollect.domain.errors import Conflict
from faircollect.domain.evidence import format_instant
from faircollect.domain.scoring import ModelRecord
from faircollect.risk.behaviour import KINDS, Kind
from faircollect.risk.book_models import (
    DATES,
    EVERY_DAYS,
    SAMPLE_LOANS,
    BookModel,
    Evaluation,
    NotEnoughHistory,
    holdout_figures,
    train_book_model,
)
from faircollect.services.ports import ModelFiles, UnitOfWork


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """One kind's outcome: the stored model and its held-out figures, or why none was trained."""

    kind: Kind
    version: str | None = None
    path: str | None = None
    #: Out of time: a model trained on the earlier dates, scored on the latest (None: not run).
    evaluation: Evaluation | None = None
    #: The stored model's own held-out figures (a random fifth of its rows, from its card).
    holdout_auc: float | None = None
    holdout_ks: float | None = None
    rows: int = 0
    positives: int = 0
    active: bool = False
    skipped: str | None = None


def train_book_models(
    *,
    uow: UnitOfWork,
    files: ModelFiles,
    as_of: date,
    now: datetime,
    kinds: Sequence[Kind] = KINDS,
    seed: int = 0,
    dates: int = DATES,
    every: int = EVERY_DAYS,
    backtest: bool = True,
    folds: int | None = None,
    sample_loans: int = SAMPLE_LOANS,
    activate: bool = True,
    actor: str = "system:risk",
    progress: Callable[[str], None] | None = None,
) -> list[TrainedModel]:
    """Train each kind on the book as it stood on ``as_of``, store the files, record and activate them."""
    with uow:
        book = uow.book.load_book()
    if book.loans.height == 0:
        raise Conflict("the book is empty: ingest a loan book before training book models")
    outcomes: list[TrainedModel] = []
    trained: list[tuple[BookModel, str, str]] = []
    for kind in kinds:
        try:
            model = train_book_model(
                book,
                kind=kind,
                as_of=as_of,
                seed=seed,
                every=every,
                count=dates,
                backtest=backtest,
                folds=folds,
                sample_loans=sample_loans,
                progress=progress,
            )
        except NotEnoughHistory as exc:
            outcomes.append(TrainedModel(kind=kind, skipped=str(exc)))
            continue
        version = _version(kind, as_of, now, seed, model)
        path = files.save(model.model, version=version)
        files.sidecar(
            path,
            {
                "version": version,
                "kind": kind,
                "trained_on": as_of.isoformat(),
                "cutoffs": list(model.cutoffs),
                "held_out": model.evaluation.as_json(),
                "rows": model.rows,
                "positives": model.positives,
            },
        )
        trained.append((model, version, path))
    at = format_instant(now)
    with uow:
        uow.lock("risk-models")
        for model, version, path in trained:
            while uow.risk.model(version) is not None:  # the same inputs trained twice at one instant
                version = _bump(version)
            uow.risk.add_model(
                ModelRecord(
                    version=version,
                    kind=model.kind,
                    trained_on=as_of,
                    path=path,
                    cutoffs=model.cutoffs,
                    metrics=model.metrics(),
                    card=model.model.card,
                    created_at=at,
                )
            )
            if activate:
                uow.risk.activate(kind=model.kind, version=version, at=at)
            held = model.evaluation
            holdout_auc, holdout_ks = holdout_figures(model.model)
            uow.evidence.append(
                at=now,
                action="faircollect.risk.model_trained",
                actor=actor,
                subject=f"model:{version}",
                payload={
                    "kind": model.kind,
                    "trained_on": as_of.isoformat(),
                    "rows": model.rows,
                    "positives": model.positives,
                    "out_of_time_auc": _text(held.auc),
                    "out_of_time_ks": _text(held.ks),
                    "holdout_auc": _text(holdout_auc),
                    "holdout_ks": _text(holdout_ks),
                    "cutoffs": [f"{c:g}" for c in model.cutoffs],
                    "path": path,
                    "active": activate,
                },
            )
            outcomes.append(
                TrainedModel(
                    kind=model.kind,
                    version=version,
                    path=path,
                    evaluation=held,
                    holdout_auc=holdout_auc,
                    holdout_ks=holdout_ks,
                    rows=model.rows,
                    positives=model.positives,
                    active=activate,
                )
            )
        uow.commit()
    order = {k: n for n, k in enumerate(kinds)}
    return sorted(outcomes, key=lambda o: order[o.kind])


def _text(figure: float | None) -> str | None:
    """A figure for the evidence record (which holds no floats)."""
    return None if figure is None else f"{figure:.4f}"


def _version(kind: str, as_of: date, now: datetime, seed: int, model: BookModel) -> str:
    digest = hashlib.sha256(
        f"{kind}|{as_of}|{format_instant(now)}|{seed}|{model.rows}|{model.positives}".encode()
    ).hexdigest()
    return f"{kind}-{as_of:%Y%m%d}-{digest[:8]}"


def _bump(version: str) -> str:
    head, _, tail = version.rpartition(".")
    if head and tail.isdigit():
        return f"{head}.{int(tail) + 1}"
    return f"{version}.2"
