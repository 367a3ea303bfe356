"""Run the ``faircollect`` command in a fresh process, as an operator does, against a test's own
SQLite file: shared by the end-to-end tests of the main CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

Cli = Callable[..., subprocess.CompletedProcess[str]]


def cli_runner(tmp_path: Path, *, timeout: int, columns: int = 200, **env: str) -> Cli:
    """``run(*args, ok=0)``: the command's result; asserts its exit status unless ``ok`` is None."""
    full = {
        **os.environ,
        "FAIRCOLLECT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "COLUMNS": str(columns),
        **env,
    }

    def run(*args: str, ok: int | None = 0) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "faircollect.entrypoints.cli", *args],
            capture_output=True,
            text=True,
            env=full,
            cwd=tmp_path,
            timeout=timeout,
        )
        if ok is not None:
            assert proc.returncode == ok, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc

    return run
