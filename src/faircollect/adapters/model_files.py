"""Book model files in a directory: one model file per version, a JSON note beside it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the risk library (and its learners) is imported only when a model is used
    from faircollect.risk import RiskModel


class ModelDirectory:
    """Writes each model under ``root`` by version; reads it back from the path the database names."""

    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        return self._root

    def save(self, model: RiskModel, *, version: str) -> str:
        self._root.mkdir(parents=True, exist_ok=True)
        path = (self._root / f"{version}.zip").resolve()
        model.save(path)
        return str(path)

    def load(self, path: str) -> RiskModel:
        from faircollect.risk import RiskModel

        return RiskModel.load(Path(path))

    def sidecar(self, path: str, content: Mapping[str, Any]) -> None:
        """A readable note beside the model file: kind, cut-offs, held-out figures."""
        note = Path(f"{path}.book.json")
        note.write_text(
            json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
