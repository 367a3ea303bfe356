"""Typed settings, read once from the environment; they refuse to start on bad values."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from faircollect.domain.schedule import DEFAULT_BUCKET_EDGES


class Settings(BaseSettings):
    """Everything the platform reads from its environment (prefix ``FAIRCOLLECT_``)."""

    model_config = SettingsConfigDict(env_prefix="FAIRCOLLECT_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///faircollect.db",
        description="SQLAlchemy URL; unset means an SQLite file faircollect.db in the working directory",
    )
    bucket_edges: tuple[int, ...] = Field(
        default=DEFAULT_BUCKET_EDGES,
        description="upper dpd of M1..Mn; above the last edge is M(n+1)+",
    )
    default_timezone: str = "Asia/Shanghai"
    models_dir: Path = Field(
        default=Path("faircollect-models"),
        description="where book model files are written (the database names the active ones by path)",
    )

    @field_validator("bucket_edges")
    @classmethod
    def _increasing(cls, edges: tuple[int, ...]) -> tuple[int, ...]:
        if not edges or any(b <= a for a, b in pairwise(edges)) or edges[0] < 1:
            raise ValueError("bucket_edges must be positive and strictly increasing")
        return edges

    @field_validator("database_url")
    @classmethod
    def _known_store(cls, url: str) -> str:
        if not (url.startswith("sqlite") or url.startswith("postgresql")):
            raise ValueError("database_url must be an sqlite:/// or postgresql+psycopg:// URL")
        return url
