"""Ingest and run-day on whole books (100k and 1M loans), on SQLite and PostgreSQL.

Each phase runs in its own process so that its peak memory (ru_maxrss) is its own.
Usage: ``python -m bench book [--sizes 100000,1000000] [--stores sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import timedelta

from rich.console import Console
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.books import UNTIL, sample_book
from bench.common import DATA, PG_URL, Timer, machine, run_child, write_section

console = Console()


def _fresh_db(store: str, tag: str) -> tuple[str, object]:
    if store == "sqlite":
        path = DATA / f"bench-{tag}.db"
        for suffix in ("", "-wal", "-shm"):
            p = path.with_name(path.name + suffix)
            if p.exists():
                p.unlink()
        return f"sqlite:///{path}", path
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def _drop(store: str, handle: object) -> None:
    if store == "sqlite":
        return
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {handle} CASCADE"))
    engine.dispose()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench book")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    stores = args.stores.split(",")
    rows = []
    for size in sizes:
        with Timer() as gen:
            folder = sample_book(size)
        console.print(f"book of {size:,} loans ready in {gen.seconds:.1f} s: {folder}")
        for store in stores:
            url, handle = _fresh_db(store, f"{size}")
            day1 = UNTIL - timedelta(days=1)
            ing, ing_mem = run_child("bench.book_worker", "ingest", str(folder), url, day1.isoformat())
            first, first_mem = run_child("bench.book_worker", "run-day", str(folder), url, day1.isoformat())
            second, second_mem = run_child(
                "bench.book_worker", "run-day", str(folder), url, UNTIL.isoformat()
            )
            _drop(store, handle)
            row = {
                "size": size,
                "store": store,
                "rows": ing["rows"],
                "ingest_s": ing["seconds"],
                "ingest_ratio": ing["seconds"] / ing["reference_read_csv_s"],
                "ingest_mem": ing_mem,
                "day1_s": first["seconds"],
                "day1_mem": first_mem,
                "day2_s": second["seconds"],
                "day2_mem": second_mem,
                "load_s": second["load_s"],
                "kernel_s": second["reference_kernel_s"],
                "day_ratio": second["seconds"] / second["reference_kernel_s"],
            }
            rows.append(row)
            console.print(row)
    lines = [
        "## Ingest and daily cycle",
        "",
        f"Machine: {machine()}.",
        "",
        "Sample books from `faircollect.samplebook` (seed 11, two years of history up to "
        f"{UNTIL}). `ingest` is a first import into an empty store; run-day 1 is the first cycle "
        "(every account state written), run-day 2 the next day (only changed states written). "
        "Ratios: ingest against `pl.read_csv` of the same files, run-day against the columnar kernel "
        "alone on the loaded book, both in the same process.",
        "",
        "| loans | store | rows in files | ingest | loans/s | x read_csv | peak MiB | run-day 1 | peak MiB "
        "| run-day 2 | loans/s | peak MiB | of which load | kernel | x kernel |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['store']} | {r['rows']:,} | {r['ingest_s']:.1f} s | "
            f"{r['size'] / r['ingest_s']:,.0f} | {r['ingest_ratio']:.1f} | {r['ingest_mem']:,.0f} | "
            f"{r['day1_s']:.1f} s | {r['day1_mem']:,.0f} | {r['day2_s']:.1f} s | "
            f"{r['size'] / r['day2_s']:,.0f} | {r['day2_mem']:,.0f} | {r['load_s']:.1f} s | "
            f"{r['kernel_s']:.2f} s | {r['day_ratio']:.1f} |"
        )
    write_section("book", "\n".join(lines))
    console.print("\n".join(lines))
