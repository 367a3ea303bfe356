"""The evidence record: append-only in the database itself, and tampering is found."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from faircollect.adapters.interchange.reader import read_folder
from faircollect.bootstrap import Platform
from faircollect.services.evidence import verify_evidence
from faircollect.services.ingest import ingest
from tests.builders import Book
from tests.conftest import FIXTURES, NOW


@pytest.fixture
def recorded(platform: Platform, tmp_path) -> Platform:  # type: ignore[no-untyped-def]
    ingest(uow=platform.uow(), raw=read_folder(FIXTURES / "books" / "basic"), actor="test", now=NOW)
    book = Book.basic(tmp_path).set("borrowers.csv", 2, "phone", "+8613800138999")
    book.set("borrowers.csv", 3, "phone", "+8613900139999")
    ingest(uow=platform.uow(), raw=read_folder(book.folder), actor="test", now=NOW)
    return platform


def test_an_untouched_record_verifies(recorded: Platform) -> None:
    held, broken = verify_evidence(uow=recorded.uow())
    assert (held, broken) == (4, None)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE evidence SET actor = 'someone else' WHERE seq = 2", "DELETE FROM evidence WHERE seq = 4"],
)
def test_the_database_refuses_to_change_the_record(recorded: Platform, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), recorded.engine.begin() as conn:
        conn.execute(text(statement))
    assert verify_evidence(uow=recorded.uow()) == (4, None)


def _without_triggers(platform: Platform, statement: str) -> None:
    with platform.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER evidence_no_update"))
            conn.execute(text("DROP TRIGGER evidence_no_delete"))
        else:
            conn.execute(text("ALTER TABLE evidence DISABLE TRIGGER USER"))
        conn.execute(text(statement))


@pytest.mark.parametrize(
    ("statement", "seq", "reason"),
    [
        ("UPDATE evidence SET payload = replace(payload, '138999', '000000') WHERE seq = 2", 2, "altered"),
        ("UPDATE evidence SET actor = 'nobody' WHERE seq = 3", 3, "altered"),
        ("DELETE FROM evidence WHERE seq = 2", 3, "sequence gap"),
        ("UPDATE evidence SET prev_hash = hash WHERE seq = 4", 4, "prev_hash"),
    ],
)
def test_tampering_is_found_and_named(recorded: Platform, statement: str, seq: int, reason: str) -> None:
    _without_triggers(recorded, statement)
    held, broken = verify_evidence(uow=recorded.uow())
    assert broken is not None
    assert broken.seq == seq
    assert reason in broken.reason
    assert held == seq - 1 if "gap" not in reason else held == 1
