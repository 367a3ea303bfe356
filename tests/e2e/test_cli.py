"""The ``faircollect`` command as an operator or the acceptance checks run it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.builders import Book
from tests.conftest import FIXTURES
from tests.e2e.cli_runner import cli_runner

BASIC = FIXTURES / "books" / "basic"


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    run = cli_runner(tmp_path, timeout=120)
    run.db = tmp_path / "cli.db"  # type: ignore[attr-defined]
    return run


def test_ingest_cycle_and_export_reproduce_the_hand_checked_view(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("ingest", str(BASIC))
    cli("run-day", "--as-of", "2026-03-01")
    cli("run-day", "--as-of", "2026-03-20")
    out = tmp_path / "out" / "accounts.csv"
    cli("export", "accounts", "--as-of", "2026-03-20", "--out", str(out))
    assert out.read_bytes() == (FIXTURES / "expected" / "basic_2026-03-20.csv").read_bytes()


def test_bad_input_exits_2_naming_file_line_column_and_reason(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = Book.basic(tmp_path).set("loans.csv", 3, "principal", "1200.005")
    book.set("payments.csv", 2, "paid_on", "2026/02/22")
    proc = cli("ingest", str(book.folder), ok=2)
    assert "loans.csv:3 [principal]: '1200.005' has more than two decimals" in proc.stderr
    assert "payments.csv:2 [paid_on]: '2026/02/22' is not a date YYYY-MM-DD" in proc.stderr
    assert "nothing was imported" in proc.stderr
    with sqlite3.connect(cli.db) as conn:
        assert conn.execute("select count(*) from loans").fetchone() == (0,)


def test_cycle_rerun_and_order(cli) -> None:  # type: ignore[no-untyped-def]
    cli("ingest", str(BASIC))
    cli("run-day", "--as-of", "2026-03-20")
    again = cli("run-day", "--as-of", "2026-03-20")
    assert "already ran" in again.stdout
    earlier = cli("run-day", "--as-of", "2026-03-19", ok=2)
    assert "already ran for 2026-03-20" in earlier.stderr
    cli("run-day", "--as-of", "2026-03-19", "--force")
    bad = cli("run-day", "--as-of", "2026-02-30", ok=2)
    assert "is not a date" in bad.stderr


def test_payment_regrade_and_evidence_verify(cli) -> None:  # type: ignore[no-untyped-def]
    cli("ingest", str(BASIC))
    cli("run-day", "--as-of", "2026-03-20")
    posted = cli(
        "payments",
        "post",
        "--loan",
        "L2",
        "--id",
        "P100",
        "--paid-on",
        "2026-03-20",
        "--amount",
        "640.00",
        "--as-of",
        "2026-03-20",
    )
    assert "L2: M1 -> M0" in posted.stdout
    reversed_ = cli(
        "payments",
        "reverse",
        "--payment",
        "P100",
        "--id",
        "P100R",
        "--paid-on",
        "2026-03-20",
        "--as-of",
        "2026-03-20",
    )
    assert "L2: M0 -> M1" in reversed_.stdout
    bad = cli(
        "payments", "post", "--loan", "L2", "--id", "P101", "--paid-on", "2026-03-20", "--amount", "1e3", ok=2
    )
    assert "--amount" in bad.stderr
    verified = cli("evidence", "verify")
    assert "4 entries verified" in verified.stdout


def test_evidence_verify_names_the_first_broken_entry(cli) -> None:  # type: ignore[no-untyped-def]
    cli("ingest", str(BASIC))
    cli("run-day", "--as-of", "2026-03-19")
    cli("run-day", "--as-of", "2026-03-20")
    with sqlite3.connect(cli.db) as conn:
        conn.execute("drop trigger evidence_no_update")
        conn.execute(
            "update evidence set payload = replace(payload, '\"loans\":4', '\"loans\":5') where seq = 2"
        )
    proc = cli("evidence", "verify", ok=1)
    assert "evidence BROKEN at entry 2" in proc.stderr


def test_usage_errors_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("no-such-command", ok=2).returncode == 2
    assert cli("export", "accounts", "--out", "x.csv", ok=2).returncode == 2
    missing = cli("ingest", "/no/such/folder", ok=2)
    assert "not a folder" in missing.stderr
