"""Book models and daily scores in storage (SQLite and PostgreSQL), and the cycle's scoring step."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from faircollect.adapters.db import tables
from faircollect.adapters.interchange.reader import read_folder
from faircollect.bootstrap import Platform
from faircollect.domain.schedule import DEFAULT_BUCKET_EDGES
from faircollect.domain.scoring import BANDS, ModelRecord, band_for
from faircollect.services import daily_cycle
from faircollect.services.ingest import ingest
from faircollect.services.scoring import NO_MODEL
from tests.conftest import FIXTURES, NOW
from tests.risk.fakes import FakeModel, FakeModelFiles

AS_OF = date(2026, 3, 20)
RISK_TABLES = ("risk_models", "risk_active_models", "risk_scores")


@pytest.fixture
def booked(platform: Platform) -> Platform:
    ingest(uow=platform.uow(), raw=read_folder(FIXTURES / "books" / "basic"), actor="test", now=NOW)
    return platform


def _record(
    version: str, kind: str, path: str, cutoffs: tuple[float, float, float] = (0.1, 0.3, 0.6)
) -> ModelRecord:
    return ModelRecord(
        version=version,
        kind=kind,
        trained_on=date(2026, 3, 1),
        path=path,
        cutoffs=cutoffs,
        metrics={"held_out": {"auc": 0.75, "ks": 0.4}},
        card={"name": "fake", "features": ["worst_dpd_3m"]},
        created_at="2026-03-01T00:00:00.000000Z",
    )


def _activate(
    platform: Platform, files: FakeModelFiles, kinds: tuple[str, ...] = ("early_warning", "cure")
) -> None:
    with platform.uow() as uow:
        for kind in kinds:
            path = files.save(FakeModel(), version=f"{kind}-1")
            uow.risk.add_model(_record(f"{kind}-1", kind, path))
            uow.risk.activate(kind=kind, version=f"{kind}-1", at="2026-03-01T00:00:00.000000Z")
        uow.commit()


def _run(platform: Platform, day: date, files: FakeModelFiles | None) -> daily_cycle.CycleReport:
    return daily_cycle.run_day(
        uow=platform.uow(), as_of=day, clock=platform.clock, edges=DEFAULT_BUCKET_EDGES, models=files
    )


def _count(platform: Platform, table: str) -> int:
    with platform.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.metadata.tables[table])).scalar_one())


def test_the_migrations_build_the_risk_tables_as_declared(platform: Platform) -> None:
    with platform.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    mine = [d for d in diff if any(name in repr(d) for name in RISK_TABLES)]
    assert mine == []


def test_models_are_stored_and_one_per_kind_is_active(platform: Platform) -> None:
    with platform.uow() as uow:
        uow.risk.add_model(_record("ew-1", "early_warning", "/m/ew-1"))
        uow.risk.add_model(_record("ew-2", "early_warning", "/m/ew-2", (0.05, 0.15, 0.35)))
        uow.risk.add_model(_record("cure-1", "cure", "/m/cure-1"))
        uow.risk.activate(kind="early_warning", version="ew-1", at="t1")
        uow.risk.activate(kind="cure", version="cure-1", at="t1")
        uow.risk.activate(kind="early_warning", version="ew-2", at="t2")
        uow.commit()
    with platform.uow() as uow:
        active = uow.risk.active_models()
        assert {k: r.version for k, r in active.items()} == {"early_warning": "ew-2", "cure": "cure-1"}
        assert active["early_warning"].cutoffs == (0.05, 0.15, 0.35)
        assert active["cure"].metrics == {"held_out": {"auc": 0.75, "ks": 0.4}}
        assert active["cure"].card["features"] == ["worst_dpd_3m"]
        assert [r.version for r in uow.risk.models()] == ["cure-1", "ew-1", "ew-2"]
        assert uow.risk.model("nope") is None


def test_without_a_model_the_cycle_runs_and_says_scoring_was_skipped(booked: Platform) -> None:
    report = _run(booked, AS_OF, FakeModelFiles())
    assert report.loans == 4
    assert report.scoring is not None
    assert report.scoring.kinds == []
    assert set(report.scoring.skipped.values()) == {NO_MODEL}
    assert _count(booked, "risk_scores") == 0


def test_every_account_is_scored_by_the_model_of_its_kind_with_reasons(booked: Platform) -> None:
    files = FakeModelFiles()
    _activate(booked, files)
    report = _run(booked, AS_OF, files)
    assert report.scoring is not None
    assert report.scoring.skipped == {}
    with booked.uow() as uow:
        scores = uow.risk.scores(as_of=AS_OF)
        snapshot = uow.views.snapshot(AS_OF)
    # L1 current, L2 and L3 delinquent, L4 settled (not scored)
    kinds = dict(scores.select("loan_id", "kind").iter_rows())
    assert kinds == {"L1": "early_warning", "L2": "cure", "L3": "cure"}
    status = dict(snapshot.select("loan_id", "status").iter_rows())
    assert {status[k] for k, v in kinds.items() if v == "cure"} == {"delinquent"}
    for row in scores.iter_rows(named=True):
        assert row["band"] == band_for(row["score"], (0.1, 0.3, 0.6))
        assert row["model_version"] == f"{row['kind']}-1"
        features, zh, en = (json.loads(row[c]) for c in ("reason_features", "reasons_zh", "reasons_en"))
        assert len(features) == len(zh) == len(en) == 3
        assert all(zh)
        assert all(en)
    by_kind = {k.kind: k for k in report.scoring.kinds}
    assert by_kind["cure"].accounts == 2
    assert by_kind["early_warning"].accounts == 1
    assert list(by_kind["cure"].bands) == list(BANDS)


def test_rerunning_a_scored_day_changes_nothing(booked: Platform) -> None:
    files = FakeModelFiles()
    _activate(booked, files)
    first = _run(booked, AS_OF, files)
    before = {t: _count(booked, t) for t in (*RISK_TABLES, "evidence", "account_snapshots")}
    with booked.uow() as uow:
        stored = uow.risk.scores(as_of=AS_OF)
    again = _run(booked, AS_OF, files)
    assert again.already_ran
    assert again.scoring == first.scoring
    assert {t: _count(booked, t) for t in before} == before
    with booked.uow() as uow:
        assert uow.risk.scores(as_of=AS_OF).equals(stored)


def test_one_kind_without_a_model_is_skipped_and_said_so(booked: Platform) -> None:
    files = FakeModelFiles()
    _activate(booked, files, kinds=("cure",))
    report = _run(booked, AS_OF, files)
    assert report.scoring is not None
    assert [k.kind for k in report.scoring.kinds] == ["cure"]
    assert "early_warning" in report.scoring.skipped
    with booked.uow() as uow:
        assert set(uow.risk.scores(as_of=AS_OF)["kind"]) == {"cure"}


def test_a_cycle_whose_scoring_fails_leaves_nothing(booked: Platform) -> None:
    files = FakeModelFiles()
    _activate(booked, files)
    files.saved.clear()  # the active model's file is gone
    with pytest.raises(KeyError):
        _run(booked, AS_OF, files)
    assert _count(booked, "risk_scores") == 0
    assert _count(booked, "cycle_runs") == 0


def test_scores_read_back_by_date(booked: Platform) -> None:
    files = FakeModelFiles()
    _activate(booked, files)
    _run(booked, date(2026, 3, 1), files)
    _run(booked, AS_OF, files)
    with booked.uow() as uow:
        everything = uow.risk.scores()
        later = uow.risk.scores(since=AS_OF)
        counts = uow.risk.band_counts(AS_OF)
    assert everything["as_of"].unique().sort().to_list() == [date(2026, 3, 1), AS_OF]
    assert later["as_of"].unique().to_list() == [AS_OF]
    assert counts["accounts"].sum() == later.height
    assert everything.schema["score"] == pl.Float64
