"""The risk report on stored scores (SQLite and PostgreSQL): drift since training, AUC by week."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from faircollect.adapters.interchange.reader import read_folder
from faircollect.bootstrap import Platform
from faircollect.domain.scoring import ModelRecord
from faircollect.entrypoints.risk_report_html import render
from faircollect.ledger.asof import book_view
from faircollect.risk.behaviour import features
from faircollect.risk.book_models import MODEL_FEATURES, eligible, score_accounts
from faircollect.risk.drift import distribution
from faircollect.samplebook import generate_book
from faircollect.services.ingest import ingest
from faircollect.services.risk_report import risk_report
from tests.conftest import NOW
from tests.risk.fakes import FakeModel

CUTS = (0.1, 0.3, 0.6)
DATES = [date(2026, 6, 1) + timedelta(days=7 * n) for n in range(12)]


@pytest.fixture
def scored(platform: Platform, tmp_path: Path) -> Platform:
    """A sample book with a fake early-warning model's scores stored every Monday of the summer."""
    generate_book(
        tmp_path / "book",
        loans=800,
        seed=4,
        first_disbursal=date(2025, 1, 1),
        history_until=date(2026, 11, 20),
    )
    ingest(uow=platform.uow(), raw=read_folder(tmp_path / "book"), actor="test", now=NOW)
    with platform.uow() as uow:
        book = uow.book.load_book()
        first = features(book, DATES[0])
        reference = {
            "score": distribution(pl.Series(FakeModel().predict(first))),
            "features": {name: distribution(first[name]) for name in MODEL_FEATURES},
        }
        uow.risk.add_model(
            ModelRecord(
                version="ew-fake",
                kind="early_warning",
                trained_on=DATES[0],
                path="memory://ew-fake",
                cutoffs=CUTS,
                metrics={"held_out": {"auc": 0.8}, "reference": reference},
                card={},
                created_at="2026-06-01T00:00:00.000000Z",
            )
        )
        uow.risk.activate(kind="early_warning", version="ew-fake", at="2026-06-01T00:00:00.000000Z")
        for day in DATES:
            view = book_view(book, day)
            rows = eligible(features(book, day, view=view), view, "early_warning")
            stored = score_accounts(FakeModel(), rows, CUTS)
            uow.risk.write_scores(
                stored.select(
                    pl.lit(day).alias("as_of"),
                    "loan_id",
                    pl.lit("early_warning").alias("kind"),
                    pl.exclude("loan_id"),
                    pl.lit("ew-fake").alias("model_version"),
                )
            )
        uow.commit()
    return platform


def test_the_report_measures_drift_and_auc_by_week_once_outcomes_arrived(scored: Platform) -> None:
    later = risk_report(uow=scored.uow(), as_of=DATES[-1] + timedelta(days=60), weeks=20)
    (ew,) = later.kinds
    assert ew.accounts == 0  # nothing scored that day: no drift to measure ...
    assert ew.score is None
    assert [w.week for w in ew.weeks] == DATES  # ... but every stored week has its outcomes by then
    measured = [w.auc for w in ew.weeks if w.auc is not None]
    assert len(measured) >= 6
    assert sum(measured) / len(measured) > 0.6  # a worse recent history does go 30+ days late more often
    report = risk_report(uow=scored.uow(), weeks=20)
    assert report.as_of == DATES[-1]
    (ew,) = report.kinds
    assert ew.kind == "early_warning"
    assert ew.accounts > 100
    assert ew.score is not None
    assert {s.name for s in ew.features} <= set(MODEL_FEATURES)
    # outcomes of a date are known 60 days later: by the last date, only the first weeks
    assert [w.week for w in ew.weeks] == [d for d in DATES if d <= DATES[-1] - timedelta(days=60)]
    page = render(report)
    assert page.count("<svg") >= 3
    assert "early_warning" in page


def test_without_a_model_the_report_says_so(platform: Platform) -> None:
    report = risk_report(uow=platform.uow())
    assert report.kinds == []
    assert report.note is not None
    assert "no book model" in report.note
    assert "no book model" in render(report)
