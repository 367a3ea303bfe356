"""The evidence record's chain: canonical JSON and SHA-256 links. Pure; storage lives elsewhere.

Each entry's hash is ``sha256(prev_hash + canonical_json(entry))`` where the
entry is its sequence number, time, namespaced action, actor, subject and
payload. Changing, removing or reordering any entry breaks every later link.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
_ACTION = re.compile(r"^faircollect(\.[a-z][a-z0-9_]*){2,}$")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces, UTF-8 kept; floats are refused (use minor units)."""

    def check(v: Any) -> None:
        if isinstance(v, float):
            raise TypeError("floats are not allowed in evidence payloads; use integers or strings")
        if isinstance(v, Mapping):
            for k, item in v.items():
                if not isinstance(k, str):
                    raise TypeError("evidence payload keys must be strings")
                check(item)
        elif isinstance(v, list | tuple):
            for item in v:
                check(item)

    check(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_instant(at: datetime) -> str:
    """An aware datetime as UTC RFC 3339 with microseconds and a Z."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("evidence times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class EvidenceEntry:
    """One link of the chain, as stored."""

    seq: int
    at: str
    action: str
    actor: str
    subject: str
    payload: str  # canonical JSON
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "action": self.action,
            "actor": self.actor,
            "subject": self.subject,
            "payload": json.loads(self.payload),
        }


def entry_hash(
    prev_hash: str, *, seq: int, at: str, action: str, actor: str, subject: str, payload: str
) -> str:
    """The SHA-256 link of an entry over its predecessor's hash and its own canonical body."""
    body = canonical_json(
        {
            "seq": seq,
            "at": at,
            "action": action,
            "actor": actor,
            "subject": subject,
            "payload": json.loads(payload),
        }
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def make_entry(
    *,
    prev: EvidenceEntry | None,
    at: datetime,
    action: str,
    actor: str,
    subject: str,
    payload: Mapping[str, Any],
) -> EvidenceEntry:
    """The next entry after ``prev`` (None for the first), hashed and ready to append."""
    if not _ACTION.match(action):
        raise ValueError(f"action {action!r} is not namespaced like faircollect.noun.verb")
    seq = 1 if prev is None else prev.seq + 1
    prev_hash = GENESIS if prev is None else prev.hash
    stamp = format_instant(at)
    body = canonical_json(dict(payload))
    digest = entry_hash(
        prev_hash, seq=seq, at=stamp, action=action, actor=actor, subject=subject, payload=body
    )
    return EvidenceEntry(seq, stamp, action, actor, subject, body, prev_hash, digest)


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where and why the chain no longer holds."""

    seq: int
    reason: str


def verify_chain(entries: Iterable[EvidenceEntry]) -> tuple[int, ChainBreak | None]:
    """Walk the chain in order; return how many entries held and the first break, if any."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for e in entries:
        if e.seq != expected_seq:
            return checked, ChainBreak(e.seq, f"sequence gap: expected entry {expected_seq}")
        if e.prev_hash != expected_prev:
            return checked, ChainBreak(e.seq, "prev_hash does not match the previous entry's hash")
        try:
            recomputed = entry_hash(
                e.prev_hash,
                seq=e.seq,
                at=e.at,
                action=e.action,
                actor=e.actor,
                subject=e.subject,
                payload=e.payload,
            )
        except (ValueError, TypeError) as exc:
            return checked, ChainBreak(e.seq, f"payload is not valid canonical JSON: {exc}")
        if recomputed != e.hash:
            return checked, ChainBreak(e.seq, "content does not match its hash (entry altered)")
        expected_prev = e.hash
        expected_seq += 1
        checked += 1
    return checked, None
