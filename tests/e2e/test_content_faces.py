"""The content screen through its faces: ``faircollect screen`` and ``POST /api/v1/content/screen``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fastapi.testclient import TestClient

from faircollect.entrypoints.api.app import create_app

LINES = ["请您尽快还款，谢谢配合。", "你个煞笔，再不还钱就去你单位闹", "We will never contact your employer."]


def test_screen_command_writes_one_json_object_per_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "faircollect.entrypoints.cli", "screen", "--lang", "auto", "--json"],
        input="\n".join(LINES) + "\n",
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
        check=True,
    )
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["text"] for r in results] == LINES
    assert [r["verdict"] for r in results] == ["ok", "block", "ok"]
    found = {c["category"] for c in results[1]["categories"]}
    assert {"insult", "threat"} <= found
    for r in results:
        assert (r["verdict"] == "ok") == (r["categories"] == [])
        for c in r["categories"]:
            for start, end in c["spans"]:
                assert 0 <= start < end <= len(r["text"])


def test_screen_command_refuses_an_unknown_language() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "faircollect.entrypoints.cli", "screen", "--lang", "fr"],
        input="hello\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "--lang" in proc.stderr


def test_http_screen_and_published_schema() -> None:
    client = TestClient(create_app())
    answer = client.post("/api/v1/content/screen", json={"texts": LINES})
    assert answer.status_code == 200
    verdicts = [r["verdict"] for r in answer.json()["results"]]
    assert verdicts == ["ok", "block", "ok"]
    bad = client.post("/api/v1/content/screen", json={"texts": ["x"], "lang": "fr"})
    assert bad.status_code == 422
    assert "lang" in json.dumps(bad.json())
    one = client.post("/api/v1/content/screen", json={"text": LINES[1], "lang": "zh"})
    assert one.status_code == 200
    assert one.json()["verdict"] == "block"
    both = client.post("/api/v1/content/screen", json={"text": "a", "texts": ["b"]})
    assert both.status_code == 422
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/content/screen" in schema["paths"]
