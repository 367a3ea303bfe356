"""``POST /api/v1/risk/score``: the library's scores and reasons, models only from the configured directory."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from faircollect.entrypoints.api.routers import risk
from faircollect.risk import RiskModel, train
from tests.risk.shared import shared_file
from tests.risk.synthetic import applicants

URL = "/api/v1/risk/score"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(path: Path) -> None:
        train(
            applicants(800), "defaulted", trained_on=date(2026, 11, 20), folds=2, champion="scorecard"
        ).save(path)

    model = shared_file(tmp_path_factory, "api-applicants.model", build)
    folder = tmp_path_factory.mktemp("models")
    shutil.copy(model, folder / "applicants.model")
    return folder


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch, model_dir: Path) -> TestClient:
    monkeypatch.setenv(risk.ENV_DIR, str(model_dir))
    app = FastAPI(openapi_url="/api/v1/openapi.json")
    app.include_router(risk.router)
    return TestClient(app)


ROWS = [
    {
        "monthly_income": 1200.5,
        "utilisation": 0.93,
        "region": "西北",
        "channel": "agent",
        "age": 22,
        "noise": 0.1,
        "extra": "x",
    },
    {
        "monthly_income": None,
        "utilisation": None,
        "region": None,
        "channel": None,
        "age": None,
        "noise": None,
    },
]


def test_scores_and_reasons_are_the_library_s(client: TestClient, model_dir: Path) -> None:
    response = client.post(URL, json={"model": "applicants.model", "rows": ROWS})
    assert response.status_code == 200, response.text
    answer = response.json()
    model = RiskModel.load(model_dir / "applicants.model")
    needed = [f.name for f in model.features]
    import polars as pl

    frame = pl.DataFrame(
        {
            name: pl.Series(
                name,
                [
                    (str(r[name]) if r[name] is not None else None)
                    if name in ("region", "channel")
                    else r[name]
                    for r in ROWS
                ],
                dtype=pl.String if name in ("region", "channel") else pl.Float64,
            )
            for name in needed
        }
    )
    scores, reasons = model.explain(frame)
    assert answer["model_id"] == model.model_id
    assert answer["champion"] == "scorecard"
    assert [r["score"] for r in answer["results"]] == pytest.approx(scores.tolist())
    assert [[x["en"] for x in r["reasons"]] for r in answer["results"]] == [
        [x.en for x in rs] for rs in reasons
    ]
    assert answer["results"][0]["reasons"], "a young, highly utilised agent-channel applicant has reasons"
    assert all(x["weight"] > 0 for r in answer["results"] for x in r["reasons"])


def test_a_missing_column_or_a_text_number_names_the_row_and_column(client: TestClient) -> None:
    rows = [dict(ROWS[0]), {k: v for k, v in ROWS[0].items() if k != "age"}]
    rows[0]["monthly_income"] = "1200"
    response = client.post(URL, json={"model": "applicants.model", "rows": rows})
    assert response.status_code == 422
    locs = {tuple(d["loc"]) for d in response.json()["detail"]}
    assert ("body", "rows", 0, "monthly_income") in locs
    assert ("body", "rows", 1, "age") in locs


def test_models_come_only_from_the_configured_directory(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, model_dir: Path
) -> None:
    assert client.post(URL, json={"model": "nope.model", "rows": ROWS}).status_code == 404
    escape = client.post(URL, json={"model": "../applicants.model", "rows": ROWS})
    assert escape.status_code == 422  # the name pattern refuses any path
    (model_dir / "broken.model").write_text("not a zip")
    assert client.post(URL, json={"model": "broken.model", "rows": ROWS}).status_code == 409
    monkeypatch.delenv(risk.ENV_DIR)
    assert client.post(URL, json={"model": "applicants.model", "rows": ROWS}).status_code == 503


def test_the_endpoint_is_published_in_openapi(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/risk/score" in spec["paths"]
