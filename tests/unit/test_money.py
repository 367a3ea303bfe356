"""Money is integer minor units, parsed from decimal strings and never from floats."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faircollect.domain.errors import CurrencyMismatch
from faircollect.domain.money import AmountFormatError, Money, format_grouped, format_minor, parse_minor


@pytest.mark.parametrize(
    ("text", "minor"),
    [("1234.5", 123450), ("1234.50", 123450), ("0.01", 1), ("0", 0), ("7", 700), ("000012.30", 1230)],
)
def test_amounts_of_the_interchange_format(text: str, minor: int) -> None:
    assert parse_minor(text) == minor


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1.234", "more than two decimals"),
        ("1,234.00", "not a decimal amount"),
        ("1e3", "not a decimal amount"),
        ("abc", "not a decimal amount"),
        ("", "not a decimal amount"),
        (".5", "not a decimal amount"),
        ("+5", "not a decimal amount"),
        ("5.", "not a decimal amount"),
        ("-5.00", "only charges may be negative"),
    ],
)
def test_what_is_not_an_amount(text: str, reason: str) -> None:
    with pytest.raises(AmountFormatError, match=reason):
        parse_minor(text)


def test_charges_may_be_negative() -> None:
    assert parse_minor("-10.00", allow_negative=True) == -1000


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_format_and_parse_round_trip(minor: int) -> None:
    text = format_minor(minor)
    assert text.split(".")[1].__len__() == 2
    assert parse_minor(text, allow_negative=True) == minor


def test_grouped_for_people() -> None:
    assert format_grouped(123456780) == "1,234,567.80"
    assert format_grouped(-5) == "-0.05"


def test_mixing_currencies_raises() -> None:
    assert Money(100, "CNY") + Money(250, "CNY") == Money(350, "CNY")
    assert str(Money.parse("12.3", "USD")) == "12.30 USD"
    with pytest.raises(CurrencyMismatch):
        _ = Money(100, "CNY") + Money(100, "USD")
