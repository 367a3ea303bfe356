"""A book model and a model directory that need no learner: for the storage and cycle tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from faircollect.risk.behaviour import LABELS


@dataclass(frozen=True)
class FakeReason:
    feature: str
    zh: str
    en: str
    weight: float


@dataclass
class FakeModel:
    """Scores rise with the worst days past due; the reasons are the three largest features."""

    card: dict[str, Any] = field(default_factory=lambda: {"name": "fake", "version": "0"})

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        worst = frame["worst_dpd_3m"].cast(pl.Float64).fill_null(0).to_numpy()
        return 1.0 / (1.0 + np.exp(-(worst - 20.0) / 10.0))

    def explain(self, frame: pl.DataFrame, top: int = 3) -> tuple[np.ndarray, list[list[FakeReason]]]:
        names = ["worst_dpd_3m", "late_installments", "days_since_payment", "months_on_book"]
        values = frame.select(pl.col(n).cast(pl.Float64).fill_null(0) for n in names).to_numpy()
        reasons = []
        for row in values:
            order = np.argsort(-row, kind="stable")[:top]
            reasons.append(
                [FakeReason(names[i], LABELS[names[i]].zh, LABELS[names[i]].en, float(row[i])) for i in order]
            )
        return self.predict(frame), reasons


class FakeModelFiles:
    """Models kept in memory under ``memory://<version>``."""

    def __init__(self) -> None:
        self.saved: dict[str, Any] = {}
        self.notes: dict[str, Mapping[str, Any]] = {}
        self.loads = 0

    @property
    def root(self) -> Path:
        return Path("memory")

    def save(self, model: Any, *, version: str) -> str:
        path = f"memory://{version}"
        self.saved[path] = model
        return path

    def load(self, path: str) -> Any:
        self.loads += 1
        return self.saved[path]

    def sidecar(self, path: str, content: Mapping[str, Any]) -> None:
        self.notes[path] = content
