"""The JSON API's skeleton: it starts, answers health and publishes its OpenAPI schema."""

from __future__ import annotations

from fastapi.testclient import TestClient

from faircollect import __version__
from faircollect.entrypoints.api.app import create_app


def test_health_and_schema() -> None:
    client = TestClient(create_app())
    assert client.get("/api/v1/health").json() == {"status": "ok", "version": __version__}
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "faircollect"
    assert "/api/v1/health" in schema["paths"]
