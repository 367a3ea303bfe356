"""The files and columns of loan-book interchange v1 (``shared/spec/interchange.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """How a cell is read and checked."""

    ID = "id"
    TEXT = "text"
    AMOUNT = "amount"  # >= 0
    AMOUNT_SIGNED = "amount_signed"  # charges: a negative amount is a waiver
    AMOUNT_POSITIVE = "amount_positive"  # payments: > 0
    DATE = "date"
    COUNT = "count"  # a whole number >= 1
    PHONE = "phone"
    EMAIL = "email"
    REGION = "region"
    TIMEZONE = "timezone"
    LANGUAGE = "language"
    RELATION = "relation"
    BOOL = "bool"
    CURRENCY = "currency"
    RATE = "rate"
    CHARGE_KIND = "charge_kind"
    SENSITIVE = "sensitive"  # shown masked, never echoed in errors


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    kind: Kind
    required: bool
    default: str | None = None


@dataclass(frozen=True, slots=True)
class FileSpec:
    name: str
    required: bool
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, kind: Kind, required: bool = True, default: str | None = None) -> ColumnSpec:
    return ColumnSpec(name, kind, required, default)


RELATIONS = ("emergency", "spouse", "parent", "relative", "colleague", "friend", "other")
CHARGE_KINDS = ("late_fee", "penalty_interest", "waiver", "other")
LANGUAGES = ("zh", "en")
DEFAULT_TIMEZONE = "Asia/Shanghai"

FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "borrowers",
        True,
        ("borrower_id",),
        (
            _c("borrower_id", Kind.ID),
            _c("name", Kind.TEXT),
            _c("phone", Kind.PHONE),
            _c("email", Kind.EMAIL, False),
            _c("address", Kind.TEXT, False),
            _c("region", Kind.REGION, False),
            _c("timezone", Kind.TIMEZONE, False, DEFAULT_TIMEZONE),
            _c("language", Kind.LANGUAGE, False, "zh"),
            _c("id_number", Kind.SENSITIVE, False),
        ),
    ),
    FileSpec(
        "contacts",
        False,
        ("contact_id",),
        (
            _c("contact_id", Kind.ID),
            _c("borrower_id", Kind.ID),
            _c("name", Kind.TEXT),
            _c("phone", Kind.PHONE),
            _c("relation", Kind.RELATION),
            _c("consented", Kind.BOOL, False, "false"),
        ),
    ),
    FileSpec(
        "loans",
        True,
        ("loan_id",),
        (
            _c("loan_id", Kind.ID),
            _c("borrower_id", Kind.ID),
            _c("currency", Kind.CURRENCY),
            _c("principal", Kind.AMOUNT),
            _c("disbursed_on", Kind.DATE),
            _c("term", Kind.COUNT),
            _c("apr", Kind.RATE, False),
            _c("product", Kind.TEXT, False),
        ),
    ),
    FileSpec(
        "installments",
        True,
        ("loan_id", "seq"),
        (
            _c("loan_id", Kind.ID),
            _c("seq", Kind.COUNT),
            _c("due_date", Kind.DATE),
            _c("principal_due", Kind.AMOUNT),
            _c("interest_due", Kind.AMOUNT),
            _c("fee_due", Kind.AMOUNT, False, "0"),
        ),
    ),
    FileSpec(
        "charges",
        False,
        ("charge_id",),
        (
            _c("charge_id", Kind.ID),
            _c("loan_id", Kind.ID),
            _c("seq", Kind.COUNT),
            _c("posted_on", Kind.DATE),
            _c("amount", Kind.AMOUNT_SIGNED),
            _c("kind", Kind.CHARGE_KIND, False),
        ),
    ),
    FileSpec(
        "payments",
        True,
        ("payment_id",),
        (
            _c("payment_id", Kind.ID),
            _c("loan_id", Kind.ID),
            _c("paid_on", Kind.DATE),
            _c("amount", Kind.AMOUNT_POSITIVE),
            _c("reverses", Kind.ID, False),
        ),
    ),
)

FILE_BY_NAME: dict[str, FileSpec] = {f.name: f for f in FILES}


@dataclass(frozen=True, slots=True)
class RawTable:
    """One file as read: every cell a string (None when empty), plus ``__line``."""

    name: str  # spec name, e.g. "loans"
    label: str  # file name as the lender sent it, e.g. "loans.csv"
    frame: object  # a polars DataFrame; typed loosely to keep this module free of polars
    digest: str  # sha256 of the file's bytes
    line_word: str = "line"  # "row" for Parquet


@dataclass(frozen=True, slots=True)
class RawBook:
    """A folder as read: its tables, the problems found while reading, and warnings."""

    folder: str
    tables: dict[str, RawTable]
    problems: list[tuple[str, int | None, str | None, str]]
    warnings: list[str]
