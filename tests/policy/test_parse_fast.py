"""``parse_request_json`` (msgspec first, the checked parser when it refuses) gives exactly what
``parse_request(json.loads(text))`` gives: the same typed request, or the same error naming the
same field, on valid requests and on requests broken in every way a hypothesis strategy finds."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faircollect.domain.errors import BadInput
from faircollect.policy import Request, load_pack, parse_request, parse_request_json
from faircollect.policy.testing import iter_cases, wire_request

FULL: dict[str, Any] = {
    "pack": "cn",
    "now": "2026-11-20T14:30:00Z",
    "action": {
        "channel": "call",
        "recipient": {"role": "contact", "id": "C1", "phone": "+8613800000000"},
        "purpose": "locate",
        "text": "您好，请转告张先生回电。",
        "amount_stated": "523.40",
        "agents": [{"id": "A1", "trained_on": "2026-03-01"}, {"id": "A2"}],
        "agency": {"id": "AG1", "status": "active", "evaluated_on": "2026-01-10"},
    },
    "borrower": {
        "timezone": "Asia/Urumqi",
        "flags": ["lost_contact", "vulnerable"],
        "opt_outs": ["sms"],
        "contact_hours_agreed": {"start": "07:30", "end": "22:30"},
        "consents": [{"kind": "field_visit", "at": "2026-11-01T10:00:00+08:00"}, {"kind": "field_visit"}],
    },
    "contact": {"relation": "emergency", "refused": False},
    "account": {
        "dpd": 45,
        "overdue_amount": "523.40",
        "outstanding_total": "1523.4",
        "lawful_max": "1523.40",
        "currency": "CNY",
        "time_barred": False,
    },
    "cases": {
        "complaint_open": False,
        "dispute_open": True,
        "plan": "broken",
        "legal_procedure": False,
        "forbearance_offered": True,
    },
    "history": [
        {
            "channel": "call",
            "recipient_role": "borrower",
            "recipient_id": "B1",
            "phone": "+8613800000000",
            "purpose": "collect",
            "at": "2026-11-19T02:00:00Z",
            "outcome": "connected",
        },
        {"channel": "sms", "at": "2026-11-19T10:00:00.250+08:00"},
        {"channel": "letter", "at": "2026-11-01T02:00:00Z", "outcome": "delivered", "purpose": None},
    ],
    "approvals": [{"kind": "field_visit", "role": "compliance", "at": "2026-11-18T03:00:00Z"}],
}


def outcome_slow(text: str) -> Request | str:
    try:
        return parse_request(json.loads(text), source="t", line=3)
    except BadInput as exc:
        return str(exc.problems)
    except json.JSONDecodeError:
        return "not JSON"


def outcome_fast(text: str) -> Request | str:
    try:
        return parse_request_json(text, source="t", line=3)
    except BadInput as exc:
        if exc.problems[0].reason.startswith("not JSON"):
            return "not JSON"
        return str(exc.problems)


def same(text: str) -> None:
    assert outcome_fast(text) == outcome_slow(text)


def test_a_request_with_every_field_reads_the_same() -> None:
    text = json.dumps(FULL, ensure_ascii=False)
    fast = parse_request_json(text)
    assert fast == parse_request(FULL)
    assert len(fast.history) == 3
    assert fast.history[2].purpose == "collect"


@pytest.mark.parametrize("pack_id", ["cn", "us", "uk"])
def test_every_pack_case_reads_the_same(pack_id: str) -> None:
    pack = load_pack(pack_id)
    for case in iter_cases(pack):
        same(json.dumps(wire_request(pack, case), ensure_ascii=False))


def test_the_benchmark_mix_reads_the_same() -> None:
    from bench.policy import make_requests

    for raw in make_requests(300, seed=3):
        same(json.dumps(raw, ensure_ascii=False))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "[1, 2]",
        "null",
        '{"now": "2026-11-20T14:30:00Z"',
        '{"now": "2026-11-20T14:30:00Z", "now": "bad", "action": {"channel": "call", "recipient": {"role": "borrower"}}}',
        '{"now": "bad", "now": "2026-11-20T14:30:00Z", "action": {"channel": "call", "recipient": {"role": "borrower"}}}',
        '\ufeff{"now": "2026-11-20T14:30:00Z", "action": {"channel": "call", "recipient": {"role": "borrower"}}}',
        '{"now": "2026-11-20T14:30:00Z", "action": {"channel": "call", "recipient": {"role": "borrower"}}, '
        '"account": {"dpd": NaN}}',
        '{"now": "2026-11-20T14:30:00Z", "action": {"channel": "call", "recipient": {"role": "borrower"}}, '
        '"account": {"dpd": 1e2}}',
        '{"now": "2026-11-20T14:30:00Z", "action": {"channel": "call", "recipient": {"role": "borrower"}}, '
        '"account": {"dpd": 99999999999999999999999}}',
    ],
)
def test_odd_texts_read_the_same(text: str) -> None:
    same(text)


# -- broken requests ----------------------------------------------------------------------------

ODD_VALUES = [
    None, True, False, 0, 1, -1, 45.0, 2.5, "", "x", "call", "borrower", "2026-11-20", "2026-11-20T10:00:00",
    "2026-11-20T10:00:00Z", "2026-11-20 10:00:00+08:00", "10:00", "24:00", "523.4", "5.234", "-1.00", "1e3",
    "CNY", "cny", "Asia/Nowhere", "UTC", [], [None], ["sms"], {}, {"start": "09:00"},
]  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out.extend(_paths(child, (*prefix, i)))
    return out


PATHS = _paths(FULL)


def _set(doc: Any, path: tuple[Any, ...], how: str, value: Any) -> None:
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "replace":
        parent[last] = value
    elif how == "delete":
        del parent[last]
    elif isinstance(parent[last], dict):
        parent[last]["unknown_field"] = value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(PATHS),
            st.sampled_from(["replace", "replace", "replace", "delete", "extra"]),
            st.sampled_from(ODD_VALUES),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_a_broken_request_reads_the_same(edits: list[tuple[tuple[Any, ...], str, Any]]) -> None:
    doc = copy.deepcopy(FULL)
    for path, how, value in edits:
        try:
            _set(doc, path, how, copy.deepcopy(value))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or replaced this path's parent
    same(json.dumps(doc, ensure_ascii=False))


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_a_generated_request_reads_the_same(seed: int) -> None:
    from bench.policy import make_requests

    raw = make_requests(1, seed=seed)[0]
    rng = random.Random(seed)
    if rng.random() < 0.5 and raw["history"]:
        raw["history"][rng.randrange(len(raw["history"]))]["at"] = rng.choice(["2026-11-20", "x", None, 5])
    same(json.dumps(raw, ensure_ascii=False))
