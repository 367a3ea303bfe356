"""Shared fixtures: a fresh store per test, on SQLite and on PostgreSQL.

PostgreSQL is read from FAIRCOLLECT_TEST_PG_URL (default: the local server,
database ``test``). Each test gets its own schema, dropped afterwards. Under
CI (CI=true) an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from faircollect.adapters.clock import FixedClock
from faircollect.bootstrap import Platform, bootstrap
from faircollect.config import Settings

PG_URL = os.environ.get("FAIRCOLLECT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)

_pg_ok: bool | None = None


def _pg_reachable() -> bool:
    global _pg_ok
    if _pg_ok is None:
        try:
            engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_ok = True
        except Exception:
            _pg_ok = False
    return _pg_ok


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'faircollect.db'}"
        return
    if not _pg_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI and is not reachable at {PG_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}; its half of the storage tests did not run")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def platform(database_url: str, clock: FixedClock) -> Iterator[Platform]:
    """The platform wired to a fresh, migrated store and a fixed clock."""
    p = bootstrap(Settings(database_url=database_url), clock=clock)
    try:
        yield p
    finally:
        p.close()
