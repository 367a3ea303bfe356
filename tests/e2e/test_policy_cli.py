"""``faircollect policy check|test|lint`` end to end, through the Typer sub-app as the main CLI mounts it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from faircollect.entrypoints import policy_cli
from faircollect.policy import load_pack

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policy"
LATE = {"now": "2026-11-20T14:30:00Z", "action": {"channel": "call", "recipient": {"role": "borrower"}}}
DAY = {"now": "2026-11-20T06:30:00Z", "action": {"channel": "call", "recipient": {"role": "borrower"}}}


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """The sub-app mounted as cli.py mounts it: ``app.add_typer(policy_cli.app, name="policy")``."""
    monkeypatch.delenv(policy_cli.ENV_DIR, raising=False)
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """faircollect"""

    root.add_typer(policy_cli.app, name="policy")
    return root


def run(cli: typer.Typer, *args: str, stdin: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["policy", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_check_prints_the_decision_of_one_request(cli: typer.Typer) -> None:
    status, stdout, _ = run(cli, "check", stdin=json.dumps(LATE))
    assert status == 0
    answer = json.loads(stdout)
    assert answer["decision"] == "deny"
    assert [r["id"] for r in answer["rules"]] == ["CN-HOURS"]
    assert answer["next_allowed_at"] == "2026-11-21T00:00:00Z"
    assert answer["pack"] == "cn"
    assert answer["pack_version"] == load_pack("cn").version
    assert stdout.count("\n") == 1


def test_check_uses_the_pack_option_and_the_request_s_pack_over_it(cli: typer.Typer) -> None:
    late_london = {**LATE, "now": "2026-11-20T21:30:00Z"}
    assert json.loads(run(cli, "check", "--pack", "uk", stdin=json.dumps(late_london))[1])["pack"] == "uk"
    named = {**late_london, "pack": "us"}
    answer = json.loads(run(cli, "check", "--pack", "uk", stdin=json.dumps(named))[1])
    assert answer["pack"] == "us"
    assert answer["rules"] == []  # 16:30 in New York


def test_check_jsonl_answers_one_line_per_request_in_order(cli: typer.Typer) -> None:
    requests = [
        DAY,
        LATE,
        {**DAY, "pack": "us"},
        {**DAY, "action": {"channel": "letter", "recipient": {"role": "third_party"}}},
    ]
    stdin = (
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests) + "\n"
    )  # a blank trailing line
    status, stdout, stderr = run(cli, "check", "--jsonl", stdin=stdin)
    assert status == 0, stderr
    answers = [json.loads(line) for line in stdout.splitlines()]
    assert [a["decision"] for a in answers] == ["allow", "deny", "deny", "deny"]
    assert [a["pack"] for a in answers] == ["cn", "cn", "us", "cn"]
    assert answers[3]["rules"][0]["id"] == "CN-THIRD-PARTY"


@pytest.mark.parametrize(
    ("stdin", "args", "needle"),
    [
        (
            json.dumps({**DAY, "action": {"channel": "fax", "recipient": {"role": "borrower"}}}),
            (),
            "[action.channel]",
        ),
        (json.dumps({"action": DAY["action"]}), (), "[now]"),
        (json.dumps({**DAY, "now": "2026-11-20T06:30:00"}), (), "[now]"),
        (json.dumps({**DAY, "pack": "mars"}), (), "[pack]"),
        ("{not json", (), "not JSON"),
        ("", (), "no request"),
        (json.dumps(DAY), ("--pack", "mars"), "--pack"),
        (
            json.dumps(DAY)
            + "\n"
            + json.dumps({**DAY, "history": [{"channel": "call", "at": "noon"}]})
            + "\n",
            ("--jsonl",),
            "stdin:2 [history[0].at]",
        ),
        (json.dumps(DAY) + "\n\n" + json.dumps(DAY) + "\n", ("--jsonl",), "stdin:2"),
    ],
)
def test_check_refuses_bad_input_with_status_2_naming_the_field(
    cli: typer.Typer, stdin: str, args: tuple[str, ...], needle: str
) -> None:
    status, _, stderr = run(cli, "check", *args, stdin=stdin)
    assert status == 2
    assert needle in stderr, stderr


def test_check_jsonl_keeps_the_decisions_before_a_bad_line(cli: typer.Typer) -> None:
    stdin = json.dumps(DAY) + "\n" + json.dumps({**DAY, "now": "soon"}) + "\n" + json.dumps(DAY) + "\n"
    status, stdout, stderr = run(cli, "check", "--jsonl", stdin=stdin)
    assert status == 2
    assert len(stdout.splitlines()) == 1
    assert "stdin:2 [now]" in stderr


def test_check_finds_a_lender_pack_in_the_env_directory(
    cli: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(policy_cli.ENV_DIR, str(FIXTURES))
    request = {
        "now": "2026-11-20T00:30:00Z",
        "action": {"channel": "call", "recipient": {"role": "borrower"}},
    }
    answer = json.loads(run(cli, "check", "--pack", "acme-cn", stdin=json.dumps(request))[1])
    assert answer["pack"] == "acme-cn"
    assert answer["next_allowed_at"] == "2026-11-20T01:00:00Z"


def test_test_runs_every_pack_and_prints_a_table(cli: typer.Typer) -> None:
    status, stdout, _ = run(cli, "test")
    assert status == 0
    for pack in ("cn", "us", "uk"):
        assert load_pack(pack).version in stdout
    assert "policy pack tests" in stdout


def test_test_fails_with_status_1_when_a_case_fails(cli: typer.Typer, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "acme-cn", tmp_path / "acme-cn")
    case = tmp_path / "acme-cn" / "tests" / "wrong_test.yaml"
    case.write_text(
        "- name: wrong on purpose\n"
        "  request: {now: '2026-11-20T00:30:00Z', action: {channel: call, recipient: {role: borrower}}}\n"
        "  expect: {decision: allow, rules: []}\n",
        encoding="utf-8",
    )
    status, stdout, _ = run(cli, "test", "--dir", str(tmp_path), "--pack", "acme-cn")
    assert status == 1
    assert "wrong on purpose" in stdout
    assert "FAIL" in stdout


def test_lint_passes_the_shipped_packs_and_refuses_a_loosening_one(cli: typer.Typer) -> None:
    status, stdout, _ = run(cli, "lint")
    assert status == 0
    assert "ok: 3 packs" in stdout
    status, _, stderr = run(cli, "lint", "--dir", str(FIXTURES))
    assert status == 2
    assert "loose-cn" in stderr
    assert "voice_connected_per_day" in stderr


def test_lint_names_a_bad_request_inside_a_test_file(cli: typer.Typer, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "acme-cn", tmp_path / "acme-cn")
    (tmp_path / "acme-cn" / "tests" / "bad_test.yaml").write_text(
        "- name: a typo\n"
        "  request: {now: '2026-11-20T00:30:00Z', action: {channel: cal, recipient: {role: borrower}}}\n"
        "  expect: {decision: allow, rules: []}\n",
        encoding="utf-8",
    )
    status, _, stderr = run(cli, "lint", "--dir", str(tmp_path))
    assert status == 2
    assert "a typo" in stderr
    assert "[action.channel]" in stderr


def test_the_sub_app_runs_on_its_own_as_a_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "faircollect.entrypoints.policy_cli", "check", "--jsonl"],
        input=json.dumps(DAY) + "\n" + json.dumps(LATE) + "\n",
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != policy_cli.ENV_DIR},
        timeout=120,
        check=True,
    )
    assert [json.loads(line)["decision"] for line in proc.stdout.splitlines()] == ["allow", "deny"]
