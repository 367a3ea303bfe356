"""Money as integer minor units. Parsed from decimal strings, never from floats."""

from __future__ import annotations

import re
from dataclasses import dataclass

from faircollect.domain.errors import CurrencyMismatch

#: Currencies of interchange v1: all have two minor digits.
CURRENCIES: frozenset[str] = frozenset({"CNY", "USD", "GBP", "EUR", "HKD"})
MINOR_DIGITS = 2

_AMOUNT = re.compile(r"^(-?)(\d+)(?:\.(\d{1,2}))?$")


class AmountFormatError(ValueError):
    """A string that is not an amount of interchange v1."""


def parse_minor(text: str, *, allow_negative: bool = False) -> int:
    """Parse a decimal string with at most two decimals into integer minor units.

    Refuses a third decimal, thousands separators, exponents, signs other than a
    leading minus (and that only when ``allow_negative``), and anything else.
    """
    match = _AMOUNT.match(text)
    if match is None:
        if re.match(r"^-?\d+\.\d{3,}$", text):
            raise AmountFormatError(f"{text!r} has more than two decimals")
        raise AmountFormatError(f"{text!r} is not a decimal amount like 1234.50")
    sign, whole, frac = match.groups()
    value = int(whole) * 100 + int((frac or "0").ljust(2, "0"))
    if sign:
        if not allow_negative:
            raise AmountFormatError(f"{text!r} is negative; only charges may be negative")
        value = -value
    return value


def format_minor(value: int) -> str:
    """Format integer minor units as a decimal string with exactly two decimals."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_grouped(value: int) -> str:
    """Minor units for people to read: thousands grouped, two decimals (``1,234,567.80``)."""
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 100)
    return f"{sign}{whole:,}.{frac:02d}"


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount in minor units of one currency. Mixing currencies raises."""

    minor: int
    currency: str

    @classmethod
    def parse(cls, text: str, currency: str, *, allow_negative: bool = False) -> Money:
        """Money from a decimal string."""
        return cls(parse_minor(text, allow_negative=allow_negative), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __str__(self) -> str:
        return f"{format_minor(self.minor)} {self.currency}"

    def decimal_str(self) -> str:
        """The amount as interchange writes it: exactly two decimals, no currency."""
        return format_minor(self.minor)
