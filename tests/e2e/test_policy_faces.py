"""Every case of the shipped packs' tests, sent as a request through the CLI (``policy check
--jsonl``) and the API (``POST /api/v1/policy/decide``), gets the answer the case expects, and
the very bytes the library's answer serialises to: the spec's rules shown through each face, and
a decision reproducible byte for byte."""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from faircollect.entrypoints import policy_cli
from faircollect.entrypoints.api.routers import policy as policy_router
from faircollect.policy import evaluate, load_pack, parse_request
from faircollect.policy.testing import compare, iter_cases, wire_request

SHIPPED = ("cn", "us", "uk")


def _requests() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(case name, request as sent, what the case expects) for every case of every shipped pack."""
    out = []
    for pack_id in SHIPPED:
        pack = load_pack(pack_id)
        out.extend(
            (f"{pack_id}: {case.name}", wire_request(pack, case), case.expect) for case in iter_cases(pack)
        )
    return out


CASES = _requests()


def _library_line(request: dict[str, Any]) -> str:
    parsed = parse_request(request)
    decision = evaluate(load_pack(parsed.pack or "cn"), parsed, parsed.now)
    return json.dumps(decision.to_json(), ensure_ascii=False)


@pytest.fixture(scope="module")
def cli_lines() -> list[str]:
    """One ``policy check --jsonl`` run over every case, in order (the pack named by each request)."""
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """faircollect"""

    root.add_typer(policy_cli.app, name="policy")
    stdin = "".join(json.dumps(request, ensure_ascii=False) + "\n" for _, request, _ in CASES)
    result = CliRunner().invoke(root, ["policy", "check", "--pack", "uk", "--jsonl"], input=stdin, env={})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(CASES)
    return lines


def test_there_are_cases_of_every_pack() -> None:
    assert {name.split(":")[0] for name, _, _ in CASES} == set(SHIPPED)
    assert len(CASES) > 150


@pytest.mark.parametrize("index", range(len(CASES)), ids=[name for name, _, _ in CASES])
def test_the_cli_answers_as_the_case_expects_and_as_the_library_does(
    cli_lines: list[str], index: int
) -> None:
    _, request, expect = CASES[index]
    line = cli_lines[index]
    assert compare(expect, json.loads(line)) == []
    assert line == _library_line(request)


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(policy_router.router)
    return TestClient(app)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[name for name, _, _ in CASES])
def test_the_api_answers_as_the_case_expects_and_as_the_library_does(client: TestClient, index: int) -> None:
    _, request, expect = CASES[index]
    response = client.post("/api/v1/policy/decide", json=request)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert compare(expect, answer) == []
    assert json.dumps(answer, ensure_ascii=False) == _library_line(request)


def test_the_same_request_twice_is_the_same_answer_byte_for_byte(client: TestClient) -> None:
    """Twice through each face, and once more after the other cases ran (no state carried over)."""
    for _, request, _ in CASES[::10]:
        first = client.post("/api/v1/policy/decide", json=request).content
        assert client.post("/api/v1/policy/decide", json=request).content == first
        assert _library_line(request) == _library_line(request)
