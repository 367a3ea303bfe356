"""One phase of the book benchmark in a process of its own (so its peak memory is its own)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import polars as pl

from bench.common import Timer


def main() -> None:
    phase, folder, url, as_of = sys.argv[1], Path(sys.argv[2]), sys.argv[3], date.fromisoformat(sys.argv[4])
    from faircollect.adapters.clock import SystemClock
    from faircollect.adapters.interchange.reader import read_folder
    from faircollect.bootstrap import bootstrap
    from faircollect.config import Settings
    from faircollect.ledger.asof import book_view
    from faircollect.services import daily_cycle, ingest

    platform = bootstrap(Settings(database_url=url), clock=SystemClock())
    result: dict[str, float | int] = {}
    if phase == "ingest":
        with Timer() as ref:
            frames = [pl.read_csv(p, infer_schema=False) for p in sorted(folder.glob("*.csv"))]
        result["reference_read_csv_s"] = ref.seconds
        result["rows"] = sum(f.height for f in frames)
        del frames
        with Timer() as t:
            raw = read_folder(folder)
            ingest.ingest(uow=platform.uow(), raw=raw, actor="bench", now=platform.clock.now())
        result["seconds"] = t.seconds
    elif phase == "run-day":
        with Timer() as t:
            report = daily_cycle.run_day(
                uow=platform.uow(), as_of=as_of, clock=platform.clock, edges=platform.settings.bucket_edges
            )
        result["seconds"] = t.seconds
        result["loans"] = report.loans
        result["moves"] = report.moves
        with platform.uow() as uow, Timer() as load:
            book = uow.book.load_book()
        result["load_s"] = load.seconds
        with Timer() as kernel:
            book_view(book, as_of, platform.settings.bucket_edges)
        result["reference_kernel_s"] = kernel.seconds
    platform.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
