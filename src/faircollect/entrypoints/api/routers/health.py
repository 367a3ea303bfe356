"""Liveness."""

from __future__ import annotations

from fastapi import APIRouter

from faircollect import __version__

router = APIRouter(tags=["health"])


@router.get("/api/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}
