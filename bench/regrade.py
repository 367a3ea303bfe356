"""Latency of re-grading one account when a payment is posted, on SQLite and PostgreSQL.

Usage: ``python -m bench regrade [--loans 20000] [--payments 500] [--stores sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from rich.console import Console

from bench.book import _drop, _fresh_db
from bench.books import UNTIL, sample_book
from bench.common import machine, write_section

console = Console()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str]) -> None:
    from faircollect.adapters.clock import FixedClock
    from faircollect.adapters.interchange.reader import read_folder
    from faircollect.bootstrap import bootstrap
    from faircollect.config import Settings
    from faircollect.domain.schedule import account_view
    from faircollect.services import daily_cycle, ingest, payments

    parser = argparse.ArgumentParser(prog="bench regrade")
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--payments", type=int, default=500)
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    folder = sample_book(args.loans)
    rows = []
    for store in args.stores.split(","):
        url, handle = _fresh_db(store, f"regrade-{args.loans}")
        clock = FixedClock(datetime(2026, 11, 20, 8, tzinfo=UTC))
        platform = bootstrap(Settings(database_url=url), clock=clock)
        ingest.ingest(uow=platform.uow(), raw=read_folder(folder), actor="bench", now=clock.now())
        daily_cycle.run_day(
            uow=platform.uow(), as_of=UNTIL, clock=clock, edges=platform.settings.bucket_edges
        )
        with platform.uow() as uow:
            loan_ids = uow.book.load_table("loans")["loan_id"].to_list()
        step = max(1, len(loan_ids) // args.payments)
        chosen = loan_ids[::step][: args.payments]
        latencies, reference = [], []
        for i, loan_id in enumerate(chosen):
            start = time.perf_counter()
            payments.post_payment(
                uow=platform.uow(),
                loan_id=loan_id,
                payment_id=f"BENCH{i:06d}",
                paid_on=UNTIL,
                amount=10000,
                as_of=UNTIL,
                now=clock.now(),
                actor="bench",
                edges=platform.settings.bucket_edges,
            )
            latencies.append((time.perf_counter() - start) * 1000)
        with platform.uow() as uow:
            records = [uow.book.loan(loan_id) for loan_id in chosen[:200]]
        for record in records:
            assert record is not None
            start = time.perf_counter()
            account_view(
                loan_id=record.loan_id,
                installments=record.installments,
                charges=record.charges,
                payments=record.payments,
                as_of=UNTIL + timedelta(days=0),
            )
            reference.append((time.perf_counter() - start) * 1000)
        platform.close()
        _drop(store, handle)
        row = (
            store,
            statistics.median(latencies),
            _pct(latencies, 0.99),
            max(latencies),
            statistics.median(reference),
        )
        rows.append(row)
        console.print(row)
    body = [
        "## Real-time re-grade of one payment",
        "",
        f"Machine: {machine()}.",
        "",
        f"A book of {args.loans:,} loans, ingested and cycled; then {args.payments} payments posted one "
        "at a time through `services.payments.post_payment` (its own transaction each: insert the "
        "payment, read the loan, compute its view, upsert the state, record a move if any, append "
        "evidence, commit). Reference: the scalar view of one loan in memory, same process.",
        "",
        "| store | median ms | p99 ms | max ms | reference median ms | median x reference |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for store, med, p99, mx, ref in rows:
        body.append(f"| {store} | {med:.2f} | {p99:.2f} | {mx:.2f} | {ref:.3f} | {med / ref:.0f} |")
    write_section("regrade", "\n".join(body))
    console.print("\n".join(body))
