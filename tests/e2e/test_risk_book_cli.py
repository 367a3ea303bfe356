"""``faircollect risk train-book`` and ``run-day`` with book models, as an operator runs them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.e2e.cli_runner import Cli, cli_runner


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return cli_runner(tmp_path, timeout=300, columns=250, FAIRCOLLECT_MODELS_DIR=str(tmp_path / "models"))


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_a_cycle_without_models_says_scoring_was_skipped(cli: Cli, tmp_path: Path) -> None:
    cli("ingest", str(FIXTURES / "books" / "basic"))
    proc = cli("run-day", "--as-of", "2026-03-20")
    assert "scoring skipped: no book model is trained yet" in proc.stdout
    assert _rows(tmp_path / "cli.db", "select count(*) from risk_scores") == [(0,)]
    too_early = cli("risk", "train-book", "--as-of", "2026-03-20", ok=2)
    assert "no book model could be trained" in too_early.stderr


def test_train_book_then_every_day_scores_every_account_with_reasons(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    cli("book", "generate", str(tmp_path / "book"), "--loans", "700", "--seed", "5", "--until", "2026-11-20")
    cli("ingest", str(tmp_path / "book"))
    trained = cli(
        "risk", "train-book", "--as-of", "2026-10-01", "--dates", "8", "--every", "30",
        "--no-backtest", "--folds", "2",
    )  # fmt: skip
    assert "early_warning" in trained.stdout
    assert "cure" in trained.stdout
    models = _rows(db, "select kind, version, path, metrics from risk_models order by kind")
    assert [m[0] for m in models] == ["cure", "early_warning"]
    for kind, version, path, metrics in models:
        assert Path(str(path)).is_file()
        assert Path(f"{path}.book.json").is_file()
        assert str(version).startswith(f"{kind}-20261001-")
        held = json.loads(str(metrics))["random_holdout"]
        assert held["auc"] > 0.6, (kind, held)  # the sample book carries real signal
    assert {r[0] for r in _rows(db, "select kind from risk_active_models")} == {"early_warning", "cure"}

    day = cli("run-day", "--as-of", "2026-10-02")
    assert "risk scores on 2026-10-02" in day.stdout
    scored = _rows(
        db,
        "select s.kind, a.status, s.band, s.reasons_zh, s.reasons_en, s.reason_features from risk_scores s "
        "join account_snapshots a on a.loan_id = s.loan_id and a.as_of = s.as_of",
    )
    # every account paid out by then that is current or delinquent (the book holds later loans too)
    scorable = _rows(
        db,
        "select count(*) from account_snapshots a join loans l on l.loan_id = a.loan_id "
        "where a.as_of = '2026-10-02' and l.disbursed_on <= '2026-10-02' "
        "and a.status in ('current', 'delinquent')",
    )
    assert [(len(scored),)] == scorable
    assert len(scored) > 300
    for kind, status, band, zh, en, features in scored:
        assert (kind, status) in {("early_warning", "current"), ("cure", "delinquent")}
        assert band in ("low", "medium", "high", "very_high")
        assert json.loads(str(zh))
        assert json.loads(str(en))
        assert json.loads(str(features))

    again = cli("run-day", "--as-of", "2026-10-02")
    assert "already ran" in again.stdout
    assert _rows(db, "select count(*) from risk_scores") == [(len(scored),)]
    listed = cli("risk", "scores", "--as-of", "2026-10-02", "--out", str(tmp_path / "scores.csv"))
    assert f"wrote {len(scored):,} scores" in listed.stdout
    reported = cli("risk", "report", "--out", str(tmp_path / "report.html"))
    assert "score PSI" in reported.stdout
    assert "AUC by week: no week has outcomes yet" in reported.stdout  # a day old: no outcomes
    assert (tmp_path / "report.html").read_text(encoding="utf-8").count("<svg") >= 2
