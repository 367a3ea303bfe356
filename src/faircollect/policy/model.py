"""The gate's records: the request it is asked and the decision it answers (spec/policy.md).

All records are immutable. Times are timezone-aware; amounts are integer minor
units; absent lists are empty tuples, absent flags false. ``HistoryEntry`` is a
``NamedTuple`` rather than a frozen dataclass: a request carries up to dozens of
them and the daily cycle asks about every proposed action of the book, so their
construction cost matters (a third of a frozen dataclass's); it is just as
immutable and typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple

CHANNELS: tuple[str, ...] = (
    "call",
    "sms",
    "push",
    "email",
    "letter",
    "lawyer_letter",
    "lawsuit",
    "field_visit",
)
ROLES: tuple[str, ...] = ("borrower", "guarantor", "contact", "third_party")
PURPOSES: tuple[str, ...] = (
    "collect",
    "locate",
    "relay",
    "plan_reminder",
    "complaint_reply",
    "cease_ack",
    "remedy_notice",
)
OUTCOMES: tuple[str, ...] = ("connected", "no_answer", "busy", "voicemail", "invalid", "sent", "delivered")
PLANS: tuple[str, ...] = ("none", "active", "broken")
AGENCY_STATUSES: tuple[str, ...] = ("active", "suspended")
FLAGS: tuple[str, ...] = (
    "lost_contact",
    "phone_invalid",
    "malicious_default",
    "deceased",
    "incapacitated",
    "cease_contact",
    "attorney_represented",
    "breathing_space",
    "vulnerable",
)
CONSENT_KINDS: tuple[str, ...] = ("field_visit",)
APPROVAL_KINDS: tuple[str, ...] = ("field_visit", "lawyer_letter", "lawsuit")
APPROVAL_ROLES: tuple[str, ...] = ("compliance", "legal")
EFFECTS: tuple[str, ...] = ("allow", "review", "deny")


@dataclass(frozen=True, slots=True)
class Window:
    """A daily window of local wall-clock time: ``start`` is inside, ``end`` outside.

    A window whose end is earlier than its start runs over midnight (20:00-02:00).
    """

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def minutes(self) -> frozenset[int]:
        """The minutes of the day inside the window (for comparing windows)."""
        first = self.start.hour * 60 + self.start.minute
        last = self.end.hour * 60 + self.end.minute
        if first < last:
            return frozenset(range(first, last))
        return frozenset(range(first, 24 * 60)) | frozenset(range(last))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class Recipient:
    role: str
    id: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Agent:
    id: str | None = None
    trained_on: date | None = None


@dataclass(frozen=True, slots=True)
class Agency:
    id: str | None = None
    status: str | None = None
    evaluated_on: date | None = None


@dataclass(frozen=True, slots=True)
class Action:
    channel: str
    recipient: Recipient
    purpose: str = "collect"
    text: str | None = None
    amount_stated: int | None = None
    agents: tuple[Agent, ...] = ()
    agency: Agency | None = None


@dataclass(frozen=True, slots=True)
class Consent:
    kind: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Borrower:
    timezone: str | None = None
    flags: frozenset[str] = frozenset()
    opt_outs: frozenset[str] = frozenset()
    contact_hours_agreed: Window | None = None
    consents: tuple[Consent, ...] = ()


@dataclass(frozen=True, slots=True)
class Contact:
    relation: str | None = None
    refused: bool = False


@dataclass(frozen=True, slots=True)
class Account:
    dpd: int | None = None
    overdue_amount: int | None = None
    outstanding_total: int | None = None
    lawful_max: int | None = None
    currency: str | None = None
    time_barred: bool = False


@dataclass(frozen=True, slots=True)
class Cases:
    complaint_open: bool = False
    dispute_open: bool = False
    plan: str = "none"
    legal_procedure: bool = False
    forbearance_offered: bool = False


class HistoryEntry(NamedTuple):
    """One earlier action about the account's borrower."""

    channel: str
    at: datetime
    recipient_role: str | None = None
    recipient_id: str | None = None
    phone: str | None = None
    purpose: str = "collect"
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class Approval:
    kind: str
    role: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """One question to the gate: may this action happen at ``now``?"""

    now: datetime
    action: Action
    pack: str | None = None
    borrower: Borrower = Borrower()
    contact: Contact = Contact()
    account: Account = Account()
    cases: Cases = Cases()
    history: tuple[HistoryEntry, ...] = ()
    approvals: tuple[Approval, ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that denied or asked for review, with its reason in both languages."""

    id: str
    effect: str  # "deny" | "review"
    reason: Reason

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "effect": self.effect, "reason": {"zh": self.reason.zh, "en": self.reason.en}}


def format_instant(moment: datetime) -> str:
    """An instant as the answer writes it: UTC, ``Z``, seconds (microseconds only when there are any)."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer. ``effect`` is the spec's ``decision``: allow, review or deny."""

    effect: str
    rules: tuple[RuleHit, ...]
    next_allowed_at: datetime | None
    pack: str
    pack_version: str

    def to_json(self) -> dict[str, Any]:
        """Exactly the spec's answer, keys in the spec's order."""
        return {
            "decision": self.effect,
            "rules": [hit.to_json() for hit in self.rules],
            "next_allowed_at": None if self.next_allowed_at is None else format_instant(self.next_allowed_at),
            "pack": self.pack,
            "pack_version": self.pack_version,
        }
