"""Payment and charge histories of many loans at once, from their hidden behaviours.

How it works, for a block of loans:

1. Every behaviour proposes payment events for every installment, held in
   (loans x installments x pieces) arrays, amounts covering the schedule only.
2. The events are sorted per loan and run through the interchange waterfall
   (cumulative paid against cumulative scheduled) to find the day each
   installment is paid in full, if ever.
3. Late fees, penalty interest and waivers follow from those days; each is
   posted on or before the day its installment is paid in full, and that
   day's payment is raised by them, so the waterfall with charges completes
   each installment on the same day as without.
4. Events after ``history_until`` are dropped; about 1% of payments bounce
   (a reversing row), and most bounced borrowers pay again a few days later.

Only loops over the installment index occur; everything else is vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faircollect.samplebook.catalogue import BEHAVIOURS
from faircollect.samplebook.sampling import BoolArray, FloatArray, IntArray
from faircollect.samplebook.schedules import Schedules

ON_TIME, LATE_THEN_CURE, PARTIAL, STOPS_PAYING, PREPAYS, CHAOTIC = (
    BEHAVIOURS.index(name)
    for name in ("on_time", "late_then_cure", "partial", "stops_paying", "prepays", "chaotic")
)

#: Payment events an installment may receive (e.g. a partial payer's pieces).
_PIECES = 3
#: A late fee is posted this many days after the due date if the installment is still unpaid then.
LATE_FEE_DAY = 3
_LATE_FEE_RATE = 0.05
_LATE_FEE_MIN = 1_000
_LATE_FEE_MAX = 5_000
#: Penalty interest per day on the overdue principal (罚息, 0.05% a day).
_PENALTY_DAILY = 0.0005
_WAIVER_SHARE = 0.06
_BOUNCE_BASE = 0.0085
_REPAY_AFTER_BOUNCE = 0.7
#: Beyond any amount a loan can be paid: separates loans in the combined waterfall key.
_LOAN_STRIDE = np.int64(1) << np.int64(40)
#: A day no event reaches ("never").
NEVER = np.int64(1) << np.int64(40)

KIND_LATE_FEE, KIND_PENALTY, KIND_WAIVER = 0, 1, 2
CHARGE_KINDS: tuple[str, ...] = ("late_fee", "penalty_interest", "waiver")


@dataclass(frozen=True, slots=True)
class Payments:
    """Rows of payments.csv for the block, in file order (loan, paid_on, payment before its reversal)."""

    loan: IntArray
    paid_on: IntArray
    amount: IntArray
    #: Position (in these arrays) of the payment a row reverses, or -1.
    reverses: IntArray


@dataclass(frozen=True, slots=True)
class Charges:
    """Rows of charges.csv for the block, in file order (loan, posted_on, seq, kind)."""

    loan: IntArray
    seq: IntArray
    posted_on: IntArray
    amount: IntArray
    kind: IntArray


@dataclass(frozen=True, slots=True)
class History:
    payments: Payments
    charges: Charges


@dataclass(slots=True)
class _Events:
    """Proposed payments, indexed [piece, installment, loan]; an amount of 0 is no payment."""

    day: IntArray
    amount: IntArray

    def put(self, j: int, piece: int, where: BoolArray, day: IntArray, amount: IntArray) -> None:
        self.day[piece, j, where] = day[where]
        self.amount[piece, j, where] = amount[where]


def _propose(
    rng: np.random.Generator, schedules: Schedules, term: IntArray, behaviour: IntArray, risk: FloatArray
) -> _Events:
    """Step 1: the payment events each behaviour intends (schedule amounts only, no charges)."""
    count, width = schedules.due.shape
    rows = np.arange(count)
    due, owed, valid = schedules.due, schedules.total, schedules.valid
    events = _Events(
        day=np.zeros((_PIECES, width, count), dtype=np.int64),
        amount=np.zeros((_PIECES, width, count), dtype=np.int64),
    )
    is_on_time = behaviour == ON_TIME
    is_late = behaviour == LATE_THEN_CURE
    is_partial = behaviour == PARTIAL
    is_stop = behaviour == STOPS_PAYING
    is_prepay = behaviour == PREPAYS
    is_chaotic = behaviour == CHAOTIC

    # Per-loan traits. Riskier people are later, stop sooner, fall short more often.
    lateness = np.clip(np.exp(rng.normal(np.log(5.0) + 0.45 * risk, 0.55)), 1.0, 75.0)
    stop_at = np.minimum(
        (term * rng.beta(1.3, 2.2, size=count) * np.exp(-0.25 * risk)).astype(np.int64), term - 1
    )
    prepay_at = rng.integers(1, np.maximum(term, 2))
    short_share = np.clip(0.08 + 0.06 * risk, 0.02, 0.35)
    skip_share = np.clip(rng.uniform(0.1, 0.35, size=count) + 0.05 * risk, 0.05, 0.6)

    remaining = np.cumsum(owed[:, ::-1], axis=1)[:, ::-1]  # owed on installments j.. term
    prepay_from = due[rows, prepay_at - 1]
    prepay_gap = due[rows, np.minimum(prepay_at, width - 1)] - prepay_from
    prepay_day = prepay_from + 1 + (rng.random(count) * np.maximum(prepay_gap - 1, 1)).astype(np.int64)
    prepay_sum = remaining[rows, np.minimum(prepay_at, width - 1)]

    last_day = np.zeros(count, dtype=np.int64)
    carry = np.zeros(count, dtype=np.int64)
    for j in range(width):
        active = valid[:, j]
        d, amount = due[:, j], owed[:, j]

        # Punctual habit: autopay on the due date, or a few days early; rarely a short slip.
        u = rng.random(count)
        punctual = np.where(
            u < 0.6,
            0,
            np.where(u < 0.96, -rng.integers(1, 6, size=count), rng.integers(1, 3, size=count)),
        )
        punctual = np.where(rng.random(count) < 0.01, rng.integers(3, 15, size=count), punctual)

        # Habitual lateness, cured each time; about one installment in five on time anyway.
        late_by = np.maximum(1, np.rint(lateness * rng.gamma(2.0, 0.5, size=count))).astype(np.int64)
        late_by = np.where(rng.random(count) < 0.2, 0, late_by)

        # Who pays this installment in one go, and when.
        ramp = 0.3 + 1.4 * (j + 1) / np.maximum(stop_at, 1)
        slipping = np.rint(lateness * ramp * rng.gamma(2.0, 0.5, size=count)).astype(np.int64) - 3
        single_day = np.select(
            [is_on_time, is_late, is_stop, is_prepay],
            [d + punctual, d + late_by, d + np.maximum(slipping, -2), d + np.minimum(punctual, 0)],
            default=d,
        )
        single_day = np.maximum(single_day, last_day)
        single = active & (is_on_time | is_late | (is_stop & (j < stop_at)) | (is_prepay & (j < prepay_at)))
        events.put(j, 0, single, single_day, amount)
        last_day = np.where(single, single_day, last_day)

        # Prepayment: everything still scheduled, once, between two due dates.
        lump = active & is_prepay & (j == prepay_at)
        lump_day = np.maximum(prepay_day, last_day)
        events.put(j, 0, lump, lump_day, prepay_sum)
        last_day = np.where(lump, lump_day, last_day)

        # After stopping: now and then a small payment to a collector's call.
        token = active & is_stop & (j >= stop_at) & (j < stop_at + 3) & (rng.random(count) < 0.2)
        token_day = np.maximum(d + rng.integers(10, 60, size=count), last_day)
        token_amount = np.maximum(1, (amount * rng.uniform(0.1, 0.5, size=count)).astype(np.int64))
        events.put(j, 0, token, token_day, token_amount)
        last_day = np.where(token, token_day, last_day)

        # Partial payers: two or three pieces; sometimes the last piece never comes
        # (it may be caught up with the next installment).
        part = active & is_partial
        first = np.maximum(1, (amount * rng.uniform(0.3, 0.7, size=count)).astype(np.int64))
        rest = amount - first + carry
        three = (rng.random(count) < 0.35) & (rest >= 2)
        second = np.where(three, rest // 2, rest)
        third = np.where(three, rest - rest // 2, 0)
        day1 = np.maximum(d + rng.integers(-3, 4, size=count), last_day)
        day2 = np.maximum(d + rng.integers(3, 21, size=count), day1)
        day3 = np.maximum(day2 + rng.integers(2, 12, size=count), day2)
        short = rng.random(count) < short_share
        missing = np.where(three, third, second)
        events.put(j, 0, part, day1, first)
        events.put(j, 1, part & (~short | three), day2, second)
        events.put(j, 2, part & three & ~short, day3, third)
        paid_last = np.where(three & ~short, day3, np.where(~short | three, day2, day1))
        last_day = np.where(part, paid_last, last_day)
        caught_up = rng.random(count) < 0.6
        carry = np.where(part, np.where(short & caught_up, missing, 0), carry)

        # Chaotic: skips some, pays odd amounts at odd times, sometimes twice.
        pays = active & is_chaotic & (rng.random(count) >= skip_share)
        odd_amount = np.maximum(1, np.rint(amount * rng.uniform(0.3, 1.6, size=count))).astype(np.int64)
        odd_day = d + rng.integers(-5, 50, size=count)
        events.put(j, 0, pays, odd_day, odd_amount)
        again = pays & (rng.random(count) < 0.2)
        again_amount = np.maximum(1, np.rint(amount * rng.uniform(0.2, 0.8, size=count))).astype(np.int64)
        events.put(j, 1, again, odd_day + rng.integers(3, 30, size=count), again_amount)
    return events


def _charges_and_completion(
    rng: np.random.Generator,
    schedules: Schedules,
    has_penalty: BoolArray,
    loan: IntArray,
    day: IntArray,
    amount: IntArray,
    history_until: int,
) -> tuple[Charges, IntArray]:
    """Steps 2 and 3: the day each installment is paid in full, and the charges that follow.

    ``loan``, ``day``, ``amount`` are the events sorted by (loan, day). Returns the
    charges and, per event, the amount of charges its payment also covers.
    """
    count, width = schedules.due.shape
    due, valid = schedules.due, schedules.valid
    # Cumulative paid per loan, as one increasing key over the whole block.
    running = np.cumsum(amount)
    starts = np.searchsorted(loan, np.arange(count), side="left")
    before = np.concatenate(([0], running))[starts]
    key = loan * _LOAN_STRIDE + (running - before[loan])
    owed_through = np.cumsum(schedules.total, axis=1)
    wanted = (np.arange(count, dtype=np.int64) * _LOAN_STRIDE)[:, None] + owed_through
    at = np.searchsorted(key, wanted.ravel(), side="left").reshape(count, width)
    if len(key):
        clipped = np.minimum(at, len(key) - 1)
        found = valid & (at < len(key)) & (loan[clipped] == np.arange(count)[:, None])
        paid_in_full = np.where(found, day[clipped], NEVER)
    else:
        found = np.zeros_like(valid)
        paid_in_full = np.full(valid.shape, NEVER, dtype=np.int64)

    fee_day = due + LATE_FEE_DAY
    late = valid & (paid_in_full >= fee_day) & (fee_day <= history_until)
    late_fee = np.clip(np.rint(schedules.total * _LATE_FEE_RATE), _LATE_FEE_MIN, _LATE_FEE_MAX).astype(
        np.int64
    )
    cured = late & (paid_in_full <= history_until)
    penalised = has_penalty[:, None]
    # Penalty interest is posted every 30 days an installment stays unpaid (up to three times),
    # whatever happens later: a charge says only what was known on the day it is posted.
    monthly_penalty = np.maximum(1, np.rint(schedules.principal * _PENALTY_DAILY * 30).astype(np.int64))
    monthly_rows: list[tuple[BoolArray, IntArray, IntArray, int]] = []
    monthly_posted = np.zeros((count, width), dtype=np.int64)
    for month in (1, 2, 3):
        posted = due + 30 * month
        unpaid_then = penalised & valid & (paid_in_full > posted) & (posted <= history_until)
        monthly_rows.append((unpaid_then, posted, monthly_penalty, KIND_PENALTY))
        monthly_posted += np.where(unpaid_then, monthly_penalty, 0)
    # On the day it is paid in full, the rest of the penalty for every day it was late.
    penalty_amount = (
        np.maximum(1, np.rint(schedules.principal * _PENALTY_DAILY * (paid_in_full - due)).astype(np.int64))
        - monthly_posted
    )
    penalty_on_cure = penalised & cured & (penalty_amount >= 1)
    waived = cured & (rng.random((count, width)) < _WAIVER_SHARE)
    waiver = -np.where(rng.random((count, width)) < 0.7, late_fee, late_fee // 2)

    rows: list[tuple[BoolArray, IntArray, IntArray, int]] = [
        (late, fee_day, late_fee, KIND_LATE_FEE),
        (penalty_on_cure, paid_in_full, penalty_amount, KIND_PENALTY),
        (waived, paid_in_full, waiver, KIND_WAIVER),
        *monthly_rows,
    ]

    # Charges posted on or before the payoff day ride on the payment of that day.
    riding = np.where(late, late_fee, 0) + np.where(penalty_on_cure, penalty_amount, 0)
    riding = riding + np.where(waived, waiver, 0) + monthly_posted
    extra = np.zeros(len(amount), dtype=np.int64)
    np.add.at(extra, at[found], riding[found])

    parts_loan, parts_seq, parts_day, parts_amount, parts_kind = [], [], [], [], []
    for mask, posted_on, value, kind in rows:
        li, sj = np.nonzero(mask)
        parts_loan.append(li.astype(np.int64))
        parts_seq.append(sj.astype(np.int64) + 1)
        parts_day.append(posted_on[li, sj])
        parts_amount.append(value[li, sj])
        parts_kind.append(np.full(len(li), kind, dtype=np.int64))
    c_loan = np.concatenate(parts_loan)
    c_seq = np.concatenate(parts_seq)
    c_day = np.concatenate(parts_day)
    c_amount = np.concatenate(parts_amount)
    c_kind = np.concatenate(parts_kind)
    order = np.lexsort((c_kind, c_seq, c_day, c_loan))
    charges = Charges(
        loan=c_loan[order],
        seq=c_seq[order],
        posted_on=c_day[order],
        amount=c_amount[order],
        kind=c_kind[order],
    )
    return charges, extra


def _bounce(
    rng: np.random.Generator,
    loan: IntArray,
    day: IntArray,
    amount: IntArray,
    risk: FloatArray,
    history_until: int,
) -> Payments:
    """Step 4: bounced debits (reversing rows) and the payments made again after them."""
    count = len(loan)
    chance = np.clip(_BOUNCE_BASE * np.exp(0.6 * risk[loan]), 0.0, 0.08)
    bounced = np.flatnonzero(rng.random(count) < chance)
    reversal_day = np.minimum(day[bounced] + rng.integers(0, 4, size=len(bounced)), history_until)
    again_day = reversal_day + rng.integers(1, 8, size=len(bounced))
    again = (rng.random(len(bounced)) < _REPAY_AFTER_BOUNCE) & (again_day <= history_until)
    repaid = bounced[again]

    all_loan = np.concatenate((loan, loan[bounced], loan[repaid]))
    all_day = np.concatenate((day, reversal_day, again_day[again]))
    all_amount = np.concatenate((amount, amount[bounced], amount[repaid]))
    kind = np.concatenate(
        (np.zeros(count, np.int64), np.ones(len(bounced), np.int64), np.full(len(repaid), 2, np.int64))
    )
    origin = np.concatenate((np.arange(count), bounced, repaid))
    order = np.lexsort((origin, kind, all_day, all_loan))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    reverses = np.full(len(order), -1, dtype=np.int64)
    reverses[count : count + len(bounced)] = position[bounced]
    return Payments(
        loan=all_loan[order],
        paid_on=all_day[order],
        amount=all_amount[order],
        reverses=reverses[order],
    )


def simulate(
    rng: np.random.Generator,
    *,
    schedules: Schedules,
    term: IntArray,
    behaviour: IntArray,
    risk: FloatArray,
    has_penalty: BoolArray,
    history_until: int,
) -> History:
    """Payments and charges of a block of loans up to ``history_until`` (days since 1970-01-01)."""
    events = _propose(rng, schedules, term, behaviour, risk)
    piece, j, loan = np.nonzero(events.amount > 0)
    day = events.day[piece, j, loan]
    amount = events.amount[piece, j, loan]
    loan = loan.astype(np.int64)
    order = np.lexsort((piece, j, day, loan))  # on one day: installment order, then piece order
    loan, day, amount = loan[order], day[order], amount[order]

    charges, extra = _charges_and_completion(rng, schedules, has_penalty, loan, day, amount, history_until)
    amount = amount + extra
    seen = day <= history_until
    payments = _bounce(rng, loan[seen], day[seen], amount[seen], risk, history_until)
    return History(payments=payments, charges=charges)
