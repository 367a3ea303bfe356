"""Write a seeded sample loan book in interchange format v1 (see spec/interchange.md).

The book is built in blocks of ``BLOCK_LOANS`` loans; each block draws from its
own random streams, seeded from (seed, block number), and is appended to the
six CSV files. The same arguments therefore give byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from faircollect.samplebook import history, loans, people, schedules
from faircollect.samplebook.catalogue import BEHAVIOURS, PRODUCTS, TWO_LOAN_SHARE
from faircollect.samplebook.sampling import amounts, dates, ids_for, pick

#: Loans per block. Part of the recipe: changing it changes the books a seed gives.
BLOCK_LOANS = 100_000

FILES: tuple[str, ...] = (
    "borrowers.csv",
    "contacts.csv",
    "loans.csv",
    "installments.csv",
    "charges.csv",
    "payments.csv",
)

#: ``progress(stage, done, total)``: ``done`` of ``total`` loans are written; ``stage`` says what runs now.
Progress = Callable[[str, int, int], None]

_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class BookStats:
    """Row counts of a generated book, and how many loans follow each hidden behaviour."""

    borrowers: int
    loans: int
    installments: int
    #: Rows of payments.csv that are payments (reversing rows are counted in ``reversals``).
    payments: int
    reversals: int
    charges: int
    contacts: int
    behaviours: Mapping[str, int] = field(default_factory=dict, hash=False)


@dataclass(slots=True)
class _Counters:
    borrowers: int = 0
    contacts: int = 0
    loans: int = 0
    installments: int = 0
    payments: int = 0
    reversals: int = 0
    charges: int = 0
    behaviours: list[int] = field(default_factory=lambda: [0] * len(BEHAVIOURS))


def _day_number(day: date) -> int:
    return (day - _EPOCH).days


def _loans_per_borrower(
    rng: np.random.Generator, loans_wanted: int
) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
    """1 or 2 loans per borrower, adding up to exactly ``loans_wanted``."""
    draws = 1 + (rng.random(loans_wanted) < TWO_LOAN_SHARE).astype(np.int64)
    running = np.cumsum(draws)
    borrowers = int(np.searchsorted(running, loans_wanted, side="left")) + 1
    counts = draws[:borrowers].copy()
    counts[-1] -= int(running[borrowers - 1]) - loans_wanted
    return counts


def _block(
    seed: int,
    block: int,
    size: int,
    counters: _Counters,
    first_day: int,
    last_day: int,
    reference: date,
    report: Callable[[str], None],
) -> dict[str, pl.DataFrame]:
    """The rows of one block for every file; advances ``counters``."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, block]).spawn(5)]
    r_people, r_contacts, r_loans, r_history, r_split = streams

    report("borrowers")
    per_borrower = _loans_per_borrower(r_split, size)
    borrower_frame, surnames = people.borrowers(
        r_people, first_number=counters.borrowers + 1, count=len(per_borrower), reference=reference
    )
    borrower_ids = borrower_frame["borrower_id"]
    contact_frame = people.contacts(
        r_contacts,
        first_number=counters.contacts + 1,
        borrower_ids=borrower_ids,
        borrower_phones=borrower_frame["phone"],
        surnames=surnames,
    )
    borrower_risk = r_split.standard_normal(len(per_borrower))

    report("schedules")
    terms = loans.draw(
        r_loans,
        borrower_risk=borrower_risk,
        loans_per_borrower=per_borrower,
        first_day=first_day,
        last_day=last_day,
    )
    plan = schedules.build(
        disbursed=terms.disbursed,
        term=terms.term,
        principal=terms.principal,
        apr_bp=terms.apr_bp,
        equal_principal=terms.equal_principal,
        monthly_fee=terms.monthly_fee,
    )
    loan_ids = ids_for("L", np.arange(counters.loans + 1, counters.loans + size + 1), 7)
    loan_frame = pl.DataFrame(
        {
            "loan_id": loan_ids,
            "borrower_id": borrower_ids.gather(terms.borrower),
            "currency": pl.Series(["CNY"] * size, dtype=pl.String),
            "principal": amounts(terms.principal),
            "disbursed_on": dates(terms.disbursed),
            "term": pl.Series(terms.term, dtype=pl.Int64),
            "apr": "0." + pl.Series(terms.apr_bp).cast(pl.String).str.zfill(4),
            "product": pick([p.name for p in PRODUCTS], terms.product),
        }
    )
    li, sj = np.nonzero(plan.valid)
    installment_frame = pl.DataFrame(
        {
            "loan_id": loan_ids.gather(li),
            "seq": pl.Series(sj + 1, dtype=pl.Int64),
            "due_date": dates(plan.due[li, sj]),
            "principal_due": amounts(plan.principal[li, sj]),
            "interest_due": amounts(plan.interest[li, sj]),
            "fee_due": amounts(plan.fee[li, sj]),
        }
    )

    report("payments")
    book = history.simulate(
        r_history,
        schedules=plan,
        term=terms.term,
        behaviour=terms.behaviour,
        risk=terms.risk,
        has_penalty=terms.has_penalty,
        history_until=last_day,
    )
    c = book.charges
    charge_frame = pl.DataFrame(
        {
            "charge_id": ids_for("F", np.arange(counters.charges + 1, counters.charges + len(c.loan) + 1), 7),
            "loan_id": loan_ids.gather(c.loan),
            "seq": pl.Series(c.seq, dtype=pl.Int64),
            "posted_on": dates(c.posted_on),
            "amount": amounts(c.amount),
            "kind": pick(history.CHARGE_KINDS, c.kind),
        }
    )
    p = book.payments
    first_payment = counters.payments + counters.reversals + 1
    payment_frame = pl.DataFrame(
        {
            "payment_id": ids_for("P", np.arange(first_payment, first_payment + len(p.loan)), 8),
            "loan_id": loan_ids.gather(p.loan),
            "paid_on": dates(p.paid_on),
            "amount": amounts(p.amount),
            "reverses": ids_for("P", first_payment + np.maximum(p.reverses, 0), 8),
            "is_reversal": pl.Series(p.reverses >= 0),
        }
    ).select(
        "payment_id",
        "loan_id",
        "paid_on",
        "amount",
        pl.when(pl.col("is_reversal")).then(pl.col("reverses")).alias("reverses"),
    )

    reversals = int((p.reverses >= 0).sum())
    counters.borrowers += len(per_borrower)
    counters.contacts += contact_frame.height
    counters.loans += size
    counters.installments += installment_frame.height
    counters.payments += len(p.loan) - reversals
    counters.reversals += reversals
    counters.charges += charge_frame.height
    for index, n in enumerate(np.bincount(terms.behaviour, minlength=len(BEHAVIOURS)).tolist()):
        counters.behaviours[index] += n
    return {
        "borrowers.csv": borrower_frame,
        "contacts.csv": contact_frame,
        "loans.csv": loan_frame,
        "installments.csv": installment_frame,
        "charges.csv": charge_frame,
        "payments.csv": payment_frame,
    }


def generate_book(
    out_dir: Path,
    *,
    loans: int,
    seed: int,
    first_disbursal: date,
    history_until: date,
    progress: Progress | None = None,
) -> BookStats:
    """Write a sample book of ``loans`` loans into ``out_dir`` and return its counts.

    Loans are disbursed between ``first_disbursal`` and ``history_until``; payments
    and charges run up to ``history_until``, schedules beyond it. Existing files of
    the same names are replaced.
    """
    if loans < 1:
        raise ValueError("a sample book needs at least one loan")
    if seed < 0:
        raise ValueError("the seed must be a non-negative integer")
    if first_disbursal > history_until:
        raise ValueError("first_disbursal must not be after history_until")
    out_dir.mkdir(parents=True, exist_ok=True)
    first_day, last_day = _day_number(first_disbursal), _day_number(history_until)
    counters = _Counters()
    with ExitStack() as stack:
        handles: dict[str, BinaryIO] = {
            name: stack.enter_context((out_dir / name).open("wb")) for name in FILES
        }
        for block, start in enumerate(range(0, loans, BLOCK_LOANS)):
            size = min(BLOCK_LOANS, loans - start)

            def report(stage: str, done: int = start) -> None:
                if progress is not None:
                    progress(stage, done, loans)

            frames = _block(seed, block, size, counters, first_day, last_day, first_disbursal, report)
            report("writing")
            for name in FILES:
                frames[name].write_csv(handles[name], include_header=block == 0)
            del frames
    if progress is not None:
        progress("done", loans, loans)
    return BookStats(
        borrowers=counters.borrowers,
        loans=counters.loans,
        installments=counters.installments,
        payments=counters.payments,
        reversals=counters.reversals,
        charges=counters.charges,
        contacts=counters.contacts,
        behaviours=dict(zip(BEHAVIOURS, counters.behaviours, strict=True)),
    )
