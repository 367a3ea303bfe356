"""The FastAPI application: routers of every concept, errors as JSON naming the field."""

from __future__ import annotations

from fastapi import FastAPI

from faircollect import __version__
from faircollect.entrypoints.api.routers import content, health, policy, risk


def create_app() -> FastAPI:
    """A new app; ``faircollect serve`` runs it under uvicorn."""
    app = FastAPI(
        title="faircollect",
        version=__version__,
        description="Lawful, humane collections for consumer-installment lenders.",
        openapi_url="/api/v1/openapi.json",
    )
    app.include_router(health.router)
    app.include_router(content.router)
    app.include_router(policy.router)
    app.include_router(risk.router)
    return app
