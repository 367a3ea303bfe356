"""The as-of view of one account (``domain.schedule``), told as the business tells it.

Each story is a repayment schedule, the charges and payments on the account, and the
date we look at it. Schedules and payments are written as the lender's statements
show them, in yuan; the expected numbers are integer fen written as ``yuan_fen``
(``2140_00`` is 2,140.00 yuan), so each assertion reads like the statement line.

``STORIES`` is shared with ``test_ledger_asof.py``: the columnar twin must tell every
story with the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest

from faircollect.domain.schedule import (
    DEFAULT_BUCKET_EDGES,
    AccountView,
    Charge,
    Installment,
    InstallmentState,
    Payment,
    account_view,
    bucket_for,
    bucket_names,
    installment_states,
    paid_total,
)

# --------------------------------------------------------------------------- tables


def fen(yuan: str) -> int:
    """``"1060.00"`` -> 106000, exactly."""
    minor = Decimal(yuan) * 100
    assert minor == minor.to_integral_value(), yuan
    return int(minor)


def _rows(table: str) -> list[list[str]]:
    lines = [line.split() for line in table.strip().splitlines()]
    return lines[1:]  # the first line is the header


def schedule(table: str) -> tuple[Installment, ...]:
    """Columns: seq, due_date, principal, interest, fee."""
    return tuple(
        Installment(
            seq=int(seq),
            due_date=date.fromisoformat(due),
            principal_due=fen(principal),
            interest_due=fen(interest),
            fee_due=fen(fee),
        )
        for seq, due, principal, interest, fee in _rows(table)
    )


def charges(table: str) -> tuple[Charge, ...]:
    """Columns: id, seq, posted_on, amount, kind."""
    return tuple(
        Charge(
            charge_id=cid, seq=int(seq), posted_on=date.fromisoformat(posted), amount=fen(amount), kind=kind
        )
        for cid, seq, posted, amount, kind in _rows(table)
    )


def payments(table: str) -> tuple[Payment, ...]:
    """Columns: id, paid_on, amount, and optionally the id it reverses."""
    out = []
    for row in _rows(table):
        pid, paid_on, amount, *rest = row
        out.append(
            Payment(
                payment_id=pid,
                paid_on=date.fromisoformat(paid_on),
                amount=fen(amount),
                reverses=rest[0] if rest else None,
            )
        )
    return tuple(out)


# ------------------------------------------------------------------------ schedules

#: A three-month phone instalment plan, disbursed 2026-01-15; 3,120.00 owed in all.
THREE_MONTHS = schedule(
    """
    seq  due_date    principal  interest  fee
    1    2026-02-15  1000.00    60.00     0.00
    2    2026-03-15  1000.00    40.00     0.00
    3    2026-04-15  1000.00    20.00     0.00
    """
)

#: A two-month appliance plan with a 5.00 service fee on every installment.
WITH_FEES = schedule(
    """
    seq  due_date    principal  interest  fee
    1    2026-02-15  1000.00    60.00     5.00
    2    2026-03-15  1000.00    40.00     5.00
    """
)

#: A plan whose first month is a payment holiday: nothing is owed on it.
HOLIDAY = schedule(
    """
    seq  due_date    principal  interest  fee
    1    2026-02-15  0.00       0.00      0.00
    2    2026-03-15  1000.00    40.00     0.00
    """
)

#: One installment of 100.00 due on New Year's day, for walking through the buckets.
ONE_BULLET = schedule(
    """
    seq  due_date    principal  interest  fee
    1    2026-01-01  100.00     0.00      0.00
    """
)


@dataclass(frozen=True)
class Story:
    """One account on one day and what its export row must say."""

    installments: tuple[Installment, ...]
    as_of: date
    dpd: int
    bucket: str
    overdue_amount: int
    outstanding_total: int
    outstanding_principal: int
    paid_total: int
    status: str
    charges: tuple[Charge, ...] = ()
    payments: tuple[Payment, ...] = ()
    edges: tuple[int, ...] = field(default=DEFAULT_BUCKET_EDGES)

    @property
    def expected(self) -> AccountView:
        return AccountView(
            loan_id="L1",
            as_of=self.as_of,
            dpd=self.dpd,
            bucket=self.bucket,
            overdue_amount=self.overdue_amount,
            outstanding_total=self.outstanding_total,
            outstanding_principal=self.outstanding_principal,
            paid_total=self.paid_total,
            status=self.status,
        )


ON_TIME = payments(
    """
    id  paid_on     amount
    P1  2026-02-15  1060.00
    P2  2026-03-15  1040.00
    """
)
BOUNCED = payments(
    """
    id  paid_on     amount   reverses
    P1  2026-02-15  1060.00
    P2  2026-03-14  1040.00
    R2  2026-03-18  1040.00  P2
    """
)
LATE_FEE = charges(
    """
    id  seq  posted_on   amount  kind
    F1  1    2026-02-20  30.00   late_fee
    """
)
LATE_FEE_PART_WAIVED = charges(
    """
    id  seq  posted_on   amount  kind
    F1  1    2026-02-20  30.00   late_fee
    W1  1    2026-02-25  -10.00  waiver
    """
)
LATE_FEE_WAIVED = charges(
    """
    id  seq  posted_on   amount  kind
    F1  1    2026-02-20  30.00   late_fee
    W1  1    2026-02-25  -30.00  waiver
    """
)
PAID_MOST_OF_FIRST = payments(
    """
    id  paid_on     amount
    P1  2026-02-22  1060.00
    """
)


def _d(iso: str) -> date:
    return date.fromisoformat(iso)


STORY_LIST: list[tuple[str, Story]] = [
    (
        "on-time payer, five days after the second due date",
        Story(
            THREE_MONTHS, _d("2026-03-20"), 0, "M0", 0, 1020_00, 1000_00, 2100_00, "current", payments=ON_TIME
        ),
    ),
    (
        "on-time payer pays the last installment and is settled",
        Story(
            THREE_MONTHS,
            _d("2026-04-15"),
            0,
            "M0",
            0,
            0,
            0,
            3120_00,
            "settled",
            payments=(*ON_TIME, Payment("P3", _d("2026-04-15"), 1020_00)),
        ),
    ),
    (
        "partial payment of 35.00 covers the fee and 30.00 of interest, no principal",
        Story(
            WITH_FEES,
            _d("2026-02-20"),
            5,
            "M1",
            1030_00,
            2075_00,
            2000_00,
            35_00,
            "delinquent",
            payments=(Payment("P1", _d("2026-02-15"), 35_00),),
        ),
    ),
    (
        "partial payment of 500.00: fee 5.00, interest 60.00, then 435.00 of principal",
        Story(
            WITH_FEES,
            _d("2026-02-20"),
            5,
            "M1",
            565_00,
            1610_00,
            1565_00,
            500_00,
            "delinquent",
            payments=(Payment("P1", _d("2026-02-15"), 500_00),),
        ),
    ),
    (
        "prepayment of 1500.00 pays the first installment and 440.00 of the second",
        Story(
            THREE_MONTHS,
            _d("2026-02-15"),
            0,
            "M0",
            0,
            1620_00,
            1600_00,
            1500_00,
            "current",
            payments=(Payment("P1", _d("2026-02-10"), 1500_00),),
        ),
    ),
    (
        "the prepayment runs out: the rest of the second installment is overdue",
        Story(
            THREE_MONTHS,
            _d("2026-03-20"),
            5,
            "M1",
            600_00,
            1620_00,
            1600_00,
            1500_00,
            "delinquent",
            payments=(Payment("P1", _d("2026-02-10"), 1500_00),),
        ),
    ),
    (
        "bounced debit: the day before the reversal the payment still counts",
        Story(
            THREE_MONTHS, _d("2026-03-17"), 0, "M0", 0, 1020_00, 1000_00, 2100_00, "current", payments=BOUNCED
        ),
    ),
    (
        "bounced debit: on the reversal's own date the payment is gone",
        Story(
            THREE_MONTHS,
            _d("2026-03-18"),
            3,
            "M1",
            1040_00,
            2060_00,
            2000_00,
            1060_00,
            "delinquent",
            payments=BOUNCED,
        ),
    ),
    (
        "a late fee posted tomorrow does not count today",
        Story(
            THREE_MONTHS,
            _d("2026-02-19"),
            4,
            "M1",
            1060_00,
            3120_00,
            3000_00,
            0,
            "delinquent",
            charges=LATE_FEE,
        ),
    ),
    (
        "the late fee counts from the day it is posted",
        Story(
            THREE_MONTHS,
            _d("2026-02-20"),
            5,
            "M1",
            1090_00,
            3150_00,
            3000_00,
            0,
            "delinquent",
            charges=LATE_FEE,
        ),
    ),
    (
        "late fee before its waiver: the 1060.00 pays the fee first and leaves 30.00 of principal",
        Story(
            THREE_MONTHS,
            _d("2026-02-24"),
            9,
            "M1",
            30_00,
            2090_00,
            2030_00,
            1060_00,
            "delinquent",
            charges=LATE_FEE_PART_WAIVED,
            payments=PAID_MOST_OF_FIRST,
        ),
    ),
    (
        "10.00 of the late fee waived: 20.00 of principal still unpaid",
        Story(
            THREE_MONTHS,
            _d("2026-02-25"),
            10,
            "M1",
            20_00,
            2080_00,
            2020_00,
            1060_00,
            "delinquent",
            charges=LATE_FEE_PART_WAIVED,
            payments=PAID_MOST_OF_FIRST,
        ),
    ),
    (
        "late fee waived in full: the first installment is paid and the account current",
        Story(
            THREE_MONTHS,
            _d("2026-02-25"),
            0,
            "M0",
            0,
            2060_00,
            2000_00,
            1060_00,
            "current",
            charges=LATE_FEE_WAIVED,
            payments=PAID_MOST_OF_FIRST,
        ),
    ),
    (
        "an installment due today is not overdue today",
        Story(THREE_MONTHS, _d("2026-02-15"), 0, "M0", 0, 3120_00, 3000_00, 0, "current"),
    ),
    (
        "the day after its due date it is one day past due",
        Story(THREE_MONTHS, _d("2026-02-16"), 1, "M1", 1060_00, 3120_00, 3000_00, 0, "delinquent"),
    ),
    (
        "two installments missed: dpd counts from the oldest",
        Story(THREE_MONTHS, _d("2026-03-20"), 33, "M2", 2100_00, 3120_00, 3000_00, 0, "delinquent"),
    ),
    (
        "overpayment: nothing outstanding and paid above the 3120.00 owed",
        Story(
            THREE_MONTHS,
            _d("2026-05-01"),
            0,
            "M0",
            0,
            0,
            0,
            4000_00,
            "settled",
            payments=(Payment("P1", _d("2026-02-01"), 4000_00),),
        ),
    ),
    (
        "payment before disbursal, viewed before any due date",
        Story(
            THREE_MONTHS,
            _d("2026-01-20"),
            0,
            "M0",
            0,
            2620_00,
            2560_00,
            500_00,
            "current",
            payments=(Payment("P1", _d("2026-01-10"), 500_00),),
        ),
    ),
    (
        "viewed before the first payment and before any due date",
        Story(
            THREE_MONTHS,
            _d("2026-01-05"),
            0,
            "M0",
            0,
            3120_00,
            3000_00,
            0,
            "current",
            payments=(Payment("P1", _d("2026-01-10"), 500_00),),
        ),
    ),
    (
        "a payment holiday past its date is not overdue",
        Story(HOLIDAY, _d("2026-03-01"), 0, "M0", 0, 1040_00, 1000_00, 0, "current"),
    ),
    (
        "custom edges 7/30: eight days late is M2",
        Story(
            THREE_MONTHS, _d("2026-02-23"), 8, "M2", 1060_00, 3120_00, 3000_00, 0, "delinquent", edges=(7, 30)
        ),
    ),
]

DEFAULT_BUCKET_AT = {
    0: "M0",
    1: "M1",
    30: "M1",
    31: "M2",
    60: "M2",
    61: "M3",
    90: "M3",
    91: "M4",
    120: "M4",
    121: "M5",
    150: "M5",
    151: "M6",
    180: "M6",
    181: "M7+",
}
CUSTOM_EDGES = (7, 30, 90)
CUSTOM_BUCKET_AT = {0: "M0", 1: "M1", 7: "M1", 8: "M2", 30: "M2", 31: "M3", 90: "M3", 91: "M4+", 400: "M4+"}


def _bullet_story(dpd: int, bucket: str, edges: tuple[int, ...]) -> Story:
    late = dpd > 0
    return Story(
        ONE_BULLET,
        ONE_BULLET[0].due_date + timedelta(days=dpd),
        dpd,
        bucket,
        100_00 if late else 0,
        100_00,
        100_00,
        0,
        "delinquent" if late else "current",
        edges=edges,
    )


STORY_LIST += [
    (f"{dpd} days past due is {bucket}", _bullet_story(dpd, bucket, DEFAULT_BUCKET_EDGES))
    for dpd, bucket in DEFAULT_BUCKET_AT.items()
]
STORY_LIST += [
    (f"edges 7/30/90: {dpd} days past due is {bucket}", _bullet_story(dpd, bucket, CUSTOM_EDGES))
    for dpd, bucket in CUSTOM_BUCKET_AT.items()
]

STORIES = [pytest.param(story, id=name) for name, story in STORY_LIST]


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("story", STORIES)
def test_story(story: Story) -> None:
    view = account_view(
        loan_id="L1",
        installments=story.installments,
        charges=story.charges,
        payments=story.payments,
        as_of=story.as_of,
        edges=story.edges,
    )
    assert view == story.expected


@pytest.mark.parametrize(("dpd", "bucket"), list(DEFAULT_BUCKET_AT.items()))
def test_default_bucket_edges(dpd: int, bucket: str) -> None:
    assert bucket_for(dpd) == bucket


@pytest.mark.parametrize(("dpd", "bucket"), list(CUSTOM_BUCKET_AT.items()))
def test_custom_bucket_edges(dpd: int, bucket: str) -> None:
    assert bucket_for(dpd, CUSTOM_EDGES) == bucket


def test_bucket_names() -> None:
    assert bucket_names() == ["M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7+"]
    assert bucket_names(CUSTOM_EDGES) == ["M0", "M1", "M2", "M3", "M4+"]


def test_waterfall_inside_one_installment_fees_then_interest_then_principal() -> None:
    """WITH_FEES, first installment 5.00 fee + 60.00 interest + 1000.00 principal."""
    as_of = _d("2026-02-20")

    def first(paid: int) -> InstallmentState:
        return installment_states(WITH_FEES, (), paid, as_of)[0]

    assert first(3_00) == InstallmentState(1, _d("2026-02-15"), 1065_00, 1062_00, 1000_00, True)
    assert first(5_00) == InstallmentState(1, _d("2026-02-15"), 1065_00, 1060_00, 1000_00, True)
    assert first(35_00) == InstallmentState(1, _d("2026-02-15"), 1065_00, 1030_00, 1000_00, True)
    assert first(65_00) == InstallmentState(1, _d("2026-02-15"), 1065_00, 1000_00, 1000_00, True)
    assert first(65_01) == InstallmentState(1, _d("2026-02-15"), 1065_00, 999_99, 999_99, True)
    assert first(1065_00) == InstallmentState(1, _d("2026-02-15"), 1065_00, 0, 0, False)


def test_waterfall_pays_each_installment_in_full_before_the_next() -> None:
    as_of = _d("2026-02-20")
    states = installment_states(WITH_FEES, (), 1075_00, as_of)
    assert states == [
        InstallmentState(1, _d("2026-02-15"), 1065_00, 0, 0, False),
        # 10.00 left over: 5.00 fee, then 5.00 of the 40.00 interest, no principal
        InstallmentState(2, _d("2026-03-15"), 1045_00, 1035_00, 1000_00, False),
    ]


def test_charges_count_as_fees_in_the_waterfall() -> None:
    states = installment_states(THREE_MONTHS, LATE_FEE, 90_00, _d("2026-02-20"))
    # 30.00 late fee, then 60.00 interest: not a fen of principal
    assert states[0] == InstallmentState(1, _d("2026-02-15"), 1090_00, 1000_00, 1000_00, True)
    assert states[1] == InstallmentState(2, _d("2026-03-15"), 1040_00, 1040_00, 1000_00, False)


def test_paid_total_with_a_reversal_before_and_after_its_date() -> None:
    assert paid_total(BOUNCED, _d("2026-02-14")) == 0
    assert paid_total(BOUNCED, _d("2026-03-13")) == 1060_00
    assert paid_total(BOUNCED, _d("2026-03-14")) == 2100_00
    assert paid_total(BOUNCED, _d("2026-03-17")) == 2100_00
    assert paid_total(BOUNCED, _d("2026-03-18")) == 1060_00
    assert paid_total(BOUNCED, _d("2027-01-01")) == 1060_00


def test_reversal_on_the_same_day_as_the_payment_cancels_it_that_day() -> None:
    same_day = payments(
        """
        id  paid_on     amount   reverses
        P1  2026-02-15  1060.00
        R1  2026-02-15  1060.00  P1
        """
    )
    assert paid_total(same_day, _d("2026-02-14")) == 0
    assert paid_total(same_day, _d("2026-02-15")) == 0
    view = account_view(
        loan_id="L1", installments=THREE_MONTHS, charges=(), payments=same_day, as_of=_d("2026-02-16")
    )
    assert view == AccountView("L1", _d("2026-02-16"), 1, "M1", 1060_00, 3120_00, 3000_00, 0, "delinquent")


def test_all_zero_schedule_is_settled() -> None:
    view = account_view(
        loan_id="L1", installments=HOLIDAY[:1], charges=(), payments=(), as_of=_d("2026-03-01")
    )
    assert view == AccountView("L1", _d("2026-03-01"), 0, "M0", 0, 0, 0, 0, "settled")
