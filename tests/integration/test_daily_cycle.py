"""The daily cycle: snapshots, bucket moves, reruns that change nothing, dates in order."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from faircollect.adapters.db import tables
from faircollect.adapters.interchange.reader import read_folder
from faircollect.bootstrap import Platform
from faircollect.domain.errors import Conflict
from faircollect.domain.schedule import DEFAULT_BUCKET_EDGES
from faircollect.services import daily_cycle
from faircollect.services.ingest import ingest
from tests.conftest import FIXTURES, NOW


@pytest.fixture
def booked(platform: Platform) -> Platform:
    ingest(uow=platform.uow(), raw=read_folder(FIXTURES / "books" / "basic"), actor="test", now=NOW)
    return platform


def _run(platform: Platform, day: str, force: bool = False) -> daily_cycle.CycleReport:
    return daily_cycle.run_day(
        uow=platform.uow(),
        as_of=date.fromisoformat(day),
        clock=platform.clock,
        edges=DEFAULT_BUCKET_EDGES,
        force=force,
    )


def _table_counts(platform: Platform) -> dict[str, int]:
    with platform.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (
                tables.account_snapshots,
                tables.account_state,
                tables.bucket_moves,
                tables.evidence,
                tables.cycle_runs,
            )
        }


def test_a_day_stores_its_snapshot_and_the_moves_between_buckets(booked: Platform) -> None:
    first = _run(booked, "2026-03-01")
    assert first.loans == 4
    assert {(b.bucket, b.currency): b.accounts for b in first.buckets} == {
        ("M0", "CNY"): 2,
        ("M0", "USD"): 1,
        ("M1", "CNY"): 1,
    }
    second = _run(booked, "2026-03-20")
    assert second.moves == 3
    with booked.engine.connect() as conn:
        moves = conn.execute(
            select(
                tables.bucket_moves.c.loan_id,
                tables.bucket_moves.c.moved_on,
                tables.bucket_moves.c.from_bucket,
                tables.bucket_moves.c.to_bucket,
            ).order_by(tables.bucket_moves.c.moved_on, tables.bucket_moves.c.loan_id)
        ).all()
        state = dict(
            conn.execute(select(tables.account_state.c.loan_id, tables.account_state.c.bucket)).all()
        )
        snap = conn.execute(
            select(func.count())
            .select_from(tables.account_snapshots)
            .where(tables.account_snapshots.c.as_of == date(2026, 3, 20))
        ).scalar_one()
    assert [tuple(m) for m in moves] == [
        ("L1", date(2026, 3, 1), None, "M1"),
        ("L1", date(2026, 3, 20), "M1", "M0"),
        ("L2", date(2026, 3, 20), "M0", "M1"),
        ("L3", date(2026, 3, 20), "M0", "M1"),
    ]
    assert state == {"L1": "M0", "L2": "M1", "L3": "M1", "L4": "M0"}
    assert snap == 4


def test_rerunning_a_date_changes_nothing(booked: Platform) -> None:
    _run(booked, "2026-03-20")
    before = _table_counts(booked)
    again = _run(booked, "2026-03-20")
    assert again.already_ran
    assert _table_counts(booked) == before


def test_an_earlier_date_is_refused_unless_forced(booked: Platform) -> None:
    _run(booked, "2026-03-20")
    before = _table_counts(booked)
    with pytest.raises(Conflict, match="already ran for 2026-03-20"):
        _run(booked, "2026-03-01")
    assert _table_counts(booked) == before
    forced = _run(booked, "2026-03-01", force=True)
    assert forced.forced
    with booked.engine.connect() as conn:
        state = dict(conn.execute(select(tables.account_state.c.loan_id, tables.account_state.c.as_of)).all())
    assert set(state.values()) == {date(2026, 3, 20)}, "a forced earlier date leaves current state alone"


def test_a_crashed_cycle_leaves_nothing_and_can_be_rerun(
    booked: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _table_counts(booked)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut while recording the run")

    monkeypatch.setattr("faircollect.adapters.db.uow.SqlAccountViews.record_cycle", boom)
    with pytest.raises(RuntimeError):
        _run(booked, "2026-03-20")
    assert _table_counts(booked) == before
    monkeypatch.undo()
    report = _run(booked, "2026-03-20")
    assert not report.already_ran
    assert _table_counts(booked)["account_snapshots"] == 4


def test_every_run_is_in_the_evidence_record(booked: Platform) -> None:
    _run(booked, "2026-03-01")
    _run(booked, "2026-03-02")
    with booked.engine.connect() as conn:
        actions = conn.execute(
            select(tables.evidence.c.action, tables.evidence.c.subject).order_by(tables.evidence.c.seq)
        ).all()
    assert [tuple(a) for a in actions] == [
        ("faircollect.book.imported", "book"),
        ("faircollect.cycle.completed", "cycle:2026-03-01"),
        ("faircollect.cycle.completed", "cycle:2026-03-02"),
    ]
