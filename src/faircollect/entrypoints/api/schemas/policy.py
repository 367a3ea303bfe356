"""Request and answer of ``POST /api/v1/policy/decide`` (``spec/policy.md``), as published in OpenAPI.

Strict: no coercion ("45" is not a number, "yes" is not true), no unknown fields. Times,
dates and amounts travel as strings and are checked by the gate's own parser, which names
the field of anything wrong (a time without an offset, an unknown timezone, "5,234.00").
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["call", "sms", "push", "email", "letter", "lawyer_letter", "lawsuit", "field_visit"]
Role = Literal["borrower", "guarantor", "contact", "third_party"]
Purpose = Literal[
    "collect", "locate", "relay", "plan_reminder", "complaint_reply", "cease_ack", "remedy_notice"
]
Outcome = Literal["connected", "no_answer", "busy", "voicemail", "invalid", "sent", "delivered"]
Flag = Literal[
    "lost_contact",
    "phone_invalid",
    "malicious_default",
    "deceased",
    "incapacitated",
    "cease_contact",
    "attorney_represented",
    "breathing_space",
    "vulnerable",
]

_INSTANT = "an ISO 8601 time with a UTC offset, e.g. 2026-11-20T14:30:00Z"
_AMOUNT = "a decimal string with at most two decimals, e.g. 523.40 (never a float)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Recipient(_Strict):
    role: Role
    id: str | None = None
    phone: str | None = None


class Agent(_Strict):
    id: str | None = None
    trained_on: str | None = Field(default=None, description="date YYYY-MM-DD")


class Agency(_Strict):
    id: str | None = None
    status: Literal["active", "suspended"] | None = None
    evaluated_on: str | None = Field(default=None, description="date YYYY-MM-DD")


class Action(_Strict):
    channel: Channel
    recipient: Recipient
    purpose: Purpose | None = Field(default=None, description="default collect")
    text: str | None = None
    amount_stated: str | None = Field(default=None, description=_AMOUNT)
    agents: list[Agent] | None = None
    agency: Agency | None = None


class Hours(_Strict):
    start: str = Field(description="local HH:MM, inside the window")
    end: str = Field(description="local HH:MM, outside the window")


class Consent(_Strict):
    kind: Literal["field_visit"]
    at: str | None = Field(default=None, description=_INSTANT)


class Borrower(_Strict):
    timezone: str | None = Field(default=None, description="IANA timezone; default: the pack's")
    flags: list[Flag] | None = None
    opt_outs: list[Channel] | None = None
    contact_hours_agreed: Hours | None = None
    consents: list[Consent] | None = None


class Contact(_Strict):
    relation: str | None = None
    refused: bool | None = None


class Account(_Strict):
    dpd: int | None = Field(default=None, ge=0)
    overdue_amount: str | None = Field(default=None, description=_AMOUNT)
    outstanding_total: str | None = Field(default=None, description=_AMOUNT)
    lawful_max: str | None = Field(default=None, description=_AMOUNT)
    currency: str | None = None
    time_barred: bool | None = None


class Cases(_Strict):
    complaint_open: bool | None = None
    dispute_open: bool | None = None
    plan: Literal["none", "active", "broken"] | None = None
    legal_procedure: bool | None = None
    forbearance_offered: bool | None = None


class HistoryEntry(_Strict):
    channel: Channel
    at: str = Field(description=_INSTANT)
    recipient_role: Role | None = None
    recipient_id: str | None = None
    phone: str | None = None
    purpose: Purpose | None = None
    outcome: Outcome | None = None


class Approval(_Strict):
    kind: Literal["field_visit", "lawyer_letter", "lawsuit"]
    role: Literal["compliance", "legal"]
    at: str | None = Field(default=None, description=_INSTANT)


class PolicyRequest(_Strict):
    """One outbound action to decide. Only ``now``, ``action.channel`` and ``action.recipient.role`` are required."""

    pack: str | None = Field(default=None, description="cn, us, uk or a lender's pack; default cn")
    now: str = Field(description=_INSTANT + "; the moment the action would happen")
    action: Action
    borrower: Borrower | None = None
    contact: Contact | None = None
    account: Account | None = None
    cases: Cases | None = None
    history: list[HistoryEntry] | None = Field(
        default=None, description="every earlier action about the borrower"
    )
    approvals: list[Approval] | None = None

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "pack": "cn",
                    "now": "2026-11-20T14:30:00Z",
                    "action": {"channel": "call", "recipient": {"role": "borrower", "id": "B1"}},
                    "history": [
                        {
                            "channel": "call",
                            "recipient_role": "borrower",
                            "at": "2026-11-19T02:00:00Z",
                            "outcome": "connected",
                        }
                    ],
                }
            ]
        },
    )


class Reason(BaseModel):
    zh: str
    en: str


class RuleHit(BaseModel):
    id: str = Field(description="the rule's stable id, e.g. CN-HOURS")
    effect: Literal["deny", "review"]
    reason: Reason


class PolicyDecision(BaseModel):
    """The gate's answer: deny if any rule denies, else review if any asks for review, else allow."""

    decision: Literal["allow", "review", "deny"]
    rules: list[RuleHit]
    next_allowed_at: str | None = Field(
        description="when only time rules deny: the earliest later instant (UTC) at which the same action passes them"
    )
    pack: str
    pack_version: str = Field(description="the pack's version and a hash of its content")
