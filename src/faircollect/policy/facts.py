"""The closed vocabulary of facts a rule may ask about a request at an instant.

A fact is computed on first use and kept for the rest of the evaluation, so a
rule that never reaches it costs nothing. Clock facts are in the borrower's
IANA timezone (the request's, else the pack's default), never the server's:
``local_time`` and "today" are the local wall clock and date at the instant.

Facts are asked at ``at`` with the history as it stood at ``cutoff`` (the
request's ``now``). ``at`` equals ``cutoff`` for the decision itself; the search
for ``next_allowed_at`` asks the same facts at later instants (same history,
same everything, a later clock).

Two families:

* named facts (``FACTS``), each with a type the pack compiler checks rules against;
* ``Count``: how many history entries match a selector (channel, outcome,
  purpose, who they concern, when), so the caps of every pack are one notion.

"Concerns": an entry concerns the borrower when its ``recipient_role`` is
``borrower``; it concerns another recipient when its ``recipient_id`` equals the
action's recipient id, or, when either lacks an id, its ``phone`` equals the
action's phone. ``number`` means the action's phone (falling back to the
recipient when the action names no phone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from faircollect.policy.model import (
    AGENCY_STATUSES,
    APPROVAL_KINDS,
    CHANNELS,
    CONSENT_KINDS,
    FLAGS,
    OUTCOMES,
    PLANS,
    PURPOSES,
    ROLES,
    HistoryEntry,
    Request,
)
from faircollect.policy.parse import zone

__all__ = [
    "DIRECT",
    "FACTS",
    "FACT_PARAMETERS",
    "FACT_TYPES",
    "FACT_VOCABULARY",
    "Count",
    "Facts",
    "Screener",
    "default_screener",
]

#: Parameters a named fact reads from the pack (name -> kind of value). A pack whose rules use
#: the fact must define them: ``borrower.unreachable`` follows CBA 指引 2026 ch.3, "the day after
#: N consecutive failed calls", with N the pack's ``unreachable_after_failed_calls``.
FACT_PARAMETERS: dict[str, dict[str, type]] = {
    "borrower.unreachable": {"unreachable_after_failed_calls": int},
}
UNREACHABLE_FLAGS = frozenset({"lost_contact", "phone_invalid"})
TEXT_VERDICTS = ("ok", "review", "block")

#: A text's screen verdict (ok, review, block) and the categories found in it.
Screener = Callable[[str], tuple[str, frozenset[str]]]


@lru_cache(maxsize=8192)
def default_screener(text: str) -> tuple[str, frozenset[str]]:
    """The content screen's verdict and categories, cached by text (batches repeat templates)."""
    from faircollect.content.screen import screen

    result = screen(text)
    return result.verdict, frozenset(finding.category for finding in result.categories)


@dataclass(frozen=True, slots=True)
class Count:
    """Selector of history entries; ``None`` means "any". ``period`` is ever, today, within_hours
    (less than ``amount`` hours before the instant) or at_least_days_ago (``amount`` x 24 h or more)."""

    channels: frozenset[str] | None = None
    outcomes: frozenset[str] | None = None
    purposes: frozenset[str] | None = None
    to: str | None = None  # "borrower" | "recipient" | "number"
    period: str = "ever"
    amount: int = 0

    def base(self) -> Count:
        """The same selector without its period (entries it may ever count)."""
        return Count(self.channels, self.outcomes, self.purposes, self.to)

    def change_after(self, moment: datetime) -> datetime | None:
        """When an entry at ``moment`` stops (within_hours) or starts (at_least_days_ago) counting."""
        if self.period == "within_hours":
            return moment + timedelta(hours=self.amount)
        if self.period == "at_least_days_ago":
            return moment + timedelta(days=self.amount)
        return None


class _Shared:
    """What does not depend on the instant: the zone, the history as of ``cutoff``, local dates."""

    __slots__ = ("_entries", "cutoff", "local_dates", "params", "request", "screener", "selected", "tz")

    def __init__(
        self, request: Request, cutoff: datetime, tz: ZoneInfo, screener: Screener, params: Mapping[str, Any]
    ) -> None:
        self.request = request
        self.params = params
        self.cutoff = cutoff
        self.tz = tz
        self.screener = screener
        self._entries: tuple[HistoryEntry, ...] | None = None
        self.local_dates: dict[int, date] = {}
        self.selected: dict[Count, list[HistoryEntry]] = {}

    @property
    def entries(self) -> tuple[HistoryEntry, ...]:
        """The history as it stood at ``cutoff`` (an entry after it is not yet history)."""
        if self._entries is None:
            cutoff = self.cutoff
            history = self.request.history
            self._entries = (
                history
                if all(e.at <= cutoff for e in history)
                else tuple(e for e in history if e.at <= cutoff)
            )
        return self._entries

    def select(self, selector: Count) -> list[HistoryEntry]:
        """The entries (as of ``cutoff``) that ``selector`` matches, whatever their time; kept."""
        found = self.selected.get(selector)
        if found is not None:
            return found
        channels, outcomes, purposes = selector.channels, selector.outcomes, selector.purposes
        found = [
            e
            for e in self.entries
            if (channels is None or e.channel in channels)
            and (outcomes is None or e.outcome in outcomes)
            and (purposes is None or e.purpose in purposes)
        ]
        to = selector.to
        if to is not None and found:
            recipient = self.request.action.recipient
            if to == "number" and recipient.phone is not None:
                number = recipient.phone
                found = [e for e in found if e.phone == number]
            elif to == "borrower" or recipient.role == "borrower":
                found = [e for e in found if e.recipient_role == "borrower"]
            else:
                rid, phone = recipient.id, recipient.phone
                found = [
                    e
                    for e in found
                    if (
                        e.recipient_id == rid
                        if rid is not None and e.recipient_id is not None
                        else phone is not None and e.phone == phone
                    )
                ]
        self.selected[selector] = found
        return found

    def local_date(self, entry: HistoryEntry) -> date:
        key = id(entry)
        day = self.local_dates.get(key)
        if day is None:
            day = self.local_dates[key] = entry.at.astimezone(self.tz).date()
        return day


class Facts:
    """The facts of one request at one instant, each computed once, on first use."""

    __slots__ = ("_cache", "_local", "at", "request", "shared")

    def __init__(self, shared: _Shared, at: datetime) -> None:
        self.shared = shared
        self.request = shared.request
        self.at = at
        self._cache: dict[str, Any] = {}
        self._local: datetime | None = None

    @classmethod
    def of(
        cls,
        request: Request,
        now: datetime,
        *,
        default_timezone: str,
        screener: Screener = default_screener,
        params: Mapping[str, Any] | None = None,
    ) -> Facts:
        """The facts of ``request`` at ``now``; the timezone is the borrower's, else ``default_timezone``.

        ``params`` are the pack's parameter values, for the facts that read one (``FACT_PARAMETERS``).
        """
        name = request.borrower.timezone or default_timezone
        tz = zone(name)
        if tz is None:
            raise ValueError(f"unknown timezone {name!r}")
        return cls(_Shared(request, now, tz, screener, params or {}), now)

    def later(self, at: datetime) -> Facts:
        """The same facts (same history, same request) asked at a later instant."""
        return Facts(self.shared, at)

    def get(self, name: str) -> Any:
        try:
            return self._cache[name]
        except KeyError:
            value = self._cache[name] = FACTS[name](self)
            return value

    def local(self) -> datetime:
        """The instant on the borrower's wall clock."""
        if self._local is None:
            self._local = self.at.astimezone(self.shared.tz)
        return self._local

    def today(self) -> date:
        return self.local().date()

    def count(self, selector: Count, base: Count | None = None) -> int:
        """How many entries ``selector`` matches at this instant (``base``: its period-less form, if known)."""
        entries = self.shared.select(base or selector.base())
        if selector.period == "ever" or not entries:
            return len(entries)
        at = self.at
        if selector.period == "today":
            today = self.today()
            local_date = self.shared.local_date
            return sum(1 for e in entries if local_date(e) == today)
        if selector.period == "within_hours":
            span = timedelta(hours=selector.amount)
            return sum(1 for e in entries if at - e.at < span)
        span = timedelta(days=selector.amount)
        return sum(1 for e in entries if at - e.at >= span)


# -- named facts -------------------------------------------------------------------------------


def _unreachable(f: Facts) -> bool:
    if f.request.borrower.flags & UNREACHABLE_FLAGS:
        return True
    calls = [e for e in f.shared.entries if e.channel == "call" and e.recipient_role == "borrower"]
    needed: int = f.shared.params["unreachable_after_failed_calls"]
    if len(calls) < max(needed, 1):
        return False
    calls.sort(key=lambda e: e.at)
    last = calls[-needed:]
    if any(e.outcome == "connected" for e in last):
        return False
    return f.shared.local_date(last[-1]) < f.today()


def _days_since_training(f: Facts) -> int | None:
    days = [d for d in (a.trained_on for a in f.request.action.agents) if d is not None]
    return (f.today() - min(days)).days if days else None


def _days_since_evaluation(f: Facts) -> int | None:
    agency = f.request.action.agency
    if agency is None or agency.evaluated_on is None:
        return None
    return (f.today() - agency.evaluated_on).days


def _approved_by(role: str) -> Callable[[Facts], frozenset[str]]:
    def fact(f: Facts) -> frozenset[str]:
        cutoff = f.shared.cutoff
        return frozenset(
            a.kind for a in f.request.approvals if a.role == role and (a.at is None or a.at <= cutoff)
        )

    return fact


def _consents(f: Facts) -> frozenset[str]:
    cutoff = f.shared.cutoff
    return frozenset(c.kind for c in f.request.borrower.consents if c.at is None or c.at <= cutoff)


def _screened(f: Facts) -> tuple[str, frozenset[str]]:
    text = f.request.action.text
    if not text or not text.strip():
        return "ok", frozenset()
    cached: tuple[str, frozenset[str]] | None = f._cache.get("text.screen")
    if cached is None:
        cached = f._cache["text.screen"] = f.shared.screener(text)
    return cached


def _local_time(f: Facts) -> time:
    return f.local().time()


#: name -> type; types: str, bool, int, minor (money, minor units), days, strset, window, time, text.
FACT_TYPES: dict[str, str] = {
    "action.channel": "str",
    "action.purpose": "str",
    "action.text": "text",
    "action.amount_stated": "minor",
    "action.agents.count": "int",
    "agents.training_missing": "bool",
    "agents.days_since_training": "days",
    "agency.status": "str",
    "agency.evaluation_missing": "bool",
    "agency.days_since_evaluation": "days",
    "recipient.role": "str",
    "borrower.flags": "strset",
    "borrower.opt_outs": "strset",
    "borrower.unreachable": "bool",
    "borrower.contact_hours_agreed": "window",
    "borrower.consents": "strset",
    "contact.refused": "bool",
    "account.dpd": "int",
    "account.overdue_amount": "minor",
    "account.outstanding_total": "minor",
    "account.lawful_max": "minor",
    "account.time_barred": "bool",
    "cases.complaint_open": "bool",
    "cases.dispute_open": "bool",
    "cases.plan": "str",
    "cases.legal_procedure": "bool",
    "cases.forbearance_offered": "bool",
    "approvals.compliance": "strset",
    "approvals.legal": "strset",
    "text.verdict": "str",
    "text.privacy": "bool",
    "local_time": "time",
}

#: The values a str or strset fact can take: a rule naming another value is refused at load.
FACT_VOCABULARY: dict[str, tuple[str, ...]] = {
    "action.channel": CHANNELS,
    "action.purpose": PURPOSES,
    "recipient.role": ROLES,
    "agency.status": AGENCY_STATUSES,
    "cases.plan": PLANS,
    "text.verdict": TEXT_VERDICTS,
    "borrower.flags": FLAGS,
    "borrower.opt_outs": CHANNELS,
    "borrower.consents": CONSENT_KINDS,
    "approvals.compliance": APPROVAL_KINDS,
    "approvals.legal": APPROVAL_KINDS,
}
COUNT_VOCABULARY: dict[str, tuple[str, ...]] = {
    "channel": CHANNELS,
    "outcome": OUTCOMES,
    "purpose": PURPOSES,
    "to": ("borrower", "recipient", "number"),
}

FACTS: dict[str, Callable[[Facts], Any]] = {
    "action.channel": lambda f: f.request.action.channel,
    "action.purpose": lambda f: f.request.action.purpose,
    "action.text": lambda f: f.request.action.text,
    "action.amount_stated": lambda f: f.request.action.amount_stated,
    "action.agents.count": lambda f: len(f.request.action.agents),
    "agents.training_missing": lambda f: any(a.trained_on is None for a in f.request.action.agents),
    "agents.days_since_training": _days_since_training,
    "agency.status": lambda f: None if f.request.action.agency is None else f.request.action.agency.status,
    "agency.evaluation_missing": lambda f: (
        f.request.action.agency is not None and f.request.action.agency.evaluated_on is None
    ),
    "agency.days_since_evaluation": _days_since_evaluation,
    "recipient.role": lambda f: f.request.action.recipient.role,
    "borrower.flags": lambda f: f.request.borrower.flags,
    "borrower.opt_outs": lambda f: f.request.borrower.opt_outs,
    "borrower.unreachable": _unreachable,
    "borrower.contact_hours_agreed": lambda f: f.request.borrower.contact_hours_agreed,
    "borrower.consents": _consents,
    "contact.refused": lambda f: f.request.contact.refused,
    "account.dpd": lambda f: f.request.account.dpd,
    "account.overdue_amount": lambda f: f.request.account.overdue_amount,
    "account.outstanding_total": lambda f: f.request.account.outstanding_total,
    "account.lawful_max": lambda f: f.request.account.lawful_max,
    "account.time_barred": lambda f: f.request.account.time_barred,
    "cases.complaint_open": lambda f: f.request.cases.complaint_open,
    "cases.dispute_open": lambda f: f.request.cases.dispute_open,
    "cases.plan": lambda f: f.request.cases.plan,
    "cases.legal_procedure": lambda f: f.request.cases.legal_procedure,
    "cases.forbearance_offered": lambda f: f.request.cases.forbearance_offered,
    "approvals.compliance": _approved_by("compliance"),
    "approvals.legal": _approved_by("legal"),
    "text.verdict": lambda f: _screened(f)[0],
    "text.privacy": lambda f: "privacy" in _screened(f)[1],
    "local_time": _local_time,
}

assert FACTS.keys() == FACT_TYPES.keys()

#: Facts that are a field of the request: read straight from it (``operator.attrgetter`` on a
#: ``Facts``), no cache needed. The compiler uses these; ``Facts.get`` works for every fact.
DIRECT: dict[str, str] = {
    "action.channel": "request.action.channel",
    "action.purpose": "request.action.purpose",
    "action.text": "request.action.text",
    "action.amount_stated": "request.action.amount_stated",
    "recipient.role": "request.action.recipient.role",
    "borrower.flags": "request.borrower.flags",
    "borrower.opt_outs": "request.borrower.opt_outs",
    "borrower.contact_hours_agreed": "request.borrower.contact_hours_agreed",
    "contact.refused": "request.contact.refused",
    "account.dpd": "request.account.dpd",
    "account.overdue_amount": "request.account.overdue_amount",
    "account.outstanding_total": "request.account.outstanding_total",
    "account.lawful_max": "request.account.lawful_max",
    "account.time_barred": "request.account.time_barred",
    "cases.complaint_open": "request.cases.complaint_open",
    "cases.dispute_open": "request.cases.dispute_open",
    "cases.plan": "request.cases.plan",
    "cases.legal_procedure": "request.cases.legal_procedure",
    "cases.forbearance_offered": "request.cases.forbearance_offered",
}
