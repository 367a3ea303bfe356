"""The columnar as-of kernel against its scalar twin on the same book.

Usage: ``python -m bench kernel [--loans 100000] [--big 1000000]``.
"""

from __future__ import annotations

import argparse
from datetime import date

import polars as pl
from rich.console import Console

from bench.books import UNTIL, sample_book
from bench.common import Timer, machine, write_section

console = Console()


def _frames(folder):  # type: ignore[no-untyped-def]
    from faircollect.adapters.interchange.reader import read_folder
    from faircollect.interchange.spec import FILE_BY_NAME
    from faircollect.interchange.validate import LINE, parse_file
    from faircollect.ledger.frames import BookFrames

    raw = read_folder(folder)
    typed = {}
    for name in ("loans", "installments", "charges", "payments"):
        frame, problems = parse_file(FILE_BY_NAME[name], raw.tables[name].frame)  # type: ignore[arg-type]
        assert frame is not None
        assert not problems
        typed[name] = frame.drop(LINE)
    return BookFrames(**typed)


def _scalar(book, as_of: date) -> int:  # type: ignore[no-untyped-def]
    from faircollect.domain.schedule import Charge, Installment, Payment, account_view

    inst = book.installments.partition_by("loan_id", as_dict=True)
    charges = book.charges.partition_by("loan_id", as_dict=True)
    pays = book.payments.partition_by("loan_id", as_dict=True)
    empty = pl.DataFrame()
    n = 0
    for (loan_id,) in book.loans.select("loan_id").iter_rows():
        key = (loan_id,)
        account_view(
            loan_id=loan_id,
            installments=[Installment(*r[1:]) for r in inst.get(key, empty).iter_rows()],
            charges=[Charge(r[0], *r[2:]) for r in charges.get(key, empty).iter_rows()],
            payments=[Payment(r[0], *r[2:]) for r in pays.get(key, empty).iter_rows()],
            as_of=as_of,
        )
        n += 1
    return n


def main(argv: list[str]) -> None:
    from faircollect.ledger.asof import book_view

    parser = argparse.ArgumentParser(prog="bench kernel")
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    book = _frames(sample_book(args.loans))
    with Timer() as col:
        view = book_view(book, UNTIL)
    with Timer() as sca:
        n = _scalar(book, UNTIL)
    assert n == view.height
    big_line = ""
    if args.big:
        big = _frames(sample_book(args.big))
        runs = []
        for _ in range(3):
            with Timer() as t:
                book_view(big, UNTIL)
            runs.append(t.seconds)
        big_line = (
            f"\nOn {args.big:,} loans ({big.installments.height:,} installments, "
            f"{big.payments.height:,} payments) the columnar kernel takes {min(runs):.2f} s "
            f"(best of 3; {args.big / min(runs):,.0f} loans/s). Memory of a whole run-day is in the "
            "next section (this process also held the books as raw text while reading them, so its "
            "peak says nothing about the kernel)."
        )
    body = (
        "## As-of kernel: columnar against scalar\n\n"
        f"Machine: {machine()}.\n\n"
        f"{args.loans:,} loans ({book.installments.height:,} installments), as of {UNTIL}, same process:\n\n"
        "| twin | seconds | loans/s | ratio |\n| --- | ---: | ---: | ---: |\n"
        f"| scalar (`domain.schedule.account_view`, one loan at a time) | {sca.seconds:.2f} | "
        f"{n / sca.seconds:,.0f} | 1.0 |\n"
        f"| columnar (`ledger.asof.book_view`, whole book) | {col.seconds:.2f} | "
        f"{n / col.seconds:,.0f} | {sca.seconds / col.seconds:.0f}x faster |\n"
        f"{big_line}\n"
    )
    write_section("kernel", body)
    console.print(body)
