"""Sample books for the benchmarks, generated once per size and kept under bench/.data/."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bench.common import DATA

UNTIL = date(2026, 11, 20)
FIRST = date(2024, 11, 20)


def sample_book(loans: int, seed: int = 11) -> Path:
    """The folder of a generated book of ``loans`` loans (made now if missing)."""
    from faircollect.samplebook import generate_book

    folder = DATA / f"book-{loans}-{seed}"
    marker = folder / ".complete"
    if not marker.exists():
        generate_book(folder, loans=loans, seed=seed, first_disbursal=FIRST, history_until=UNTIL)
        marker.write_text("ok\n")
    return folder
