"""Build an expensive test artefact (a trained model) once per test run, shared by the xdist workers."""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from pathlib import Path

import pytest


def shared_file(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The file ``name`` in a folder every worker of this run shares; ``build`` writes it once."""
    base = factory.getbasetemp()
    root = base.parent if base.name.startswith("popen-gw") else base
    folder = root / "risk-shared"
    folder.mkdir(exist_ok=True)
    path = folder / name
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not path.exists():
                partial = folder / f"{name}.partial"
                build(partial)
                partial.rename(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path
