"""`faircollect demo` end to end, as the README's first command runs it (a small book, a few weeks)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.cli_runner import cli_runner


def test_the_demo_builds_ingests_cycles_trains_and_scores_a_book(tmp_path: Path) -> None:
    run = cli_runner(tmp_path, timeout=600, FAIRCOLLECT_MODELS_DIR=str(tmp_path / "models"))
    out = run(
        "demo",
        "--loans",
        "300",
        "--days",
        "21",
        "--train-after",
        "10",
        "--until",
        "2026-11-20",
        "--dir",
        "book",
    ).stdout
    # The sample book was written and ingested.
    assert (tmp_path / "book").is_dir()
    assert any((tmp_path / "book").iterdir())
    # Both book models were trained on the book as it stood after 10 cycle days, and stored.
    assert re.search(r"early_warning model early_warning-20261109-\w+, [\d,]+ training rows", out)
    assert re.search(r"cure model cure-20261109-\w+, [\d,]+ training rows", out)
    assert len(list((tmp_path / "models").iterdir())) >= 2
    # The last day scored accounts, each with reasons, and the band table adds up.
    scored = re.search(r"risk scores on 2026-11-20 \(([\d,]+) accounts", out)
    assert scored is not None
    assert int(scored.group(1).replace(",", "")) > 0
    row = re.search(r"│ early_warning\s*│[^│]+│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│", out)
    assert row is not None
    assert sum(int(n) for n in row.groups()) > 0
