"""The engine: pure and deterministic, the answer's exact shape, request parsing that names the
field, facts computed once, and next_allowed_at that is the earliest instant, checked by brute force."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from faircollect.domain.errors import BadInput
from faircollect.policy import PackLibrary, decide, evaluate, evaluate_many, load_pack, parse_request
from faircollect.policy.facts import Facts, default_screener
from faircollect.policy.model import Window

CLEAN = "您好，您的账单已逾期，请尽快还款。"
ABUSIVE = "你这个傻逼，再不还钱就去你家闹"


def request(**parts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "now": "2026-11-20T06:30:00Z",
        "action": {
            "channel": "call",
            "recipient": {"role": "borrower", "id": "B1", "phone": "+8613800000000"},
        },
    }
    base.update(parts)
    return base


def decide_json(raw: dict[str, Any], pack: str = "cn") -> dict[str, Any]:
    parsed = parse_request(raw)
    return evaluate(load_pack(pack), parsed, parsed.now).to_json()


# -- the answer --------------------------------------------------------------------------------


def test_the_answer_has_exactly_the_spec_shape_and_key_order() -> None:
    answer = decide_json(request(now="2026-11-20T14:30:00Z"))
    assert list(answer) == ["decision", "rules", "next_allowed_at", "pack", "pack_version"]
    assert answer["decision"] == "deny"
    assert answer["rules"] == [
        {
            "id": "CN-HOURS",
            "effect": "deny",
            "reason": {
                "zh": "当地时间不在可催收时段（08:00-22:00，或与借款人约定的时段）内",
                "en": "outside the contact hours at the borrower's local time "
                "(08:00-22:00, or the hours agreed with the borrower)",
            },
        }
    ]
    assert list(answer["rules"][0]) == ["id", "effect", "reason"]
    assert answer["next_allowed_at"] == "2026-11-21T00:00:00Z"
    assert answer["pack"] == "cn"
    assert answer["pack_version"] == load_pack("cn").version


def test_an_allowed_action_lists_no_rules() -> None:
    answer = decide_json(request())
    assert answer["decision"] == "allow"
    assert answer["rules"] == []
    assert answer["next_allowed_at"] is None


def test_rules_are_listed_in_pack_order_and_deny_outranks_review() -> None:
    raw = request(
        action={"channel": "sms", "recipient": {"role": "borrower", "id": "B1"}, "text": ABUSIVE},
        borrower={"opt_outs": ["sms"]},
        cases={"plan": "active"},
    )
    answer = decide_json(raw)
    assert [r["id"] for r in answer["rules"]] == ["CN-CONTENT", "CN-HOLD-PLAN", "CN-OPT-OUT"]
    assert answer["decision"] == "deny"


def test_the_same_request_pack_and_now_give_the_same_bytes() -> None:
    raws = [
        request(now="2026-11-20T15:00:00Z"),
        request(action={"channel": "sms", "recipient": {"role": "contact", "id": "C1"}, "text": ABUSIVE}),
        request(
            history=[
                {
                    "channel": "call",
                    "recipient_role": "borrower",
                    "at": f"2026-11-20T0{h}:00:00Z",
                    "outcome": "connected",
                }
                for h in (1, 2, 3)
            ]
        ),
    ]
    first = [json.dumps(decide_json(r), sort_keys=False, ensure_ascii=False) for r in raws]
    # A fresh library compiles the packs again: same version, same bytes.
    fresh = PackLibrary().get("cn")
    assert fresh is not load_pack("cn")
    for _ in range(3):
        again = []
        for raw in raws:
            parsed = parse_request(raw)
            again.append(
                json.dumps(evaluate(fresh, parsed, parsed.now).to_json(), sort_keys=False, ensure_ascii=False)
            )
        assert again == first


def test_evaluate_uses_the_now_it_is_given_not_the_request_s() -> None:
    parsed = parse_request(request(now="2026-11-20T06:30:00Z"))
    pack = load_pack("cn")
    assert evaluate(pack, parsed, parsed.now).effect == "allow"
    late = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    decision = evaluate(pack, parsed, late)
    assert decision.effect == "deny"
    assert [hit.id for hit in decision.rules] == ["CN-HOURS"]


def test_the_pack_s_default_timezone_applies_when_the_borrower_names_none() -> None:
    # 13:30Z is 21:30 in Shanghai (inside cn's window) and 13:30 in London (inside uk's).
    raw = request(now="2026-11-20T13:30:00Z")
    assert decide_json(raw, "cn")["decision"] == "allow"
    # 21:30Z is 05:30 in Shanghai but 21:30 in London (outside uk's 08:00-21:00).
    late = request(now="2026-11-20T21:30:00Z")
    assert decide_json(late, "cn")["rules"][0]["id"] == "CN-HOURS"
    assert decide_json(late, "uk")["rules"][0]["id"] == "UK-HOURS"


def test_evaluate_many_answers_in_order_each_at_its_own_now() -> None:
    raws = [request(now=f"2026-11-20T{h:02d}:30:00Z") for h in range(0, 24, 3)]
    parsed = [parse_request(r) for r in raws]
    pack = load_pack("cn")
    batch = evaluate_many(pack, parsed)
    assert [d.to_json() for d in batch] == [evaluate(pack, p, p.now).to_json() for p in parsed]
    assert {d.effect for d in batch} == {"allow", "deny"}


def test_decide_picks_the_request_s_pack_over_the_default() -> None:
    raw = request(now="2026-11-20T21:30:00Z", pack="uk")
    assert decide(raw, library=PackLibrary(), default_pack="cn").pack == "uk"
    assert decide(request(), library=PackLibrary(), default_pack="us").pack == "us"
    with pytest.raises(BadInput) as info:
        decide(request(pack="xx"), library=PackLibrary())
    assert info.value.problems[0].column == "pack"


# -- content -----------------------------------------------------------------------------------


class CountingScreener:
    """A fake content screen: verdicts by text, counting how often it is asked."""

    def __init__(self, verdicts: dict[str, tuple[str, frozenset[str]]]) -> None:
        self.verdicts = verdicts
        self.calls: list[str] = []

    def __call__(self, text: str) -> tuple[str, frozenset[str]]:
        self.calls.append(text)
        return self.verdicts.get(text, ("ok", frozenset()))


def test_a_text_the_screen_sends_to_review_is_a_review_not_a_deny() -> None:
    screener = CountingScreener({"borderline": ("review", frozenset({"insult"}))})
    for pack_id, rule_id in (("cn", "CN-CONTENT"), ("us", "US-CONTENT"), ("uk", "UK-CONTENT")):
        parsed = parse_request(
            request(
                now="2026-11-20T15:00:00Z" if pack_id == "us" else "2026-11-20T10:00:00Z",
                action={"channel": "letter", "recipient": {"role": "borrower"}, "text": "borderline"},
            )
        )
        decision = evaluate(load_pack(pack_id), parsed, parsed.now, screener=screener)
        assert decision.effect == "review"
        assert [(h.id, h.effect) for h in decision.rules] == [(rule_id, "review")]


def test_the_screen_is_asked_once_per_request_though_two_rules_read_the_text() -> None:
    screener = CountingScreener({"tell the boss": ("block", frozenset({"privacy"}))})
    parsed = parse_request(
        request(
            action={
                "channel": "sms",
                "recipient": {"role": "contact", "id": "C1"},
                "purpose": "relay",
                "text": "tell the boss",
            },
            borrower={"flags": ["lost_contact"]},
        )
    )
    decision = evaluate(load_pack("cn"), parsed, parsed.now, screener=screener)
    assert [h.id for h in decision.rules] == ["CN-CONTACT-PURPOSE", "CN-CONTENT"]
    assert screener.calls == ["tell the boss"]


def test_an_action_without_text_never_asks_the_screen() -> None:
    screener = CountingScreener({})
    parsed = parse_request(request())
    evaluate(load_pack("cn"), parsed, parsed.now, screener=screener)
    assert screener.calls == []


def test_the_default_screen_is_cached_by_text() -> None:
    text = "您好，这是一条缓存测试消息，请尽快还款。"
    before = default_screener.cache_info()
    pack = load_pack("cn")
    parsed = [
        parse_request(request(action={"channel": "sms", "recipient": {"role": "borrower"}, "text": text}))
        for _ in range(5)
    ]
    evaluate_many(pack, parsed)
    after = default_screener.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits >= 4


# -- facts -------------------------------------------------------------------------------------


def test_facts_are_computed_once_and_only_when_asked() -> None:
    parsed = parse_request(request(borrower={"timezone": "Asia/Urumqi"}))
    facts = Facts.of(parsed, parsed.now, default_timezone="Asia/Shanghai")
    assert "local_time" not in facts._cache
    assert facts.get("local_time") == time(12, 30)
    assert facts.get("local_time") is facts._cache["local_time"]


def test_a_history_entry_after_now_is_not_counted() -> None:
    raw = request(
        history=[
            {
                "channel": "call",
                "recipient_role": "borrower",
                "at": f"2026-11-20T0{h}:00:00Z",
                "outcome": "connected",
            }
            for h in (1, 2, 7)  # 07:00Z is after now (06:30Z)
        ]
    )
    assert decide_json(raw)["decision"] == "allow"


def test_a_window_over_midnight_contains_both_ends_of_the_night() -> None:
    night = Window(time(20, 0), time(2, 0))
    assert night.contains(time(23, 0))
    assert night.contains(time(1, 59))
    assert not night.contains(time(2, 0))
    assert not night.contains(time(12, 0))
    assert len(night.minutes()) == 6 * 60


def test_contact_hours_agreed_over_midnight_is_honoured() -> None:
    agreed = {"contact_hours_agreed": {"start": "20:00", "end": "02:00"}}
    # 17:00Z is 01:00 in Shanghai: inside the agreed window.
    assert decide_json(request(now="2026-11-20T17:00:00Z", borrower=agreed))["decision"] == "allow"
    # 06:30Z is 14:30: outside it, and the next opening is 20:00 local (12:00Z).
    answer = decide_json(request(borrower=agreed))
    assert answer["rules"][0]["id"] == "CN-HOURS"
    assert answer["next_allowed_at"] == "2026-11-20T12:00:00Z"


# -- next_allowed_at, checked by brute force ----------------------------------------------------

ZONES = {
    "cn": ["Asia/Shanghai", "Asia/Urumqi", "Asia/Kathmandu", "Australia/Lord_Howe"],
    "us": ["America/New_York", "America/Los_Angeles", "America/St_Johns", "Pacific/Honolulu"],
    "uk": ["Europe/London", "Europe/Dublin"],
}
NOWS = [
    datetime(2026, 11, 20, 6, 30, tzinfo=UTC),
    datetime(2026, 3, 7, 23, 10, tzinfo=UTC),  # the night DST starts in North America
    datetime(2026, 10, 31, 22, 45, tzinfo=UTC),  # the night DST ends in North America
    datetime(2026, 3, 28, 20, 5, tzinfo=UTC),  # the night BST starts
    datetime(2026, 10, 24, 20, 55, tzinfo=UTC),  # the night BST ends
    datetime(2026, 4, 4, 14, 20, tzinfo=UTC),  # Lord Howe's half-hour DST ends on 2026-04-05
]


def _random_request(rng: random.Random, pack_id: str) -> dict[str, Any]:
    now = rng.choice(NOWS) + timedelta(minutes=rng.randrange(0, 24 * 60, 7))
    channel = rng.choice(["call", "call", "call", "sms", "push", "email"])
    history = []
    for _ in range(rng.randrange(0, 14)):
        at = now - timedelta(minutes=rng.randrange(1, 9 * 24 * 60))
        history.append(
            {
                "channel": rng.choice(["call", "call", "sms", "push"]),
                "recipient_role": "borrower",
                "recipient_id": "B1",
                "phone": "+100",
                "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "outcome": rng.choice(["connected", "no_answer", "busy", "voicemail", "delivered"]),
            }
        )
    borrower: dict[str, Any] = {"timezone": rng.choice(ZONES[pack_id])}
    if pack_id == "cn" and rng.random() < 0.3:
        start = rng.choice(["06:30", "09:00", "20:00"])
        end = rng.choice(["11:15", "18:00", "23:30", "02:00"])
        if start != end:
            borrower["contact_hours_agreed"] = {"start": start, "end": end}
    text = "Reply STOP to opt out." if pack_id == "us" else CLEAN
    return {
        "now": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "action": {
            "channel": channel,
            "recipient": {"role": "borrower", "id": "B1", "phone": "+100"},
            "text": text,
        },
        "borrower": borrower,
        "history": history,
    }


def _time_rules_pass(pack_id: str, facts: Facts, at: datetime) -> bool:
    later = facts.later(at)
    return all((hit := r.judge(later)) is None or hit.effect != "deny" for r in load_pack(pack_id).time_rules)


@pytest.mark.parametrize("pack_id", ["cn", "us", "uk"])
def test_next_allowed_at_is_the_earliest_instant_at_which_every_time_rule_passes(pack_id: str) -> None:
    rng = random.Random(f"next-{pack_id}")
    pack = load_pack(pack_id)
    checked = 0
    while checked < 25:
        parsed = parse_request(_random_request(rng, pack_id))
        decision = evaluate(pack, parsed, parsed.now)
        if decision.effect != "deny":
            continue
        assert decision.next_allowed_at is not None, decision.to_json()
        facts = Facts.of(parsed, parsed.now, default_timezone=pack.timezone, screener=default_screener)
        upcoming = decision.next_allowed_at
        assert upcoming > parsed.now
        assert _time_rules_pass(pack_id, facts, upcoming)
        # No earlier instant passes: every minute in between, and the second before.
        probe = parsed.now.replace(second=0) + timedelta(minutes=1)
        while probe < upcoming:
            assert not _time_rules_pass(pack_id, facts, probe), (parsed, probe, upcoming)
            probe += timedelta(minutes=1)
        assert not _time_rules_pass(pack_id, facts, upcoming - timedelta(seconds=1))
        checked += 1


# -- parsing: bad input names the field --------------------------------------------------------


def _with(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(json.dumps(base or request()))
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node.setdefault(key, {})
    if value is _DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return raw


_DELETE = object()
_HISTORY = [
    {"channel": "call", "recipient_role": "borrower", "at": "2026-11-19T02:00:00Z", "outcome": "connected"}
] * 3


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (_with("action.channel", "fax"), "action.channel"),
        (_with("action.channel", _DELETE), "action.channel"),
        (_with("action.recipient", {"id": "B1"}), "action.recipient.role"),
        (_with("action.recipient", _DELETE), "action.recipient.role"),
        (_with("action.recipient.role", "neighbour"), "action.recipient.role"),
        (_with("action.purpose", "scare"), "action.purpose"),
        (_with("now", _DELETE), "now"),
        (_with("now", "2026-11-20T14:30:00"), "now"),
        (_with("now", "2026-11-20"), "now"),
        (_with("now", "yesterday"), "now"),
        (_with("now", 1763620200), "now"),
        (_with("action.amount_stated", "5,234.00"), "action.amount_stated"),
        (_with("action.amount_stated", "523.405"), "action.amount_stated"),
        (_with("action.amount_stated", 523.4), "action.amount_stated"),
        (_with("account", {"overdue_amount": "-1.00"}), "account.overdue_amount"),
        (_with("account", {"dpd": "45"}), "account.dpd"),
        (_with("account", {"time_barred": "no"}), "account.time_barred"),
        (_with("borrower", {"timezone": "Mars/Olympus"}), "borrower.timezone"),
        (_with("borrower", {"timezone": "+08:00"}), "borrower.timezone"),
        (_with("borrower", {"flags": ["grumpy"]}), "borrower.flags[0]"),
        (_with("borrower", {"flags": "deceased"}), "borrower.flags"),
        (_with("borrower", {"opt_outs": ["sms", "fax"]}), "borrower.opt_outs[1]"),
        (
            _with("borrower", {"contact_hours_agreed": {"start": "7:30", "end": "22:00"}}),
            "borrower.contact_hours_agreed.start",
        ),
        (_with("borrower", {"consents": [{"kind": "dinner"}]}), "borrower.consents[0].kind"),
        (_with("contact", {"refused": "yes"}), "contact.refused"),
        (_with("cases", {"plan": "maybe"}), "cases.plan"),
        (_with("action.agency", {"status": "paused"}), "action.agency.status"),
        (_with("action.agents", [{"id": "A1", "trained_on": "2026/03/01"}]), "action.agents[0].trained_on"),
        (_with("approvals", [{"kind": "party", "role": "legal"}]), "approvals[0].kind"),
        (_with("approvals", [{"kind": "lawsuit", "role": "ceo"}]), "approvals[0].role"),
        (_with("history", [*_HISTORY, {"channel": "call", "at": "2026-11-19T02:00:00"}]), "history[3].at"),
        (
            _with("history", [*_HISTORY, {"channel": "call", "at": "2026-11-19T02:00:00Z", "outcome": "ok"}]),
            "history[3].outcome",
        ),
        (
            _with("history", [*_HISTORY, {"channel": "pigeon", "at": "2026-11-19T02:00:00Z"}]),
            "history[3].channel",
        ),
        (_with("history", [*_HISTORY, {"channel": "call"}]), "history[3].at"),
        (_with("history", [*_HISTORY, "call"]), "history[3]"),
        (_with("history", {"channel": "call"}), "history"),
        (_with("histroy", []), "histroy"),
        (_with("pack", 3), "pack"),
        ([request()], ""),
    ],
)
def test_bad_input_names_the_field(raw: Any, field: str) -> None:
    with pytest.raises(BadInput) as info:
        parse_request(raw)
    problem = info.value.problems[0]
    assert problem.column == field, problem
    assert problem.reason


def test_a_complete_request_of_the_spec_parses() -> None:
    raw = {
        "pack": "cn",
        "now": "2026-11-20T14:30:00Z",
        "action": {
            "channel": "call",
            "recipient": {"role": "borrower", "id": "B1", "phone": "+8613800000000"},
            "purpose": "collect",
            "text": "message body, if any",
            "amount_stated": "523.40",
            "agents": [{"id": "A1", "trained_on": "2026-03-01"}],
            "agency": {"id": "AG1", "status": "active", "evaluated_on": "2026-01-10"},
        },
        "borrower": {
            "timezone": "Asia/Shanghai",
            "flags": ["lost_contact"],
            "opt_outs": ["sms", "push", "email"],
            "contact_hours_agreed": {"start": "07:30", "end": "22:30"},
            "consents": [{"kind": "field_visit", "at": "2026-11-01T10:00:00+08:00"}],
        },
        "contact": {"relation": "emergency", "refused": False},
        "account": {
            "dpd": 45,
            "overdue_amount": "523.40",
            "outstanding_total": "1523.40",
            "lawful_max": "1523.40",
            "currency": "CNY",
            "time_barred": False,
        },
        "cases": {
            "complaint_open": False,
            "dispute_open": False,
            "plan": "none",
            "legal_procedure": False,
            "forbearance_offered": False,
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
            }
        ],
        "approvals": [{"kind": "field_visit", "role": "compliance", "at": "2026-11-18T03:00:00Z"}],
    }
    parsed = parse_request(raw)
    assert parsed.action.amount_stated == 52340
    assert parsed.account.outstanding_total == 152340
    assert parsed.borrower.contact_hours_agreed == Window(time(7, 30), time(22, 30))
    assert parsed.history[0].at == datetime(2026, 11, 19, 2, 0, tzinfo=UTC)
    assert parsed.borrower.flags == frozenset({"lost_contact"})
    answer = evaluate(load_pack("cn"), parsed, parsed.now).to_json()
    # 22:30 local is the agreed window's end (outside); the amount and the agent are fine.
    assert [r["id"] for r in answer["rules"]] == ["CN-HOURS"]
    assert answer["next_allowed_at"] == "2026-11-20T23:30:00Z"


def test_defaults_fill_what_the_request_leaves_out() -> None:
    parsed = parse_request(
        {"now": "2026-11-20T06:30:00Z", "action": {"channel": "sms", "recipient": {"role": "borrower"}}}
    )
    assert parsed.action.purpose == "collect"
    assert parsed.history == ()
    assert parsed.cases.plan == "none"
    assert parsed.borrower.timezone is None
    assert parsed.contact.refused is False
