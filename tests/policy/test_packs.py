"""Every case of every pack's ``tests/*_test.yaml`` is a test of its own, and every rule of the
spec has at least one allowing and one refusing case."""

from __future__ import annotations

from pathlib import Path

import pytest

from faircollect.policy import Pack, PackLibrary, load_pack
from faircollect.policy.testing import Case, iter_cases, run_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policy"
SHIPPED = ("cn", "us", "uk")

#: The rule ids of spec/policy.md's three tables, in the spec's order.
SPEC_RULES = {
    "cn": [
        "CN-HOURS", "CN-FREQ-VOICE", "CN-FREQ-ATTEMPT", "CN-FREQ-SMS", "CN-FREQ-PUSH", "CN-THIRD-PARTY",
        "CN-CONTACT-WHEN", "CN-CONTACT-PURPOSE", "CN-CONTACT-REFUSED", "CN-CONTENT", "CN-AMOUNT",
        "CN-RATE-CAP", "CN-HOLD-COMPLAINT", "CN-HOLD-DISPUTE", "CN-HOLD-PLAN", "CN-DECEASED", "CN-OPT-OUT",
        "CN-STAFF", "CN-AGENCY", "CN-FIELD-VISIT", "CN-LAWYER-LETTER", "CN-LAWSUIT",
    ],
    "us": [
        "US-HOURS", "US-7IN7", "US-CEASE", "US-ATTORNEY", "US-MEDIUM", "US-THIRD-PARTY", "US-OPT-OUT-NOTICE",
        "US-DISPUTE", "US-TIME-BARRED", "US-CONTENT",
    ],
    "uk": ["UK-BREATHING-SPACE", "UK-HOURS", "UK-FORBEARANCE", "UK-VULNERABLE", "UK-CONTENT"],
}  # fmt: skip
TIME_RULES = {
    "CN-HOURS", "CN-FREQ-VOICE", "CN-FREQ-ATTEMPT", "CN-FREQ-SMS", "CN-FREQ-PUSH", "US-HOURS", "US-7IN7", "UK-HOURS",
}  # fmt: skip


def _packs() -> list[Pack]:
    return [load_pack(p) for p in SHIPPED] + [PackLibrary(FIXTURES).get("acme-cn")]


def _cases() -> list[tuple[Pack, Case]]:
    return [(pack, case) for pack in _packs() for case in iter_cases(pack)]


@pytest.mark.parametrize(
    ("pack", "case"), [pytest.param(p, c, id=f"{p.id}/{c.file.name}::{c.name}") for p, c in _cases()]
)
def test_case(pack: Pack, case: Case) -> None:
    result = run_case(pack, case)
    assert result.passed, "\n".join(result.problems) + f"\nactual: {result.actual}"


@pytest.mark.parametrize("pack_id", SHIPPED)
def test_the_pack_has_exactly_the_rules_of_the_spec(pack_id: str) -> None:
    pack = load_pack(pack_id)
    assert [rule.id for rule in pack.rules] == SPEC_RULES[pack_id]
    assert {rule.id for rule in pack.time_rules} == TIME_RULES & set(SPEC_RULES[pack_id])


@pytest.mark.parametrize("pack_id", SHIPPED)
def test_every_rule_has_an_allowing_and_a_refusing_case(pack_id: str) -> None:
    """A case is about a rule when its name starts with the rule id; it refuses when it expects the
    rule among the hits, and allows when it expects the rule not to fire."""
    pack = load_pack(pack_id)
    cases = list(iter_cases(pack))
    for rule in pack.rules:
        about = [c for c in cases if c.name.split(" ")[0] == rule.id]
        refusing = [c for c in about if rule.id in c.expect["rules"]]
        allowing = [c for c in about if rule.id not in c.expect["rules"]]
        assert refusing, f"{rule.id}: no case expects it to deny or review"
        assert allowing, f"{rule.id}: no case expects it to pass"


@pytest.mark.parametrize("pack_id", SHIPPED)
def test_time_rules_have_cases_pinning_next_allowed_at(pack_id: str) -> None:
    pack = load_pack(pack_id)
    cases = list(iter_cases(pack))
    for rule in pack.time_rules:
        pinned = [
            c
            for c in cases
            if rule.id in c.expect["rules"]
            and c.expect.get("next_allowed_at")
            and c.expect["decision"] == "deny"
        ]
        assert pinned, f"{rule.id}: no case pins its next_allowed_at"


def test_the_edges_the_issue_names_are_covered() -> None:
    names = " | ".join(c.name for pack in _packs() for c in iter_cases(pack))
    for edge in (
        "22:00:00 exactly",
        "21:59:59",
        "00:30 local (16:30Z the previous UTC day)",
        "Asia/Urumqi",
        "America/Los_Angeles",
        "2026-03-08",
        "2026-11-01",
        "2026-03-29",
        "2026-10-25",
        "widen",
        "narrow",
        "next morning's 08:00",
        "23:00 local, next is the next 08:00",
        "ages past 168 h",
        "opening after it",
        "no next_allowed_at",
    ):
        assert edge in names, edge


def test_a_case_that_expects_the_wrong_answer_fails_with_each_difference_named() -> None:
    pack = load_pack("cn")
    request = {
        "now": "2026-11-20T14:00:00Z",
        "action": {"channel": "call", "recipient": {"role": "borrower"}},
    }
    wrong = Case(
        file=Path("made_up_test.yaml"),
        index=0,
        name="wrong on purpose",
        now=None,
        request=request,
        expect={"decision": "allow", "rules": ["CN-FREQ-SMS"], "next_allowed_at": "2026-11-21T01:00:00Z"},
    )
    result = run_case(pack, wrong)
    assert not result.passed
    assert result.actual is not None
    assert result.actual["next_allowed_at"] == "2026-11-21T00:00:00Z"
    assert result.problems == (
        "decision: expected allow, got deny",
        "rules: missing CN-FREQ-SMS; unexpected CN-HOURS",
        "next_allowed_at: expected 2026-11-21T01:00:00Z, got 2026-11-21T00:00:00Z",
    )
    right = Case(wrong.file, 0, "right", "2026-11-20T06:30:00Z", request, {"decision": "allow", "rules": []})
    assert run_case(pack, right).passed, "the case's own now overrides the request's"
