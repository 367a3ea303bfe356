"""The daily cycle's scoring step: every account scored by the active model of its kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from faircollect.domain.scoring import BANDS, KINDS
from faircollect.ledger.frames import BookFrames
from faircollect.services.ports import ModelFiles, UnitOfWork

NO_MODEL = "no book model is trained yet (run 'faircollect risk train-book --as-of DATE')"


@dataclass(frozen=True, slots=True)
class KindScores:
    """Accounts one model scored on one day, per band."""

    kind: str
    version: str
    bands: dict[str, int]

    @property
    def accounts(self) -> int:
        return sum(self.bands.values())


@dataclass(frozen=True, slots=True)
class ScoringReport:
    """What the scoring step did: the accounts scored per kind and band, or why it did not run."""

    kinds: list[KindScores] = field(default_factory=list)
    #: Why a kind was not scored (kind -> reason); every kind when nothing was scored.
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def scored(self) -> int:
        return sum(k.accounts for k in self.kinds)


def from_counts(counts: pl.DataFrame) -> ScoringReport:
    """A report rebuilt from stored band counts (``kind``, ``band``, ``model_version``, ``accounts``)."""
    kinds = []
    skipped = {}
    for kind in KINDS:
        mine = counts.filter(pl.col("kind") == kind)
        if mine.height == 0:
            skipped[kind] = "no scores were stored for this date"
            continue
        bands = {b: 0 for b in BANDS} | {b: int(n) for b, n in mine.select("band", "accounts").iter_rows()}
        kinds.append(KindScores(kind, str(mine["model_version"][0]), bands))
    return ScoringReport(kinds, skipped)


def score_day(
    *, uow: UnitOfWork, files: ModelFiles | None, book: BookFrames, view: pl.DataFrame, as_of: date
) -> ScoringReport:
    """Score every current account (early warning) and every delinquent one (cure) and store it.

    Runs inside the caller's transaction. Without an active model of a kind, or without a
    place to read model files from, that kind is skipped and the report says why.
    """
    active = uow.risk.active_models()
    if not active:
        return ScoringReport(skipped={k: NO_MODEL for k in KINDS})
    if files is None:
        return ScoringReport(skipped={k: "the cycle was run without a model directory" for k in KINDS})
    # The learners are imported only when there is something to score.
    from faircollect.risk.behaviour import features
    from faircollect.risk.book_models import eligible, score_accounts

    rows = features(book, as_of, view=view)
    kinds: list[KindScores] = []
    skipped: dict[str, str] = {}
    stored = []
    for kind in KINDS:
        record = active.get(kind)
        if record is None:
            skipped[kind] = f"no {kind} model is trained yet"
            continue
        model = files.load(record.path)
        scored = score_accounts(model, eligible(rows, view, kind), record.cutoffs)
        stored.append(
            scored.select(
                pl.lit(as_of).alias("as_of"),
                "loan_id",
                pl.lit(kind).alias("kind"),
                "score",
                "band",
                "reason_features",
                "reasons_zh",
                "reasons_en",
                pl.lit(record.version).alias("model_version"),
            )
        )
        counts = dict(scored.group_by("band").len().iter_rows())
        kinds.append(KindScores(kind, record.version, {b: int(counts.get(b, 0)) for b in BANDS}))
    if stored:
        uow.risk.write_scores(pl.concat(stored))
    return ScoringReport(kinds, skipped)
