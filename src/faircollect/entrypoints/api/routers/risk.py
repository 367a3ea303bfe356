"""Risk scores over HTTP: ``POST /api/v1/risk/score``.

Models come only from the directory ``$FAIRCOLLECT_RISK_MODEL_DIR`` (files written by
``faircollect risk train``), named in the request by file name; a name that would leave the
directory is refused. A loaded model is kept until its file changes.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
from fastapi import APIRouter, HTTPException
from fastapi.exceptions import RequestValidationError

from faircollect.domain.errors import BadInput
from faircollect.entrypoints.api.schemas.risk import (
    RiskReason,
    RiskRowScore,
    RiskScoreAnswer,
    RiskScoreRequest,
)
from faircollect.risk import RiskModel

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])

ENV_DIR = "FAIRCOLLECT_RISK_MODEL_DIR"


@lru_cache(maxsize=8)
def _load(path: str, stamp: tuple[float, int]) -> RiskModel:
    del stamp  # part of the cache key only: a rewritten file is read again
    return RiskModel.load(Path(path))


def model_path(name: str) -> Path:
    """The model file ``name`` inside the configured directory (404/503 when there is none)."""
    configured = os.environ.get(ENV_DIR)
    if not configured:
        raise HTTPException(status_code=503, detail=f"no model directory configured (set {ENV_DIR})")
    root = Path(configured).resolve()
    path = (root / name).resolve()
    if path.parent != root or not path.is_file():
        raise HTTPException(status_code=404, detail=f"no model {name!r} in the model directory")
    return path


def _frame(model: RiskModel, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """The rows as typed columns of the model's features; a wrong or missing value names its row."""
    errors: list[dict[str, Any]] = []
    columns: dict[str, pl.Series] = {}
    for feature in model.features:
        values: list[Any] = []
        for i, row in enumerate(rows):
            if feature.name not in row:
                errors.append(_error(i, feature.name, "the model needs this column and the row has none"))
                continue
            value = row[feature.name]
            if feature.kind == "numeric" and (isinstance(value, bool | str)):
                errors.append(_error(i, feature.name, "expected a number or null"))
                continue
            values.append(value if feature.kind == "numeric" else _category(value))
        if len(values) == len(rows):
            dtype = pl.Float64 if feature.kind == "numeric" else pl.String
            columns[feature.name] = pl.Series(feature.name, values, dtype=dtype)
    if errors:
        raise RequestValidationError(errors[:50])
    return pl.DataFrame(columns)


def _category(value: object) -> str | None:
    """A JSON value as the category text training saw: 2.0 and 2 are both '2'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _error(row: int, column: str, message: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": ("body", "rows", row, column), "msg": message, "input": None}


@router.post("/score", response_model=RiskScoreAnswer)
def score(request: RiskScoreRequest) -> RiskScoreAnswer:
    """Score rows with a trained model: the calibrated probability and the reasons that raised it (zh, en)."""
    path = model_path(request.model)
    stat = path.stat()
    try:
        model = _load(str(path), (stat.st_mtime, stat.st_size))
    except BadInput as exc:
        raise HTTPException(
            status_code=409, detail=f"model {request.model!r}: {exc.problems[0].reason}"
        ) from None
    frame = _frame(model, request.rows)
    try:
        scores, reasons = model.explain(frame, top=request.top)
    except BadInput as exc:
        raise RequestValidationError([_error(0, p.column or "", p.reason) for p in exc.problems]) from None
    return RiskScoreAnswer(
        model=request.model,
        model_id=model.model_id,
        champion=model.champion,
        trained_on=model.card.get("trained_on"),
        results=[
            RiskRowScore(
                score=float(s),
                reasons=[RiskReason(feature=r.feature, zh=r.zh, en=r.en, weight=r.weight) for r in rs],
            )
            for s, rs in zip(scores.tolist(), reasons, strict=True)
        ],
    )
