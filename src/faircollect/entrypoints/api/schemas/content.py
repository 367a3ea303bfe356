"""Request and answer of ``POST /api/v1/content/screen`` (``content.md``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ScreenRequest(BaseModel):
    """Either one ``text`` (answered by one object) or a batch of ``texts`` (answered by ``results``)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, description="one message")
    texts: list[str] | None = Field(default=None, min_length=1, max_length=1000, description="a batch")
    lang: Literal["zh", "en", "auto"] = "auto"

    @model_validator(mode="after")
    def _one_of(self) -> ScreenRequest:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        return self


class CategoryFinding(BaseModel):
    category: Literal["insult", "threat", "deception", "privacy", "inducement"]
    score: float = Field(ge=0, le=1)
    spans: list[tuple[int, int]] = Field(description="[start, end) in Unicode code points of text")
    rule: Literal["lexicon", "model", "pattern"]


class ScreenAnswer(BaseModel):
    text: str
    verdict: Literal["ok", "review", "block"]
    categories: list[CategoryFinding]


class ScreenResponse(BaseModel):
    results: list[ScreenAnswer]
