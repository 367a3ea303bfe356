"""Content screening over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

from faircollect.entrypoints.api.schemas.content import ScreenAnswer, ScreenRequest, ScreenResponse
from faircollect.services.screening import screen_messages

router = APIRouter(prefix="/api/v1/content", tags=["content"])


@router.post("/screen", response_model=ScreenAnswer | ScreenResponse)
def screen(request: ScreenRequest) -> ScreenAnswer | ScreenResponse:
    """Screen messages for insults, threats, deception, privacy breaches and inducement."""
    texts = [request.text] if request.text is not None else list(request.texts or [])
    results = [ScreenAnswer.model_validate(r) for r in screen_messages(texts=texts, lang=request.lang)]
    if request.text is not None:
        return results[0]
    return ScreenResponse(results=results)
