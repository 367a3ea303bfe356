"""Screening messages for harmful content: the one way every face reaches the content screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

LANGS = ("zh", "en", "auto")


def screen_messages(
    *, texts: Sequence[str], lang: str = "auto", use_model: bool = True
) -> list[dict[str, Any]]:
    """One result per text, each exactly the object of ``content.md`` (text, verdict, categories)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    from faircollect.content.screen import screen_many

    return [r.to_json() for r in screen_many(list(texts), lang=lang, use_model=use_model)]
