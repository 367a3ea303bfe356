"""Request JSON (already decoded into dicts and lists) to a typed ``Request``; never a guess.

Every bad value raises ``BadInput`` whose one ``InputProblem`` names the field as
a dotted path (``action.channel``, ``history[3].at``) in ``column``. Unknown
fields are refused too: a misspelt ``histroy`` silently read as "no history"
would let through a call the caps forbid. JSON ``null`` is the same as absent.

This is the engine's path (the daily cycle asks about every proposed action),
so it walks plain dicts by hand rather than through a validation library.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from functools import lru_cache
from typing import Annotated, Any, Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from faircollect.domain.errors import BadInput, InputProblem
from faircollect.domain.money import AmountFormatError, parse_minor
from faircollect.policy.model import (
    AGENCY_STATUSES,
    APPROVAL_KINDS,
    APPROVAL_ROLES,
    CHANNELS,
    CONSENT_KINDS,
    FLAGS,
    OUTCOMES,
    PLANS,
    PURPOSES,
    ROLES,
    Account,
    Action,
    Agency,
    Agent,
    Approval,
    Borrower,
    Cases,
    Consent,
    Contact,
    HistoryEntry,
    Recipient,
    Request,
    Window,
)

__all__ = ["parse_instant", "parse_request", "parse_request_json", "path_parts", "zone"]

_CHANNELS = frozenset(CHANNELS)
_ROLES = frozenset(ROLES)
_PURPOSES = frozenset(PURPOSES)
_OUTCOMES = frozenset(OUTCOMES)
_PLANS = frozenset(PLANS)
_STATUSES = frozenset(AGENCY_STATUSES)
_FLAGS = frozenset(FLAGS)
_CONSENTS = frozenset(CONSENT_KINDS)
_APPROVAL_KINDS = frozenset(APPROVAL_KINDS)
_APPROVAL_ROLES = frozenset(APPROVAL_ROLES)

_TOP = frozenset({"pack", "now", "action", "borrower", "contact", "account", "cases", "history", "approvals"})
_ACTION = frozenset({"channel", "recipient", "purpose", "text", "amount_stated", "agents", "agency"})
_RECIPIENT = frozenset({"role", "id", "phone"})
_AGENT = frozenset({"id", "trained_on"})
_AGENCY = frozenset({"id", "status", "evaluated_on"})
_BORROWER = frozenset({"timezone", "flags", "opt_outs", "contact_hours_agreed", "consents"})
_WINDOW = frozenset({"start", "end"})
_CONSENT = frozenset({"kind", "at"})
_CONTACT = frozenset({"relation", "refused"})
_ACCOUNT = frozenset({"dpd", "overdue_amount", "outstanding_total", "lawful_max", "currency", "time_barred"})
_CASES = frozenset({"complaint_open", "dispute_open", "plan", "legal_procedure", "forbearance_offered"})
_HISTORY = frozenset({"channel", "recipient_role", "recipient_id", "phone", "purpose", "at", "outcome"})
_APPROVAL = frozenset({"kind", "role", "at"})

_WALL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class _Bad(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason


def _bad(path: str, reason: str) -> NoReturn:
    raise _Bad(path, reason)


def parse_request(raw: object, *, source: str = "request", line: int | None = None) -> Request:
    """A typed request from decoded JSON; ``BadInput`` naming the field when anything is wrong."""
    try:
        return _request(raw)
    except _Bad as exc:
        raise BadInput(InputProblem(file=source, line=line, column=exc.path, reason=exc.reason)) from None


def parse_instant(value: object, *, field: str = "time", source: str = "-") -> datetime:
    """A time with a UTC offset, as the request's times are read; ``BadInput`` naming ``field``."""
    try:
        return _instant(value, field)
    except _Bad as exc:
        raise BadInput(InputProblem(file=source, line=None, column=exc.path, reason=exc.reason)) from None


def path_parts(path: str) -> list[str | int]:
    """``history[3].at`` as ``["history", 3, "at"]`` (the form of an HTTP error's ``loc``)."""
    parts: list[str | int] = []
    for name, index in _PATH_PART.findall(path):
        parts.append(int(index) if index else name)
    return parts


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, or None when there is none."""
    if not name or name.startswith("/") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


# -- values ------------------------------------------------------------------------------------


def _obj(value: object, path: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        _bad(path, f"expected an object, got {_kind(value)}")
    if not allowed.issuperset(value):
        unknown = sorted(k for k in value if k not in allowed)
        _bad(_join(path, str(unknown[0])), f"unknown field; expected one of: {', '.join(sorted(allowed))}")
    return value


def _list(value: object, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        _bad(path, f"expected a list, got {_kind(value)}")
    return value


def _text(value: object, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        _bad(path, f"expected a string, got {_kind(value)}")
    return value


def _enum(value: object, path: str, vocabulary: frozenset[str], what: str) -> str:
    if type(value) is str and value in vocabulary:
        return value
    if value is None:
        _bad(path, "missing; it is required")
    if not isinstance(value, str):
        _bad(path, f"expected a string, got {_kind(value)}")
    _bad(path, f"unknown {what} {value!r}; expected one of: {', '.join(sorted(vocabulary))}")


def _bool(value: object, path: str) -> bool:
    if value is None:
        return False
    if value is True or value is False:
        return value
    _bad(path, f"expected true or false, got {_kind(value)}")


def _count(value: object, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        _bad(path, f"expected a whole number, got {_kind(value)}")
    if value < 0:
        _bad(path, f"{value} is negative")
    return value


def _amount(value: object, path: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str):
        _bad(path, f'expected a decimal string like "523.40", got {_kind(value)}')
    try:
        return parse_minor(value)
    except AmountFormatError as exc:
        _bad(path, str(exc))


def _instant(value: object, path: str) -> datetime:
    if value is None:
        _bad(path, "missing; it is required")
    if not isinstance(value, str):
        _bad(path, f'expected a time like "2026-11-20T14:30:00Z", got {_kind(value)}')
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        _bad(path, f"{value!r} is not a date and time like 2026-11-20T14:30:00Z")
    if len(value) <= 10:
        _bad(path, f"{value!r} is a date without a time; expected a time like 2026-11-20T14:30:00Z")
    if moment.tzinfo is None:
        _bad(path, f"{value!r} has no UTC offset (add Z or +08:00); a time without one is never guessed")
    return moment


def _optional_instant(value: object, path: str) -> datetime | None:
    return None if value is None else _instant(value, path)


def _day(value: object, path: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        _bad(path, f'expected a date like "2026-03-01", got {_kind(value)}')
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        _bad(path, f"{value!r} is not a date YYYY-MM-DD")


def _wall(value: object, path: str) -> time:
    if value is None:
        _bad(path, "missing; it is required")
    match = _WALL.match(value) if isinstance(value, str) else None
    if match is None:
        _bad(path, f"{value!r} is not a local time HH:MM")
    return time(int(match.group(1)), int(match.group(2)))


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# -- the request -------------------------------------------------------------------------------


def _request(raw: object) -> Request:
    top = _obj(raw, "", _TOP)
    if top.get("now") is None:
        _bad("now", "missing; every request names the moment it asks about")
    now = _instant(top["now"], "now")
    pack = _text(top.get("pack"), "pack")
    if pack is not None and not pack:
        _bad("pack", "empty pack id")
    if top.get("action") is None:
        _bad("action", "missing; it is required")
    action = _action(top["action"])
    borrower = _borrower(top.get("borrower"))
    contact = _contact(top.get("contact"))
    account = _account(top.get("account"))
    cases = _cases(top.get("cases"))
    history = _history(top.get("history"))
    approvals = _approvals(top.get("approvals"))
    return Request(
        now=now,
        action=action,
        pack=pack,
        borrower=borrower,
        contact=contact,
        account=account,
        cases=cases,
        history=history,
        approvals=approvals,
    )


def _action(raw: object) -> Action:
    d = _obj(raw, "action", _ACTION)
    channel = _enum(d.get("channel"), "action.channel", _CHANNELS, "channel")
    if d.get("recipient") is None:
        _bad("action.recipient.role", "missing; it is required")
    r = _obj(d["recipient"], "action.recipient", _RECIPIENT)
    recipient = Recipient(
        role=_enum(r.get("role"), "action.recipient.role", _ROLES, "recipient role"),
        id=_text(r.get("id"), "action.recipient.id"),
        phone=_text(r.get("phone"), "action.recipient.phone"),
    )
    purpose_raw = d.get("purpose")
    purpose = "collect" if purpose_raw is None else _enum(purpose_raw, "action.purpose", _PURPOSES, "purpose")
    agents = []
    for i, item in enumerate(_list(d.get("agents"), "action.agents")):
        path = f"action.agents[{i}]"
        a = _obj(item, path, _AGENT)
        agents.append(
            Agent(
                id=_text(a.get("id"), path + ".id"),
                trained_on=_day(a.get("trained_on"), path + ".trained_on"),
            )
        )
    agency = None
    if d.get("agency") is not None:
        g = _obj(d["agency"], "action.agency", _AGENCY)
        status = g.get("status")
        agency = Agency(
            id=_text(g.get("id"), "action.agency.id"),
            status=None
            if status is None
            else _enum(status, "action.agency.status", _STATUSES, "agency status"),
            evaluated_on=_day(g.get("evaluated_on"), "action.agency.evaluated_on"),
        )
    return Action(
        channel=channel,
        recipient=recipient,
        purpose=purpose,
        text=_text(d.get("text"), "action.text"),
        amount_stated=_amount(d.get("amount_stated"), "action.amount_stated"),
        agents=tuple(agents),
        agency=agency,
    )


_NO_BORROWER = Borrower()
_NO_CONTACT = Contact()
_NO_ACCOUNT = Account()
_NO_CASES = Cases()


def _borrower(raw: object) -> Borrower:
    if raw is None:
        return _NO_BORROWER
    d = _obj(raw, "borrower", _BORROWER)
    timezone = _text(d.get("timezone"), "borrower.timezone")
    if timezone is not None and zone(timezone) is None:
        _bad("borrower.timezone", f"unknown IANA timezone {timezone!r} (like Asia/Shanghai)")
    flags = frozenset(
        _enum(v, f"borrower.flags[{i}]", _FLAGS, "flag")
        for i, v in enumerate(_list(d.get("flags"), "borrower.flags"))
    )
    opt_outs = frozenset(
        _enum(v, f"borrower.opt_outs[{i}]", _CHANNELS, "channel")
        for i, v in enumerate(_list(d.get("opt_outs"), "borrower.opt_outs"))
    )
    window = None
    if d.get("contact_hours_agreed") is not None:
        w = _obj(d["contact_hours_agreed"], "borrower.contact_hours_agreed", _WINDOW)
        start = _wall(w.get("start"), "borrower.contact_hours_agreed.start")
        end = _wall(w.get("end"), "borrower.contact_hours_agreed.end")
        if start == end:
            _bad("borrower.contact_hours_agreed.end", "the window is empty: its end equals its start")
        window = Window(start, end)
    consents = []
    for i, item in enumerate(_list(d.get("consents"), "borrower.consents")):
        path = f"borrower.consents[{i}]"
        c = _obj(item, path, _CONSENT)
        consents.append(
            Consent(
                kind=_enum(c.get("kind"), path + ".kind", _CONSENTS, "consent kind"),
                at=_optional_instant(c.get("at"), path + ".at"),
            )
        )
    return Borrower(
        timezone=timezone,
        flags=flags,
        opt_outs=opt_outs,
        contact_hours_agreed=window,
        consents=tuple(consents),
    )


def _contact(raw: object) -> Contact:
    if raw is None:
        return _NO_CONTACT
    d = _obj(raw, "contact", _CONTACT)
    return Contact(
        relation=_text(d.get("relation"), "contact.relation"),
        refused=_bool(d.get("refused"), "contact.refused"),
    )


def _account(raw: object) -> Account:
    if raw is None:
        return _NO_ACCOUNT
    d = _obj(raw, "account", _ACCOUNT)
    currency = _text(d.get("currency"), "account.currency")
    if currency is not None and not _CURRENCY.match(currency):
        _bad("account.currency", f"{currency!r} is not a currency code like CNY")
    return Account(
        dpd=_count(d.get("dpd"), "account.dpd"),
        overdue_amount=_amount(d.get("overdue_amount"), "account.overdue_amount"),
        outstanding_total=_amount(d.get("outstanding_total"), "account.outstanding_total"),
        lawful_max=_amount(d.get("lawful_max"), "account.lawful_max"),
        currency=currency,
        time_barred=_bool(d.get("time_barred"), "account.time_barred"),
    )


def _cases(raw: object) -> Cases:
    if raw is None:
        return _NO_CASES
    d = _obj(raw, "cases", _CASES)
    plan = d.get("plan")
    return Cases(
        complaint_open=_bool(d.get("complaint_open"), "cases.complaint_open"),
        dispute_open=_bool(d.get("dispute_open"), "cases.dispute_open"),
        plan="none" if plan is None else _enum(plan, "cases.plan", _PLANS, "plan"),
        legal_procedure=_bool(d.get("legal_procedure"), "cases.legal_procedure"),
        forbearance_offered=_bool(d.get("forbearance_offered"), "cases.forbearance_offered"),
    )


class _Slow(Exception):
    """An entry off the fast path: parse it again through the checked helpers."""


def _history(raw: object) -> tuple[HistoryEntry, ...]:
    items = _list(raw, "history")
    if not items:
        return ()
    out: list[HistoryEntry] = []
    append = out.append
    new = tuple.__new__
    allowed, channels, outcomes, roles, purposes = _HISTORY, _CHANNELS, _OUTCOMES, _ROLES, _PURPOSES
    fromiso = datetime.fromisoformat
    for i, item in enumerate(items):
        # A well-formed entry takes this path; anything odd (an unhashable value raises
        # TypeError on a set lookup, a bad time ValueError) is parsed again by
        # _history_entry, which names the field.
        try:
            if type(item) is not dict or not allowed.issuperset(item):
                raise _Slow
            get = item.get
            channel = get("channel")
            if channel not in channels:
                raise _Slow
            at = fromiso(get("at", ""))
            if at.tzinfo is None:
                raise _Slow
            role = get("recipient_role")
            if role is not None and role not in roles:
                raise _Slow
            outcome = get("outcome")
            if outcome is not None and outcome not in outcomes:
                raise _Slow
            purpose = get("purpose")
            if purpose is None:
                purpose = "collect"
            elif purpose not in purposes:
                raise _Slow
            rid = get("recipient_id")
            phone = get("phone")
            if (rid is not None and type(rid) is not str) or (phone is not None and type(phone) is not str):
                raise _Slow
        except (_Slow, TypeError, ValueError):
            append(_history_entry(item, f"history[{i}]"))
            continue
        append(new(HistoryEntry, (channel, at, role, rid, phone, purpose, outcome)))
    return tuple(out)


def _history_entry(item: object, path: str) -> HistoryEntry:
    d = _obj(item, path, _HISTORY)
    channel = _enum(d.get("channel"), path + ".channel", _CHANNELS, "channel")
    at = _instant(d.get("at"), path + ".at")
    role = d.get("recipient_role")
    outcome = d.get("outcome")
    purpose = d.get("purpose")
    return HistoryEntry(
        channel=channel,
        at=at,
        recipient_role=None
        if role is None
        else _enum(role, path + ".recipient_role", _ROLES, "recipient role"),
        recipient_id=_text(d.get("recipient_id"), path + ".recipient_id"),
        phone=_text(d.get("phone"), path + ".phone"),
        purpose="collect" if purpose is None else _enum(purpose, path + ".purpose", _PURPOSES, "purpose"),
        outcome=None if outcome is None else _enum(outcome, path + ".outcome", _OUTCOMES, "outcome"),
    )


def _approvals(raw: object) -> tuple[Approval, ...]:
    out = []
    for i, item in enumerate(_list(raw, "approvals")):
        path = f"approvals[{i}]"
        a = _obj(item, path, _APPROVAL)
        out.append(
            Approval(
                kind=_enum(a.get("kind"), path + ".kind", _APPROVAL_KINDS, "approval kind"),
                role=_enum(a.get("role"), path + ".role", _APPROVAL_ROLES, "approval role"),
                at=_optional_instant(a.get("at"), path + ".at"),
            )
        )
    return tuple(out)


# -- the fast path from JSON text ----------------------------------------------------------------
#
# Requests that arrive as JSON text (the CLI's --jsonl, a queue) are decoded by msgspec straight
# into typed structures checked in C (vocabularies, unknown fields, types), then converted with
# the same helpers as above (times, dates, amounts, windows, zones). msgspec is only a faster
# first reading: whenever it or a helper refuses anything, the text is parsed again by the path
# above, which names the field in its own words or, where msgspec was stricter, accepts it. So
# the fast path can never accept what the checked path refuses, and what it accepts it reads the
# same way (tests/policy/test_parse_fast.py holds the two equal on valid and broken requests).


def _wire_types() -> tuple[Any, Any]:
    """The wire structures (built at run time: their Literal vocabularies are the model's tuples)."""

    def lit(values: tuple[str, ...]) -> Any:
        return Literal.__getitem__(values)

    def opt(kind: Any) -> Any:
        return kind | None

    def seq(kind: Any) -> Any:
        return list.__class_getitem__(kind)

    history = msgspec.defstruct(
        "WireHistory",
        [
            ("channel", lit(CHANNELS)),
            ("at", str),
            ("recipient_role", opt(lit(ROLES)), None),
            ("recipient_id", opt(str), None),
            ("phone", opt(str), None),
            ("purpose", opt(lit(PURPOSES)), None),
            ("outcome", opt(lit(OUTCOMES)), None),
        ],
        forbid_unknown_fields=True,
    )
    recipient = msgspec.defstruct(
        "WireRecipient",
        [("role", lit(ROLES)), ("id", opt(str), None), ("phone", opt(str), None)],
        forbid_unknown_fields=True,
    )
    agent = msgspec.defstruct(
        "WireAgent", [("id", opt(str), None), ("trained_on", opt(str), None)], forbid_unknown_fields=True
    )
    agency = msgspec.defstruct(
        "WireAgency",
        [
            ("id", opt(str), None),
            ("status", opt(lit(AGENCY_STATUSES)), None),
            ("evaluated_on", opt(str), None),
        ],
        forbid_unknown_fields=True,
    )
    action = msgspec.defstruct(
        "WireAction",
        [
            ("channel", lit(CHANNELS)),
            ("recipient", recipient),
            ("purpose", opt(lit(PURPOSES)), None),
            ("text", opt(str), None),
            ("amount_stated", opt(str), None),
            ("agents", opt(seq(agent)), None),
            ("agency", opt(agency), None),
        ],
        forbid_unknown_fields=True,
    )
    window = msgspec.defstruct("WireWindow", [("start", str), ("end", str)], forbid_unknown_fields=True)
    consent = msgspec.defstruct(
        "WireConsent", [("kind", lit(CONSENT_KINDS)), ("at", opt(str), None)], forbid_unknown_fields=True
    )
    borrower = msgspec.defstruct(
        "WireBorrower",
        [
            ("timezone", opt(str), None),
            ("flags", opt(seq(lit(FLAGS))), None),
            ("opt_outs", opt(seq(lit(CHANNELS))), None),
            ("contact_hours_agreed", opt(window), None),
            ("consents", opt(seq(consent)), None),
        ],
        forbid_unknown_fields=True,
    )
    contact = msgspec.defstruct(
        "WireContact",
        [("relation", opt(str), None), ("refused", opt(bool), None)],
        forbid_unknown_fields=True,
    )
    count = Annotated[int, msgspec.Meta(ge=0)]
    account = msgspec.defstruct(
        "WireAccount",
        [
            ("dpd", opt(count), None),
            ("overdue_amount", opt(str), None),
            ("outstanding_total", opt(str), None),
            ("lawful_max", opt(str), None),
            ("currency", opt(str), None),
            ("time_barred", opt(bool), None),
        ],
        forbid_unknown_fields=True,
    )
    cases = msgspec.defstruct(
        "WireCases",
        [
            ("complaint_open", opt(bool), None),
            ("dispute_open", opt(bool), None),
            ("plan", opt(lit(PLANS)), None),
            ("legal_procedure", opt(bool), None),
            ("forbearance_offered", opt(bool), None),
        ],
        forbid_unknown_fields=True,
    )
    approval = msgspec.defstruct(
        "WireApproval",
        [("kind", lit(APPROVAL_KINDS)), ("role", lit(APPROVAL_ROLES)), ("at", opt(str), None)],
        forbid_unknown_fields=True,
    )
    request = msgspec.defstruct(
        "WireRequest",
        [
            ("now", str),
            ("action", action),
            ("pack", opt(str), None),
            ("borrower", opt(borrower), None),
            ("contact", opt(contact), None),
            ("account", opt(account), None),
            ("cases", opt(cases), None),
            ("history", opt(seq(history)), None),
            ("approvals", opt(seq(approval)), None),
        ],
        forbid_unknown_fields=True,
    )
    return msgspec.json.Decoder(request), history


_WIRE_DECODER, _ = _wire_types()


def parse_request_json(text: str | bytes, *, source: str = "request", line: int | None = None) -> Request:
    """A typed request from JSON text; the same answer as ``parse_request(json.loads(text))``.

    Raises ``BadInput``: naming the field for a bad request, "not JSON" for text that is not.
    """
    try:
        return _from_wire(_WIRE_DECODER.decode(text))
    except (msgspec.ValidationError, msgspec.DecodeError, _Bad, TypeError, ValueError):
        pass
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(
            InputProblem(
                file=source,
                line=line if line is not None else exc.lineno,
                column=None,
                reason=f"not JSON: {exc.msg}",
            )
        ) from None
    return parse_request(raw, source=source, line=line)


def _from_wire(w: Any) -> Request:
    now = _instant(w.now, "now")
    if w.pack is not None and not w.pack:
        _bad("pack", "empty pack id")
    a = w.action
    r = a.recipient
    agency = None
    if a.agency is not None:
        g = a.agency
        agency = Agency(
            id=g.id, status=g.status, evaluated_on=_day(g.evaluated_on, "action.agency.evaluated_on")
        )
    action = Action(
        channel=a.channel,
        recipient=Recipient(role=r.role, id=r.id, phone=r.phone),
        purpose="collect" if a.purpose is None else a.purpose,
        text=a.text,
        amount_stated=_amount(a.amount_stated, "action.amount_stated"),
        agents=tuple(
            Agent(id=x.id, trained_on=_day(x.trained_on, "action.agents.trained_on")) for x in a.agents or ()
        ),
        agency=agency,
    )
    borrower = _NO_BORROWER
    if w.borrower is not None:
        b = w.borrower
        if b.timezone is not None and zone(b.timezone) is None:
            _bad("borrower.timezone", "unknown timezone")
        window = None
        if b.contact_hours_agreed is not None:
            start = _wall(b.contact_hours_agreed.start, "borrower.contact_hours_agreed.start")
            end = _wall(b.contact_hours_agreed.end, "borrower.contact_hours_agreed.end")
            if start == end:
                _bad("borrower.contact_hours_agreed.end", "empty window")
            window = Window(start, end)
        borrower = Borrower(
            timezone=b.timezone,
            flags=frozenset(b.flags or ()),
            opt_outs=frozenset(b.opt_outs or ()),
            contact_hours_agreed=window,
            consents=tuple(
                Consent(kind=c.kind, at=None if c.at is None else _instant(c.at, "borrower.consents.at"))
                for c in b.consents or ()
            ),
        )
    contact = _NO_CONTACT
    if w.contact is not None:
        contact = Contact(relation=w.contact.relation, refused=bool(w.contact.refused))
    account = _NO_ACCOUNT
    if w.account is not None:
        c = w.account
        if c.currency is not None and not _CURRENCY.match(c.currency):
            _bad("account.currency", "not a currency code")
        account = Account(
            dpd=c.dpd,
            overdue_amount=_amount(c.overdue_amount, "account.overdue_amount"),
            outstanding_total=_amount(c.outstanding_total, "account.outstanding_total"),
            lawful_max=_amount(c.lawful_max, "account.lawful_max"),
            currency=c.currency,
            time_barred=bool(c.time_barred),
        )
    cases = _NO_CASES
    if w.cases is not None:
        k = w.cases
        cases = Cases(
            complaint_open=bool(k.complaint_open),
            dispute_open=bool(k.dispute_open),
            plan="none" if k.plan is None else k.plan,
            legal_procedure=bool(k.legal_procedure),
            forbearance_offered=bool(k.forbearance_offered),
        )
    history: tuple[HistoryEntry, ...] = ()
    if w.history:
        new = tuple.__new__
        fromiso = datetime.fromisoformat
        entries = []
        for h in w.history:
            at = fromiso(h.at)
            if at.tzinfo is None or len(h.at) <= 10:
                _bad("history.at", "no offset")
            entries.append(
                new(
                    HistoryEntry,
                    (
                        h.channel,
                        at,
                        h.recipient_role,
                        h.recipient_id,
                        h.phone,
                        "collect" if h.purpose is None else h.purpose,
                        h.outcome,
                    ),
                )
            )
        history = tuple(entries)
    approvals = tuple(
        Approval(kind=p.kind, role=p.role, at=None if p.at is None else _instant(p.at, "approvals.at"))
        for p in w.approvals or ()
    )
    return Request(
        now=now,
        action=action,
        pack=w.pack,
        borrower=borrower,
        contact=contact,
        account=account,
        cases=cases,
        history=history,
        approvals=approvals,
    )
