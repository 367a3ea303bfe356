"""The compliance gate over HTTP: ``POST /api/v1/policy/decide``."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError

from faircollect.domain.errors import BadInput
from faircollect.entrypoints.api.schemas.policy import PolicyDecision, PolicyRequest
from faircollect.policy import PackLibrary, decide
from faircollect.policy.parse import path_parts

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])

ENV_DIR = "FAIRCOLLECT_POLICY_DIR"
DEFAULT_PACK = "cn"


@cache
def _library(directory: str | None) -> PackLibrary:
    return PackLibrary(Path(directory)) if directory else PackLibrary()


def library() -> PackLibrary:
    """The packs of ``$FAIRCOLLECT_POLICY_DIR`` (when set), then the shipped ones; loaded once."""
    return _library(os.environ.get(ENV_DIR) or None)


@router.post("/decide", response_model=PolicyDecision)
def decide_action(request: PolicyRequest) -> PolicyDecision:
    """Decide whether one outbound collection action may happen at the request's ``now``.

    Bad input (an unknown value, a time without an offset, a malformed amount, an unknown
    pack) is a 422 whose ``detail[].loc`` names the field, like any validation error.
    """
    raw = request.model_dump(exclude_none=True)
    try:
        decision = decide(raw, library=library(), default_pack=DEFAULT_PACK, source="body")
    except BadInput as exc:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("body", *path_parts(problem.column or "")),
                    "msg": problem.reason,
                    "input": None,
                }
                for problem in exc.problems
            ]
        ) from None
    return PolicyDecision.model_validate(decision.to_json())
