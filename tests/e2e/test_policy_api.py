"""``POST /api/v1/policy/decide``: the spec's answer, 422 naming the field, published in OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from faircollect.entrypoints.api.routers import policy
from faircollect.policy import evaluate as evaluate_request
from faircollect.policy import load_pack, parse_request

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policy"
URL = "/api/v1/policy/decide"
DAY: dict[str, Any] = {
    "now": "2026-11-20T06:30:00Z",
    "action": {"channel": "call", "recipient": {"role": "borrower", "id": "B1"}},
}


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.delenv(policy.ENV_DIR, raising=False)
    app = FastAPI(openapi_url="/api/v1/openapi.json")
    app.include_router(policy.router)
    return TestClient(app)


def test_decide_answers_exactly_what_the_library_answers(client: TestClient) -> None:
    body = {
        **DAY,
        "now": "2026-11-20T13:00:00Z",
        "history": [
            {
                "channel": "call",
                "recipient_role": "borrower",
                "at": f"2026-11-20T0{h}:00:00Z",
                "outcome": "connected",
            }
            for h in (1, 2, 3)
        ],
    }
    response = client.post(URL, json=body)
    assert response.status_code == 200
    answer = response.json()
    parsed = parse_request(body)
    assert answer == evaluate_request(load_pack("cn"), parsed, parsed.now).to_json()
    assert list(answer) == ["decision", "rules", "next_allowed_at", "pack", "pack_version"]
    assert answer["rules"][0]["id"] == "CN-FREQ-VOICE"
    assert answer["next_allowed_at"] == "2026-11-21T00:00:00Z"


def test_decide_allows_and_uses_the_request_s_pack(client: TestClient) -> None:
    assert client.post(URL, json=DAY).json()["decision"] == "allow"
    answer = client.post(URL, json={**DAY, "pack": "us"}).json()
    assert answer["pack"] == "us"
    assert answer["rules"][0]["id"] == "US-HOURS"  # 01:30 in New York


def test_decide_treats_null_as_absent(client: TestClient) -> None:
    body: dict[str, Any] = {
        **DAY,
        "borrower": None,
        "history": None,
        "action": {**DAY["action"], "text": None},
    }
    assert client.post(URL, json=body).json()["decision"] == "allow"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (
            {**DAY, "action": {"channel": "fax", "recipient": {"role": "borrower"}}},
            ["body", "action", "channel"],
        ),
        ({"action": DAY["action"]}, ["body", "now"]),
        ({**DAY, "now": "2026-11-20T06:30:00"}, ["body", "now"]),
        ({**DAY, "borrower": {"timezone": "Mars/Olympus"}}, ["body", "borrower", "timezone"]),
        ({**DAY, "account": {"dpd": "45"}}, ["body", "account", "dpd"]),
        ({**DAY, "account": {"overdue_amount": "5,234.00"}}, ["body", "account", "overdue_amount"]),
        (
            {**DAY, "history": [{"channel": "call", "at": "2026-11-19T02:00:00"}]},
            ["body", "history", 0, "at"],
        ),
        ({**DAY, "pack": "mars"}, ["body", "pack"]),
        ({**DAY, "histroy": []}, ["body", "histroy"]),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, body: dict[str, Any], loc: list[Any]
) -> None:
    response = client.post(URL, json=body)
    assert response.status_code == 422
    locs = [d["loc"] for d in response.json()["detail"]]
    assert loc in locs, json.dumps(response.json(), ensure_ascii=False)


def test_a_lender_pack_is_found_in_the_env_directory(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(policy.ENV_DIR, str(FIXTURES))
    body = {**DAY, "now": "2026-11-20T00:30:00Z", "pack": "acme-cn"}
    answer = client.post(URL, json=body).json()
    assert answer["pack"] == "acme-cn"
    assert answer["next_allowed_at"] == "2026-11-20T01:00:00Z"


def test_the_request_and_answer_are_published_in_openapi(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"][URL]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PolicyRequest"
    )
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PolicyDecision"
    )
    components = schema["components"]["schemas"]
    assert set(components["PolicyRequest"]["required"]) == {"now", "action"}
    assert components["PolicyDecision"]["properties"]["decision"]["enum"] == ["allow", "review", "deny"]


@pytest.mark.parametrize(
    ("wire", "vocabulary"),
    [
        ("Channel", "CHANNELS"),
        ("Role", "ROLES"),
        ("Purpose", "PURPOSES"),
        ("Outcome", "OUTCOMES"),
        ("Flag", "FLAGS"),
    ],
)
def test_wire_vocabulary_is_the_gates_own(wire: str, vocabulary: str) -> None:
    # The OpenAPI schema spells the vocabulary out as Literals; the gate's parser holds the
    # same words as tuples. Two copies, so this keeps them from drifting apart.
    from typing import get_args

    from faircollect.entrypoints.api.schemas import policy as schemas
    from faircollect.policy import model

    assert set(get_args(getattr(schemas, wire))) == set(getattr(model, vocabulary))
