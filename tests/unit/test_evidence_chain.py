"""The evidence chain, without a database: canonical JSON, links, and what breaks them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from faircollect.domain.evidence import GENESIS, canonical_json, make_entry, verify_chain

T0 = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


def _chain(n: int):  # type: ignore[no-untyped-def]
    entries, prev = [], None
    for i in range(n):
        prev = make_entry(
            prev=prev,
            at=T0 + timedelta(minutes=i),
            action="faircollect.contact.allowed",
            actor="agent:A1",
            subject=f"loan:L{i}",
            payload={"amount": "523.40", "rules": ["CN-HOURS"], "姓名": "张伟"},
        )
        entries.append(prev)
    return entries


def test_canonical_json_is_stable_and_keeps_chinese() -> None:
    assert canonical_json({"b": 1, "a": ["张", None]}) == '{"a":["张",null],"b":1}'


def test_floats_and_naive_times_are_refused() -> None:
    with pytest.raises(TypeError, match="floats"):
        canonical_json({"amount": 5.2})
    with pytest.raises(ValueError, match="timezone-aware"):
        make_entry(
            prev=None, at=datetime(2026, 1, 1), action="faircollect.a.b", actor="x", subject="y", payload={}
        )


def test_actions_are_namespaced() -> None:
    with pytest.raises(ValueError, match="namespaced"):
        make_entry(prev=None, at=T0, action="contact allowed", actor="x", subject="y", payload={})


def test_times_are_stored_in_utc_whatever_offset_they_came_with() -> None:
    beijing = timezone(timedelta(hours=8))
    entry = make_entry(
        prev=None, at=T0.astimezone(beijing), action="faircollect.a.b", actor="x", subject="y", payload={}
    )
    assert entry.at == "2026-11-20T14:30:00.000000Z"


def test_an_intact_chain_verifies_and_links_to_genesis() -> None:
    entries = _chain(5)
    assert entries[0].prev_hash == GENESIS
    assert verify_chain(entries) == (5, None)


@pytest.mark.parametrize(
    ("change", "seq", "reason"),
    [
        (lambda e: [*e[:2], dataclasses.replace(e[2], actor="agent:A2"), *e[3:]], 3, "altered"),
        (lambda e: [*e[:1], dataclasses.replace(e[1], payload='{"amount":"0.00"}'), *e[2:]], 2, "altered"),
        (lambda e: e[:2] + e[3:], 4, "sequence gap"),
        (lambda e: [e[0], e[2], e[1], *e[3:]], 3, "sequence gap"),
    ],
)
def test_any_change_is_found_at_the_first_broken_entry(change, seq: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    _held, broken = verify_chain(change(_chain(5)))
    assert broken is not None
    assert (broken.seq, reason in broken.reason) == (seq, True)


def test_a_rehashed_forgery_still_breaks_the_next_link() -> None:
    entries = _chain(4)
    forged = make_entry(
        prev=entries[0],
        at=T0,
        action="faircollect.contact.allowed",
        actor="agent:A9",
        subject="loan:L1",
        payload={},
    )
    held, broken = verify_chain([entries[0], forged, *entries[2:]])
    assert held == 2
    assert broken is not None
    assert broken.seq == 3
    assert "prev_hash" in broken.reason
