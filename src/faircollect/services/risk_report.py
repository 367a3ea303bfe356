"""How the active book models hold up: score and feature drift since training, AUC by week."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from faircollect.domain.scoring import KINDS
from faircollect.risk.behaviour import features, horizon_of, labels_cure, labels_early_warning
from faircollect.risk.book_models import at_risk
from faircollect.risk.drift import Shift, Week, feature_shifts, shift, warnings, weekly_auc
from faircollect.services.ports import UnitOfWork
from faircollect.services.scoring import NO_MODEL


@dataclass(frozen=True, slots=True)
class KindHealth:
    """One active model: today's scores against its training rows, and its weeks with outcomes."""

    kind: str
    version: str
    trained_on: date
    accounts: int
    score: Shift | None
    features: list[Shift]
    weeks: list[Week]
    #: The AUC the model was measured at when trained (out of time, else its held-out fifth).
    expected_auc: float | None
    warnings: list[str]


@dataclass(frozen=True, slots=True)
class RiskReport:
    as_of: date | None
    kinds: list[KindHealth] = field(default_factory=list)
    note: str | None = None

    @property
    def warnings(self) -> list[str]:
        return [w for k in self.kinds for w in k.warnings]


def risk_report(*, uow: UnitOfWork, as_of: date | None = None, weeks: int = 12) -> RiskReport:
    """Drift of the active models on ``as_of`` (default: the latest scored date) and the AUC of
    the scores stored in the ``weeks`` weeks whose outcomes have arrived (one date a week)."""
    with uow:
        active = uow.risk.active_models()
        if not active:
            return RiskReport(as_of, note=NO_MODEL)
        dates = uow.risk.score_dates()
        if not dates:
            return RiskReport(
                as_of, note="no scores are stored yet: run the daily cycle with an active model"
            )
        day = as_of or max(dates)
        today = uow.risk.scores(as_of=day)
        # The last scored date of each week, for the weeks whose outcomes are known by ``day``.
        looked_at: dict[str, list[date]] = {}
        for kind in KINDS:
            known = day - timedelta(days=horizon_of(kind))
            first = known - timedelta(weeks=weeks)
            last_of_week: dict[date, date] = {}
            for d in dates:
                if first < d <= known:
                    monday = d - timedelta(days=d.weekday())
                    last_of_week[monday] = max(d, last_of_week.get(monday, d))
            looked_at[kind] = sorted(last_of_week.values())
        past = {d: uow.risk.scores(as_of=d) for d in sorted({d for ds in looked_at.values() for d in ds})}
        book = uow.book.load_book()
    now = features(book, day) if today.height else None
    kinds = []
    for kind in KINDS:
        record = active.get(kind)
        if record is None:
            continue
        reference = record.metrics.get("reference", {})
        mine = today.filter(pl.col("kind") == kind)
        score = (
            shift("score", reference["score"], mine["score"])
            if mine.height and "score" in reference
            else None
        )
        drifted: list[Shift] = []
        if now is not None and mine.height and "features" in reference:
            drifted = feature_shifts(
                reference["features"], now.join(mine.select("loan_id"), on="loan_id", how="semi")
            )
        outcomes = []
        label = labels_early_warning if kind == "early_warning" else labels_cure
        for d in looked_at[kind]:
            stored = past[d].filter(pl.col("kind") == kind).select("as_of", "loan_id", "score")
            if stored.height:
                happened = at_risk(label(book, d), kind)
                outcomes.append(stored.join(happened, on="loan_id", how="inner"))
        by_week = weekly_auc(pl.concat(outcomes)) if outcomes else []
        held = record.metrics.get("held_out", {}).get("auc")
        expected = held if held is not None else record.metrics.get("random_holdout", {}).get("auc")
        kinds.append(
            KindHealth(
                kind=kind,
                version=record.version,
                trained_on=record.trained_on,
                accounts=mine.height,
                score=score,
                features=drifted,
                weeks=by_week,
                expected_auc=expected,
                warnings=warnings(
                    kind=kind, score=score, features=drifted, weeks=by_week, expected_auc=expected
                ),
            )
        )
    return RiskReport(day, kinds)
