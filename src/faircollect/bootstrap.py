"""The composition root: settings, engine, schema, clock and unit of work meet here only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from faircollect.adapters.clock import SystemClock
from faircollect.adapters.db import schema
from faircollect.adapters.db.engine import make_engine
from faircollect.adapters.db.uow import SqlUnitOfWork
from faircollect.adapters.model_files import ModelDirectory
from faircollect.config import Settings
from faircollect.services.ports import Clock


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    clock: Clock

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work (one transaction) on the platform's store."""
        return SqlUnitOfWork(self.engine)

    @property
    def models(self) -> ModelDirectory:
        """The directory book model files are written to (``FAIRCOLLECT_MODELS_DIR``)."""
        return ModelDirectory(self.settings.models_dir)

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None, *, clock: Clock | None = None, migrate: bool = True
) -> Platform:
    """Wire the platform; bring the schema to the newest migration unless told not to."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    if migrate:
        schema.upgrade(engine)
    return Platform(settings=settings, engine=engine, clock=clock or SystemClock())
