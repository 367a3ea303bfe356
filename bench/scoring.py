"""The daily cycle with book models on whole books: how much of run-day scoring takes.

For each size and store: ingest, train small book models (a sample of 20,000 loans, six
dates, no out-of-time check: this measures scoring, not training), then run-day on two
days with every current and delinquent account scored. Each phase runs in its own process.
Usage: ``python -m bench scoring [--sizes 100000,1000000] [--stores sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

from rich.console import Console

from bench.book import _drop, _fresh_db
from bench.books import UNTIL, sample_book
from bench.common import DATA, machine, run_child, write_section

console = Console()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench scoring")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        folder = sample_book(size)
        for store in args.stores.split(","):
            url, handle = _fresh_db(store, f"scoring-{size}")
            models = str(DATA / f"models-{size}-{store}")
            day1, day2 = UNTIL - timedelta(days=1), UNTIL
            run_child("bench.book_worker", "ingest", str(folder), url, day1.isoformat())
            trained, _ = run_child(
                "bench.scoring_worker", "train", url, models, (day1 - timedelta(days=1)).isoformat()
            )
            first, first_mem = run_child("bench.scoring_worker", "run-day", url, models, day1.isoformat())
            second, second_mem = run_child("bench.scoring_worker", "run-day", url, models, day2.isoformat())
            _drop(store, handle)
            row = {"size": size, "store": store, "train_s": trained["seconds"], "day1_mem": first_mem}
            row |= {f"day1_{k}": v for k, v in first.items()} | {f"day2_{k}": v for k, v in second.items()}
            row["day2_mem"] = second_mem
            rows.append(row)
            console.print(row)
    lines = [
        "## Daily cycle with book models (scoring share)",
        "",
        f"Machine: {machine()}. 1-minute load average {load_before:.1f} when the run started and "
        f"{os.getloadavg()[0]:.1f} when it ended (a shared machine: compare the shares, not the seconds).",
        "",
        "Sample books of `bench/books.py` (seed 11). Models trained on 20,000 sampled loans, six dates, "
        "two folds (a small training: this measures the cycle). Run-day scores every current account "
        "(early warning) and every delinquent one (cure) and stores score, band and reasons. "
        "*features*: `risk.behaviour.features` on the whole book; *explain*: both models' scores, "
        "bands and reasons as JSON; *store*: writing the score rows.",
        "",
        "| loans | store | day | run-day | scored | scoring | of which features | explain | store "
        "| scoring share | peak MiB |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        for day in ("day1", "day2"):
            lines.append(
                f"| {r['size']:,} | {r['store']} | {day[-1]} | {r[f'{day}_seconds']:.1f} s | {r[f'{day}_scored']:,} | "
                f"{r[f'{day}_score_s']:.1f} s | {r[f'{day}_features_s']:.1f} s | {r[f'{day}_explain_s']:.1f} s | "
                f"{r[f'{day}_store_s']:.1f} s | {r[f'{day}_score_s'] / r[f'{day}_seconds']:.0%} | {r[f'{day}_mem']:,.0f} |"
            )
    write_section("scoring", "\n".join(lines))
    console.print("\n".join(lines))
