"""The two book models: trained on the book's own past, measured out of time, applied daily.

Pure: frames and models in, frames and records out; the services store them.

Training a model of one kind as of a date T reads only what was known on T (the book is cut
at T first). Its rows are the eligible accounts on a series of past dates d, every
``every`` days back from ``T - horizon - 1``, so that each label (which reads d+1 .. d+horizon)
lies before T. The held-out figures are out of time: a model trained on the earlier dates
only (those whose labels end before the first held-out date) scores the accounts of the
latest dates; the stored model is then trained on every date.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from faircollect.domain.scoring import BANDS, DEFAULT_CUTOFFS, SCORED_STATUS
from faircollect.ledger.frames import BookFrames
from faircollect.risk import Reason, RiskModel, metrics, train
from faircollect.risk.behaviour import FEATURE_SCHEMA, LABELS, Kind, horizon_of, training_set
from faircollect.risk.drift import distribution
from faircollect.risk.features import MIN_CLASS, MIN_ROWS

#: The columns a book model reads (every feature, not the key).
MODEL_FEATURES: tuple[str, ...] = tuple(c for c in FEATURE_SCHEMA if c != "loan_id")
#: Default training design: a date every two weeks, a year of dates.
EVERY_DAYS = 14
DATES = 26
#: Loans drawn at random for training on a large book (all of them below this).
SAMPLE_LOANS = 100_000
#: Share of the latest dates held out for the out-of-time figures.
HELD_OUT_SHARE = 0.25


class NotEnoughHistory(ValueError):
    """The book's past does not hold enough accounts or outcomes to train on."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """How a model trained on earlier dates did on later, unseen ones."""

    auc: float | None
    ks: float | None
    rows: int
    positives: int
    train_rows: int
    train_dates: tuple[date, date] | None
    test_dates: tuple[date, date] | None

    def as_json(self) -> dict[str, Any]:
        def span(s: tuple[date, date] | None) -> list[str] | None:
            return None if s is None else [s[0].isoformat(), s[1].isoformat()]

        return {
            "auc": self.auc,
            "ks": self.ks,
            "rows": self.rows,
            "positives": self.positives,
            "train_rows": self.train_rows,
            "train_dates": span(self.train_dates),
            "test_dates": span(self.test_dates),
        }


@dataclass(frozen=True, slots=True)
class BookModel:
    """A trained book model with what the platform stores beside it."""

    kind: Kind
    model: RiskModel
    trained_on: date
    cutoffs: tuple[float, float, float]
    evaluation: Evaluation
    rows: int
    positives: int
    dates: tuple[date, ...]
    #: Training distributions of the score and of each feature (for PSI).
    reference: Mapping[str, Any] = field(default_factory=dict)

    def metrics(self) -> dict[str, Any]:
        """What the database keeps of this model besides its card."""
        auc_, ks_ = holdout_figures(self.model)
        return {
            "held_out": self.evaluation.as_json(),
            "random_holdout": {"auc": auc_, "ks": ks_},
            "rows": self.rows,
            "positives": self.positives,
            "dates": [d.isoformat() for d in self.dates],
            "reference": self.reference,
        }


def cut_book(book: BookFrames, until: date) -> BookFrames:
    """The book as it stood on ``until``: loans paid out by then, events dated up to then."""
    loans = book.loans.filter(pl.col("disbursed_on") <= until)
    keep = loans.select("loan_id")
    return BookFrames(
        loans=loans,
        installments=book.installments.join(keep, on="loan_id", how="semi"),
        charges=book.charges.filter(pl.col("posted_on") <= until).join(keep, on="loan_id", how="semi"),
        payments=book.payments.filter(pl.col("paid_on") <= until).join(keep, on="loan_id", how="semi"),
    )


def sample_book(book: BookFrames, loans: int, seed: int) -> BookFrames:
    """``loans`` loans drawn at random (the whole book if it holds no more)."""
    if book.loans.height <= loans:
        return book
    keep = book.loans.select("loan_id").sample(n=loans, seed=seed)
    return BookFrames(
        loans=book.loans.join(keep, on="loan_id", how="semi"),
        installments=book.installments.join(keep, on="loan_id", how="semi"),
        charges=book.charges.join(keep, on="loan_id", how="semi"),
        payments=book.payments.join(keep, on="loan_id", how="semi"),
    )


def training_dates(as_of: date, kind: Kind, *, every: int = EVERY_DAYS, count: int = DATES) -> list[date]:
    """``count`` dates ``every`` days apart, the latest ``horizon + 1`` days before ``as_of``."""
    last = as_of - timedelta(days=horizon_of(kind) + 1)
    return sorted(last - timedelta(days=every * n) for n in range(count))


def auc(target: np.ndarray[Any, Any], score: np.ndarray[Any, Any]) -> float | None:
    """Area under the ROC curve (``risk.metrics.auc``); None without both outcomes."""
    value = metrics.auc(target, score)
    return None if math.isnan(value) else value


def ks(target: np.ndarray[Any, Any], score: np.ndarray[Any, Any]) -> float | None:
    """Kolmogorov-Smirnov (``risk.metrics.ks``); None without both outcomes."""
    value = metrics.ks(target, score)
    return None if math.isnan(value) else value


def band_expr(score: pl.Expr, cutoffs: Sequence[float]) -> pl.Expr:
    """The band of each score (``domain.scoring.band_for``, as a Polars expression)."""
    expr: pl.Expr = pl.lit(BANDS[-1])
    for band, cut in reversed(list(zip(BANDS, cutoffs, strict=False))):
        expr = pl.when(score < cut).then(pl.lit(band)).otherwise(expr)
    return expr


def train_book_model(
    book: BookFrames,
    *,
    kind: Kind,
    as_of: date,
    seed: int = 0,
    every: int = EVERY_DAYS,
    count: int = DATES,
    sample_loans: int = SAMPLE_LOANS,
    backtest: bool = True,
    folds: int | None = None,
    cutoffs: tuple[float, float, float] | None = None,
    progress: Callable[[str], None] | None = None,
) -> BookModel:
    """Train the ``kind`` model on what the book knew on ``as_of`` (see the module notes).

    ``backtest`` adds the out-of-time check (a second model trained on the earlier dates only);
    ``folds`` is passed to ``risk.train`` (its default when None).
    """
    say = progress or (lambda _message: None)
    dates = training_dates(as_of, kind, every=every, count=count)
    past = sample_book(cut_book(book, as_of), sample_loans, seed)
    say(
        f"{kind}: building rows on {len(dates)} dates {dates[0]} .. {dates[-1]} ({past.loans.height:,} loans)"
    )
    rows = at_risk(training_set(past, kind=kind, dates=dates), kind)
    positives = int(rows["target"].sum()) if rows.height else 0
    if not _trainable(rows.height, positives):
        raise NotEnoughHistory(
            f"{kind}: {rows.height:,} accounts with {positives:,} outcomes on {len(dates)} dates up to "
            f"{dates[-1]}: too few to train on (the book needs more history before {as_of})"
        )

    def fitted(frame: pl.DataFrame) -> RiskModel:
        return train(
            frame.select(*MODEL_FEATURES, "target"),
            "target",
            trained_on=as_of,
            seed=seed,
            labels=LABELS,
            progress=progress,
            folds=folds,
        )

    held = max(1, round(len(dates) * HELD_OUT_SHARE))
    test_dates = dates[-held:]
    fit_until = test_dates[0] - timedelta(days=horizon_of(kind))
    fit = rows.filter(pl.col("as_of") < fit_until)
    test = rows.filter(pl.col("as_of") >= test_dates[0])
    evaluation = Evaluation(None, None, test.height, int(test["target"].sum()), fit.height, None, None)
    fit_positives = int(fit["target"].sum()) if fit.height else 0
    if backtest and _trainable(fit.height, fit_positives) and test.height:
        say(
            f"{kind}: out-of-time check, fit on {fit.height:,} rows before {fit_until}, test on {test.height:,}"
        )
        predicted = fitted(fit).predict(test.select(MODEL_FEATURES))
        y = test["target"].to_numpy()
        fit_dates = fit["as_of"]
        evaluation = Evaluation(
            auc=auc(y, predicted),
            ks=ks(y, predicted),
            rows=test.height,
            positives=int(y.sum()),
            train_rows=fit.height,
            train_dates=(_date(fit_dates.min()), _date(fit_dates.max())),
            test_dates=(test_dates[0], test_dates[-1]),
        )

    say(f"{kind}: training on all {rows.height:,} rows ({positives:,} outcomes)")
    model = fitted(rows)
    scores = model.predict(rows.select(MODEL_FEATURES))
    reference = {
        "score": distribution(pl.Series(scores)),
        "features": {name: distribution(rows[name]) for name in MODEL_FEATURES},
    }
    return BookModel(
        kind=kind,
        model=model,
        trained_on=as_of,
        cutoffs=cutoffs or DEFAULT_CUTOFFS[kind],
        evaluation=evaluation,
        rows=rows.height,
        positives=positives,
        dates=tuple(dates),
        reference=reference,
    )


def at_risk(rows: pl.DataFrame, kind: str) -> pl.DataFrame:
    """The rows with ``target`` turned into the bad outcome the model scores (``domain.scoring``).

    Early warning: going 30+ days past due (the label as it is). Cure: *not* back to current
    within the horizon (the cure label turned over), so that both models score a risk, their
    bands read the same way and their reasons say what raised it.
    """
    if kind == "cure":
        return rows.with_columns((1 - pl.col("target")).cast(pl.Int8).alias("target"))
    return rows


def holdout_figures(model: RiskModel) -> tuple[float | None, float | None]:
    """AUC and KS of the stored model on the risk library's own held-out rows (a random fifth)."""
    held = model.card.get("holdout", {}).get("champion", {})
    auc_, ks_ = held.get("auc"), held.get("ks")
    return (None if auc_ is None else float(auc_)), (None if ks_ is None else float(ks_))


def _trainable(rows: int, positives: int) -> bool:
    """Enough rows and enough of each outcome for the risk library to train and measure a model."""
    return rows >= MIN_ROWS and min(positives, rows - positives) >= MIN_CLASS


def _date(value: object) -> date:
    assert isinstance(value, date)
    return value


#: The reason stored when nothing raised a score above the model's lowest-risk level.
NO_REASON = Reason(
    feature="-",
    zh="没有抬高风险的因素：各项均处于最低风险水平",
    en="no factor raised the risk: every feature is at its lowest-risk level",
    weight=0.0,
)

#: Output of ``score_accounts``.
SCORED_SCHEMA: dict[str, pl.DataType] = {
    "loan_id": pl.String(),
    "score": pl.Float64(),
    "band": pl.String(),
    "reason_features": pl.String(),
    "reasons_zh": pl.String(),
    "reasons_en": pl.String(),
}


def eligible(features: pl.DataFrame, view: pl.DataFrame, kind: str) -> pl.DataFrame:
    """The feature rows of the accounts a ``kind`` model scores (by their status in ``view``)."""
    chosen = view.filter(pl.col("status") == SCORED_STATUS[kind]).select("loan_id")
    return features.join(chosen, on="loan_id", how="semi")


def score_accounts(
    model: RiskModel, rows: pl.DataFrame, cutoffs: Sequence[float], *, top: int = 3
) -> pl.DataFrame:
    """Score, band and the top reasons (JSON lists: features, zh, en) of each row of ``rows``."""
    if rows.height == 0:
        return pl.DataFrame(schema=SCORED_SCHEMA)
    scores, reasons = model.explain(rows.select(MODEL_FEATURES), top=top)
    # Rows share few distinct reason lists: encode each distinct list once.
    encoded: dict[tuple[tuple[str, str, str], ...], tuple[str, str, str]] = {}
    features_col, zh_col, en_col = [], [], []
    for row in reasons:
        row = row or [NO_REASON]
        key = tuple((r.feature, r.zh, r.en) for r in row)
        texts = encoded.get(key)
        if texts is None:
            texts = (
                json.dumps([r.feature for r in row]),
                json.dumps([r.zh for r in row], ensure_ascii=False),
                json.dumps([r.en for r in row], ensure_ascii=False),
            )
            encoded[key] = texts
        features_col.append(texts[0])
        zh_col.append(texts[1])
        en_col.append(texts[2])
    return pl.DataFrame(
        {
            "loan_id": rows["loan_id"],
            "score": pl.Series(np.asarray(scores, dtype=np.float64)),
            "reason_features": features_col,
            "reasons_zh": zh_col,
            "reasons_en": en_col,
        }
    ).select(
        "loan_id",
        "score",
        band_expr(pl.col("score"), cutoffs).alias("band"),
        "reason_features",
        "reasons_zh",
        "reasons_en",
    )
