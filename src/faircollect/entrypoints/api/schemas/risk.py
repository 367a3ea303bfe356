"""Request and answer of ``POST /api/v1/risk/score``, as published in OpenAPI.

Strict: no coercion ("45" is not a number for a numeric feature), no unknown fields. A row is
one JSON object of column -> value; columns the model does not use are ignored, a column it
needs and the row lacks is a 422 naming the row and column.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Value = str | int | float | bool | None
MAX_ROWS = 10_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RiskScoreRequest(_Strict):
    """Rows to score with one model of the configured model directory."""

    model: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$",
        description="a model file's name in $FAIRCOLLECT_RISK_MODEL_DIR (a name, never a path)",
    )
    rows: list[dict[str, Value]] = Field(min_length=1, max_length=MAX_ROWS)
    top: int = Field(default=3, ge=0, le=20, description="reasons per row")

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "model": "german.model",
                    "rows": [{"duration_in_month": 48, "status_of_existing_checking_account": "... < 0 DM"}],
                    "top": 3,
                }
            ]
        },
    )


class RiskReason(BaseModel):
    feature: str
    zh: str
    en: str
    weight: float = Field(description="how much it raised the log-odds of the target")


class RiskRowScore(BaseModel):
    score: float = Field(description="the calibrated probability of the target")
    reasons: list[RiskReason] = Field(description="the factors that raised the risk, largest first")


class RiskScoreAnswer(BaseModel):
    model: str
    model_id: str = Field(description="a hash of the model's scoring tables")
    champion: str = Field(description="scorecard or challenger")
    trained_on: str | None
    results: list[RiskRowScore]
