"""Loading packs: schema, named legal/house parameters with sources, versions that follow the
content, ``extends`` with tightening accepted and loosening refused, and no pack without tests."""

from __future__ import annotations

import re
import shutil
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from faircollect.policy import PackError, PackLibrary, evaluate, load_pack, parse_request
from faircollect.policy.model import Window
from faircollect.policy.pack import SHIPPED_DIR

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policy"
CASE = [
    {
        "name": "CN-HOURS a case",
        "request": {
            "now": "2026-11-20T06:30:00Z",
            "action": {"channel": "call", "recipient": {"role": "borrower"}},
        },
        "expect": {"decision": "allow", "rules": []},
    }
]


def write_pack(root: Path, data: dict[str, Any], *, tests: bool = True) -> Path:
    directory: Path = root / data["pack"]
    directory.mkdir(parents=True)
    (directory / "pack.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    if tests:
        (directory / "tests").mkdir()
        (directory / "tests" / "a_test.yaml").write_text(yaml.safe_dump(CASE), encoding="utf-8")
    return directory


def lender(root: Path, **overrides: Any) -> Path:
    return write_pack(root, {"pack": "lender", "version": "1", "extends": "cn", "overrides": overrides})


def base_pack(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "pack": "mini",
        "version": "1",
        "timezone": "Asia/Shanghai",
        "parameters": {
            "cap": {"value": 3, "kind": "legal", "tighten": "lower", "source": "a law"},
        },
        "rules": [
            {
                "id": "MINI-CAP",
                "source": "a law",
                "deny": {
                    "when": {"count": {"channel": "call", "period": "today"}, "gte": {"param": "cap"}},
                    "reason": {"zh": "超过{cap}次", "en": "more than {cap} calls"},
                },
            }
        ],
    }
    data.update(changes)
    return data


# -- the shipped packs -------------------------------------------------------------------------


def test_the_shipped_packs_load_with_a_version_and_a_content_hash() -> None:
    for pack_id, zone in (("cn", "Asia/Shanghai"), ("us", "America/New_York"), ("uk", "Europe/London")):
        pack = load_pack(pack_id)
        assert pack.id == pack_id
        assert pack.timezone == zone
        assert re.fullmatch(r"2026\.11\.1\+[0-9a-f]{8}", pack.version), pack.version
        assert pack.directory == SHIPPED_DIR / pack_id
        assert pack.tests, "a shipped pack has its tests"


def test_every_rule_cites_a_source_and_every_parameter_is_legal_or_house() -> None:
    for pack_id in ("cn", "us", "uk"):
        pack = load_pack(pack_id)
        for rule in pack.rules:
            assert "research note" in rule.source, rule.id
            assert rule.deny_reason or rule.review_reason
            for reason in filter(None, (rule.deny_reason, rule.review_reason)):
                assert reason.zh, rule.id
                assert reason.en, rule.id
                assert "{" not in reason.zh + reason.en, rule.id
        for param in pack.parameters.values():
            assert param.kind in ("legal", "house")
            assert "research note" in param.source, param.name


def test_the_spec_numbers_are_named_parameters() -> None:
    cn = {name: (p.value, p.kind) for name, p in load_pack("cn").parameters.items()}
    assert cn["hours"] == (Window(time(8), time(22)), "legal")
    assert cn["voice_connected_per_day"] == (3, "legal")
    assert cn["unanswered_calls_per_number_per_day"] == (6, "legal")
    assert cn["sms_per_day"] == (2, "house")
    assert cn["push_per_day"] == (3, "house")
    assert cn["staff_training_valid_days"][0] == 365
    assert cn["agency_evaluation_valid_days"][0] == 365
    assert cn["field_visit_min_agents"] == (2, "legal")
    assert cn["lawyer_letter_min_dpd"][0] == 30
    assert cn["letter_wait_days"][0] == 7
    assert cn["lawyer_letter_wait_days"][0] == 15
    us = {name: p.value for name, p in load_pack("us").parameters.items()}
    assert us["hours"] == Window(time(8), time(21))
    assert (us["calls_per_window"], us["call_window_hours"]) == (7, 168)
    assert load_pack("uk").parameters["hours"].value == Window(time(8), time(21))


def test_a_changed_pack_has_a_changed_version(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED_DIR / "cn", tmp_path / "cn")
    same = PackLibrary(tmp_path, base_packs=True).get("cn")
    assert same.version == load_pack("cn").version
    path = tmp_path / "cn" / "pack.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: 3\n", "value: 2\n", 1), encoding="utf-8")
    changed = PackLibrary(tmp_path, base_packs=True).get("cn")
    assert changed.version.split("+")[0] == same.version.split("+")[0]
    assert changed.version != same.version


# -- a lender's pack ---------------------------------------------------------------------------


def test_a_lender_pack_that_tightens_cn_loads_and_decides_with_its_values() -> None:
    pack = PackLibrary(FIXTURES).get("acme-cn")
    assert pack.extends == "cn"
    assert pack.parameters["hours"].value == Window(time(9), time(20))
    assert pack.parameters["hours"].overridden_by == "acme-cn"
    assert pack.parameters["sms_per_day"].value == 1
    assert pack.parameters["voice_connected_per_day"].value == 3  # inherited
    assert [r.id for r in pack.rules][-1] == "ACME-NO-EMAIL"
    parsed = parse_request(
        {"now": "2026-11-20T00:30:00Z", "action": {"channel": "call", "recipient": {"role": "borrower"}}}
    )
    decision = evaluate(pack, parsed, parsed.now)
    assert decision.pack == "acme-cn"
    assert [h.id for h in decision.rules] == ["CN-HOURS"]
    assert "09:00-20:00" in decision.rules[0].reason.en
    # The shipped cn pack, loaded beside it, is untouched.
    assert evaluate(load_pack("cn"), parsed, parsed.now).effect == "allow"


def test_a_lender_pack_that_loosens_a_legal_value_is_refused_naming_it() -> None:
    with pytest.raises(PackError) as info:
        PackLibrary(FIXTURES).get("loose-cn")
    message = str(info.value)
    assert info.value.pack == "loose-cn"
    assert info.value.parameter == "voice_connected_per_day"
    for part in ("'loose-cn'", "voice_connected_per_day", "'cn'", "shipped 3", "requested 5"):
        assert part in message, message


@pytest.mark.parametrize(
    ("name", "value", "shipped", "requested"),
    [
        ("hours", {"start": "07:00", "end": "22:00"}, "shipped 08:00-22:00", "requested 07:00-22:00"),
        ("hours", {"start": "08:00", "end": "23:00"}, "shipped 08:00-22:00", "requested 08:00-23:00"),
        ("unanswered_calls_per_number_per_day", 7, "shipped 6", "requested 7"),
        ("field_visit_min_agents", 1, "shipped 2", "requested 1"),
        ("unreachable_after_failed_calls", 2, "shipped 3", "requested 2"),
        ("staff_training_valid_days", 400, "shipped 365", "requested 400"),
        (
            "contact_purposes",
            ["locate", "relay", "collect"],
            "shipped [locate, relay]",
            "requested [locate, relay, collect]",
        ),
    ],
)
def test_loosening_any_legal_parameter_is_refused(
    tmp_path: Path, name: str, value: Any, shipped: str, requested: str
) -> None:
    lender(tmp_path, **{name: value})
    with pytest.raises(PackError) as info:
        PackLibrary(tmp_path).get("lender")
    assert info.value.parameter == name
    assert shipped in str(info.value)
    assert requested in str(info.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("hours", {"start": "08:00", "end": "22:00"}),  # the same is not looser
        ("hours", {"start": "10:00", "end": "12:00"}),
        ("voice_connected_per_day", 2),
        ("field_visit_min_agents", 4),
        ("contact_purposes", ["locate"]),
        ("sms_per_day", 5),  # house: a lender may loosen the platform's own choice
        ("lawyer_letter_wait_days", 10),  # house
    ],
)
def test_tightening_or_changing_a_house_value_is_accepted(tmp_path: Path, name: str, value: Any) -> None:
    lender(tmp_path, **{name: value})
    pack = PackLibrary(tmp_path).get("lender")
    assert pack.parameters[name].overridden_by == "lender"
    expected = (
        Window(time.fromisoformat(value["start"]), time.fromisoformat(value["end"]))
        if isinstance(value, dict)
        else value
    )
    assert pack.parameters[name].value == (tuple(expected) if isinstance(expected, list) else expected)


def test_a_lender_pack_may_not_replace_a_shipped_rule(tmp_path: Path) -> None:
    write_pack(
        tmp_path,
        {
            "pack": "lender",
            "version": "1",
            "extends": "cn",
            "rules": [
                {
                    "id": "CN-HOURS",
                    "source": "mine",
                    "deny": {
                        "when": {"fact": "action.channel", "eq": "lawsuit"},
                        "reason": {"zh": "否", "en": "no"},
                    },
                }
            ],
        },
    )
    with pytest.raises(PackError, match="CN-HOURS"):
        PackLibrary(tmp_path).get("lender")


def test_overriding_an_unknown_parameter_is_refused(tmp_path: Path) -> None:
    lender(tmp_path, sms_per_week=3)
    with pytest.raises(PackError, match="sms_per_week"):
        PackLibrary(tmp_path).get("lender")


def test_overriding_with_the_wrong_kind_of_value_is_refused(tmp_path: Path) -> None:
    lender(tmp_path, hours=9)
    with pytest.raises(PackError, match="'hours' is a window, not a number"):
        PackLibrary(tmp_path).get("lender")


def test_extending_an_unknown_pack_or_itself_is_refused(tmp_path: Path) -> None:
    write_pack(tmp_path, {"pack": "orphan", "version": "1", "extends": "zz", "overrides": {"x": 1}})
    with pytest.raises(PackError, match="no such pack"):
        PackLibrary(tmp_path).get("orphan")
    write_pack(tmp_path, {"pack": "loop-a", "version": "1", "extends": "loop-b"})
    write_pack(tmp_path, {"pack": "loop-b", "version": "1", "extends": "loop-a"})
    with pytest.raises(PackError, match="extends itself"):
        PackLibrary(tmp_path).get("loop-a")


# -- what does not load ------------------------------------------------------------------------


def test_a_pack_without_tests_does_not_load(tmp_path: Path) -> None:
    write_pack(tmp_path, base_pack(), tests=False)
    with pytest.raises(PackError, match=r"has no tests.*_test\.yaml"):
        PackLibrary(tmp_path, base_packs=True).get("mini")


def test_a_valid_minimal_pack_loads(tmp_path: Path) -> None:
    write_pack(tmp_path, base_pack())
    pack = PackLibrary(tmp_path, base_packs=True).get("mini")
    assert pack.rules[0].deny_reason is not None
    assert pack.rules[0].deny_reason.en == "more than 3 calls"


def test_a_directory_that_does_not_match_the_pack_id_is_refused(tmp_path: Path) -> None:
    directory = write_pack(tmp_path, base_pack())
    directory.rename(tmp_path / "other")
    with pytest.raises(PackError, match="its directory is 'other'"):
        PackLibrary(tmp_path, base_packs=True).get("other")


def _rule(when: Any) -> list[dict[str, Any]]:
    return [{"id": "MINI-X", "source": "s", "deny": {"when": when, "reason": {"zh": "否", "en": "no"}}}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (base_pack(rules=_rule({"fact": "action.colour", "eq": "red"})), "unknown fact 'action.colour'"),
        (
            base_pack(rules=_rule({"fact": "action.channel", "eq": "fax"})),
            "'fax' is not a value of action.channel",
        ),
        (base_pack(rules=_rule({"fact": "action.channel", "in": ["call", "pigeon"]})), "'pigeon'"),
        (
            base_pack(rules=_rule({"fact": "account.dpd", "gte": {"param": "nope"}})),
            "unknown parameter 'nope'",
        ),
        (base_pack(rules=_rule({"fact": "local_time", "gte": 3})), "'gte' does not apply to time facts"),
        (
            base_pack(rules=_rule({"count": {"channel": "call"}, "outside": {"param": "cap"}})),
            "'outside' does not apply to int facts",
        ),
        (base_pack(rules=_rule({"fact": "action.channel", "like": "c%"})), "does not match the pack schema"),
        (base_pack(rules=_rule({"count": {"channel": "fax"}, "gte": 1})), "'fax' is not a channel"),
        (
            base_pack(
                rules=_rule({"count": {"channel": "call", "period": "today", "within_hours": 3}, "gte": 1})
            ),
            "at most one",
        ),
        (base_pack(timezone="Mars/Olympus"), "unknown IANA timezone"),
        (
            base_pack(parameters={"cap": {"value": 3, "kind": "legal", "tighten": "lower"}}),
            "'source' is a required property",
        ),
        (
            base_pack(parameters={"cap": {"value": 3, "kind": "law", "tighten": "lower", "source": "s"}}),
            "kind",
        ),
        (
            base_pack(
                parameters={"cap": {"value": 3, "kind": "legal", "tighten": "narrower", "source": "s"}}
            ),
            "tighten 'narrower' does not fit a number",
        ),
        ({**base_pack(), "rules": [{**base_pack()["rules"][0], "source": ""}]}, "source"),
        (
            {
                **base_pack(),
                "rules": [
                    {
                        **base_pack()["rules"][0],
                        "deny": {
                            "when": {"fact": "account.dpd", "gte": 1},
                            "reason": {"zh": "{later}", "en": "x"},
                        },
                    }
                ],
            },
            "unknown parameter {later}",
        ),
    ],
)
def test_a_pack_that_does_not_compile_is_refused_naming_the_problem(
    tmp_path: Path, data: dict[str, Any], message: str
) -> None:
    write_pack(tmp_path, data)
    with pytest.raises(PackError) as info:
        PackLibrary(tmp_path, base_packs=True).get("mini")
    assert message in str(info.value)
    assert "'mini'" in str(info.value)


def test_the_library_lists_lender_packs_before_the_shipped_ones() -> None:
    ids = PackLibrary(FIXTURES).ids()
    assert ids[:2] == ["acme-cn", "loose-cn"]
    assert {"cn", "us", "uk"} <= set(ids)


def test_the_unreachable_fact_reads_its_parameter_and_a_lender_may_require_more_failed_calls(
    tmp_path: Path,
) -> None:
    assert load_pack("cn").parameters["unreachable_after_failed_calls"].value == 3
    lender(tmp_path, unreachable_after_failed_calls=4)
    strict = PackLibrary(tmp_path).get("lender")
    raw = {
        "now": "2026-11-20T06:30:00Z",
        "action": {"channel": "call", "recipient": {"role": "contact", "id": "C1"}, "purpose": "locate"},
        "history": [
            {
                "channel": "call",
                "recipient_role": "borrower",
                "at": f"2026-11-19T0{h}:00:00Z",
                "outcome": "no_answer",
            }
            for h in (1, 2, 3)
        ],
    }
    parsed = parse_request(raw)
    assert evaluate(load_pack("cn"), parsed, parsed.now).effect == "allow"
    assert [h.id for h in evaluate(strict, parsed, parsed.now).rules] == ["CN-CONTACT-WHEN"]


def test_a_fact_that_reads_a_parameter_needs_the_pack_to_define_it(tmp_path: Path) -> None:
    write_pack(tmp_path, base_pack(rules=_rule({"fact": "borrower.unreachable", "eq": True})))
    with pytest.raises(PackError, match="unreachable_after_failed_calls"):
        PackLibrary(tmp_path, base_packs=True).get("mini")


# -- the shipped packs are the floor -----------------------------------------------------------


def test_a_copy_of_a_shipped_pack_elsewhere_cannot_stand_in_for_it(tmp_path: Path) -> None:
    """A deployment directory holding its own ``cn`` (here with 07:00-23:00 hours) is refused, not
    used: otherwise a widened window would pass as the shipped pack."""
    shutil.copytree(SHIPPED_DIR / "cn", tmp_path / "cn")
    path = tmp_path / "cn" / "pack.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('{start: "08:00", end: "22:00"}', '{start: "07:00", end: "23:00"}'), "utf-8")
    with pytest.raises(PackError, match=r"is the id of a shipped pack.*extends: cn"):
        PackLibrary(tmp_path).get("cn")


def test_a_lender_pack_that_extends_nothing_is_refused(tmp_path: Path) -> None:
    write_pack(tmp_path, base_pack())
    with pytest.raises(PackError, match=r"'mini'.*extends no pack.*one of cn, uk, us"):
        PackLibrary(tmp_path).get("mini")


def test_a_lender_pack_may_extend_another_lender_pack(tmp_path: Path) -> None:
    lender(tmp_path, sms_per_day=1)
    write_pack(
        tmp_path, {"pack": "branch", "version": "1", "extends": "lender", "overrides": {"push_per_day": 2}}
    )
    pack = PackLibrary(tmp_path).get("branch")
    assert pack.parameters["sms_per_day"].value == 1
    assert pack.parameters["push_per_day"].value == 2
    assert [r.id for r in pack.rules] == [r.id for r in load_pack("cn").rules]
