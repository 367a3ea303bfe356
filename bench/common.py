"""Shared by the benchmarks: machine facts, child-process peak memory, and docs/benchmarks.md sections."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
DATA = ROOT / "bench" / ".data"
PG_URL = os.environ.get("FAIRCOLLECT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; Python {platform.python_version()}, polars {version('polars')}, "
        f"SQLAlchemy {version('sqlalchemy')}; measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def run_child(module: str, *args: str, env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    """Run ``python -m module args`` and return its JSON result and its own peak RSS in MiB."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed with exit {proc.returncode}")
    last = [ln for ln in output.splitlines() if ln.startswith("{")][-1]
    return json.loads(last), usage.ru_maxrss / 1024


def write_section(name: str, body: str) -> None:
    """Replace (or add) the section ``name`` of docs/benchmarks.md."""
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text() if DOC.exists() else HEADER
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)


HEADER = """# Benchmarks

Figures printed and written by the scripts in `bench/` (`./run bench [name]`), measured on the
machine named in each section. Speeds are also given as a ratio against a reference run in the
same process, so that they can be compared across machines. Nothing here is asserted by a test.
"""


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
