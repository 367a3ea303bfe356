"""A trained risk model: calibrated probabilities and the reasons that raised them, fast on whole books.

Both kinds of model this package trains are *additive* in their features: the scorecard
(log-odds = intercept + sum of coefficient x WOE of each feature's bin) and the challenger
(LightGBM whose every tree splits on one feature only, so log-odds = expected value + the
sum of each feature's SHAP value, a function of that feature alone). So every model is stored
and scored the same way: for each feature, a table of its contribution to the log-odds by
*slot* (an interval of a numeric value, or a category; plus a slot for a value not seen in
training and one for missing). Scoring a million rows is a few ``searchsorted`` and ``take``
calls per feature, and the reasons are the slots whose contribution raised the risk:

* scorecard: ``weight`` = log-odds of the row's bin minus that of the feature's best bin
  (the bin with the most points); a bin with as many points as the best is no reason;
* challenger: ``weight`` = the feature's SHAP value (what LightGBM's ``pred_contrib=True``
  gives; tests check they are equal), a reason only when positive.

The probability is the champion's log-odds through the calibration fitted on out-of-fold
scores (Platt: ``1 / (1 + exp(-(a * log_odds + b)))``).

Model file: one zip of JSON (``format.json``, ``card.json``, ``model.json``) and, for a
challenger, LightGBM's own text model (``lightgbm.txt``, kept for audit; scoring reads the
tables in ``model.json``). Nothing is unpickled: loading a file runs no code from it.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from faircollect.domain.errors import BadInput, InputProblem
from faircollect.risk.features import (
    Feature,
    FloatArray,
    IntArray,
    check_columns,
    encode_categorical,
    encode_numeric,
)
from faircollect.risk.words import Words

FORMAT = "faircollect-risk-model"
FORMAT_VERSION = 1
Champion = Literal["scorecard", "challenger"]
_EPS = 1e-9
_LGB_ZERO = 1.0000000180025095e-35  # LightGBM's kZeroThreshold
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Reason:
    """One factor that raised a row's risk: the feature, the value or bin in words, and by how much.

    ``weight`` is in log-odds (see the module docstring for how each model defines it).
    """

    feature: str
    zh: str
    en: str
    weight: float


@dataclass(frozen=True)
class Part:
    """One feature's contribution to the log-odds, by slot, and the words for its values."""

    feature: Feature
    edges: FloatArray  # numeric: value-slot boundaries; empty for categorical
    right: bool  # numeric: True for bins [a, b) (binning), False for (a, b] (LightGBM's x <= t)
    values: FloatArray  # log-odds per value slot; numeric: len(edges) + 1 intervals then missing
    baseline: float  # reason weight = value - baseline
    text_edges: FloatArray  # numeric: the binning's splits, whose bins name the value in words
    words: tuple[Words, ...]  # per text slot (numeric bins then missing; categories, unseen, missing)

    def value_slots(self, column: FloatArray | IntArray) -> IntArray:
        if self.feature.kind == "categorical":
            return column.astype(np.int64, copy=False)
        if not self.right:  # LightGBM reads |x| <= 1e-35 as exactly 0
            column = np.where(np.abs(column) <= _LGB_ZERO, 0.0, column)
        slots = np.searchsorted(self.edges, column, side="right" if self.right else "left")
        slots[np.isnan(column)] = self.edges.size + 1
        return slots.astype(np.int64, copy=False)

    def text_slots(self, column: FloatArray | IntArray) -> IntArray:
        if self.feature.kind == "categorical":
            return column.astype(np.int64, copy=False)
        slots = np.searchsorted(self.text_edges, column, side="right")
        slots[np.isnan(column)] = self.text_edges.size + 1
        return slots.astype(np.int64, copy=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature.to_json(),
            "edges": self.edges.tolist(),
            "right": self.right,
            "values": self.values.tolist(),
            "baseline": self.baseline,
            "text_edges": self.text_edges.tolist(),
            "words": [list(w) for w in self.words],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Part:
        feature = Feature.from_json(raw["feature"])
        part = cls(
            feature=feature,
            edges=np.asarray(raw["edges"], dtype=np.float64),
            right=bool(raw["right"]),
            values=np.asarray(raw["values"], dtype=np.float64),
            baseline=float(raw["baseline"]),
            text_edges=np.asarray(raw["text_edges"], dtype=np.float64),
            words=tuple((str(zh), str(en)) for zh, en in raw["words"]),
        )
        part.check()
        return part

    def check(self) -> None:
        f = self.feature
        if f.kind == "categorical":
            slots = len(f.categories) + 2
            if self.values.size != slots or len(self.words) != slots:
                raise ValueError(f"{f.name}: expected {slots} slots")
        elif self.values.size != self.edges.size + 2 or len(self.words) != self.text_edges.size + 2:
            raise ValueError(f"{f.name}: slot tables do not match their edges")


def encode(frame: pl.DataFrame, feature: Feature) -> FloatArray | IntArray:
    return encode_numeric(frame, feature) if feature.kind == "numeric" else encode_categorical(frame, feature)


@dataclass
class RiskModel:
    """A calibrated, explainable default-risk model (see the module docstring)."""

    card: dict[str, Any]
    parts: list[Part]
    intercept: float
    calibration: tuple[float, float]  # Platt (a, b) on the log-odds
    champion: Champion
    lightgbm_text: str | None = None
    _reasons: dict[int, Reason] = field(default_factory=dict, repr=False, compare=False)

    @property
    def features(self) -> list[Feature]:
        return [p.feature for p in self.parts]

    # --- scoring ---------------------------------------------------------------------------

    def _contributions(self, frame: pl.DataFrame) -> tuple[FloatArray, list[FloatArray | IntArray]]:
        check_columns(frame, self.features)
        columns = [encode(frame, p.feature) for p in self.parts]
        out = np.empty((frame.height, len(self.parts)), dtype=np.float64)
        for j, (part, column) in enumerate(zip(self.parts, columns, strict=True)):
            out[:, j] = part.values[part.value_slots(column)]
        return out, columns

    def log_odds(self, frame: pl.DataFrame) -> FloatArray:
        """The champion's uncalibrated log-odds per row."""
        contributions, _ = self._contributions(frame)
        return np.asarray(self.intercept + contributions.sum(axis=1), dtype=np.float64)

    def _probability(self, log_odds: FloatArray) -> FloatArray:
        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-(a * log_odds + b)))

    def predict(self, frame: pl.DataFrame) -> FloatArray:
        """The calibrated probability of the target per row; extra columns are ignored."""
        return self._probability(self.log_odds(frame))

    def explain(self, frame: pl.DataFrame, top: int = 3) -> tuple[FloatArray, list[list[Reason]]]:
        """Probabilities and, per row, up to ``top`` factors that raised the risk, largest first."""
        if top < 0:
            raise ValueError("top must be >= 0")
        contributions, columns = self._contributions(frame)
        scores = self._probability(self.intercept + contributions.sum(axis=1))
        n, width = contributions.shape
        k = min(top, width)
        if k == 0 or n == 0:
            return scores, [[] for _ in range(n)]
        weights = contributions - np.array([p.baseline for p in self.parts])
        if k < width:
            chosen = np.argpartition(-weights, k - 1, axis=1)[:, :k]
        else:
            chosen = np.broadcast_to(np.arange(width), (n, width)).copy()
        chosen_w = np.take_along_axis(weights, chosen, axis=1)
        order = np.argsort(-chosen_w, axis=1, kind="stable")
        chosen = np.take_along_axis(chosen, order, axis=1)
        chosen_w = np.take_along_axis(chosen_w, order, axis=1)
        ids = np.full((n, k), -1, dtype=np.int64)
        offset = 0
        for j, (part, column) in enumerate(zip(self.parts, columns, strict=True)):
            hit = chosen == j
            if hit.any():
                rows = hit.any(axis=1)
                nv = part.values.size
                combined = offset + part.text_slots(column[rows]) * nv + part.value_slots(column[rows])
                ids[rows] = np.where(hit[rows], combined[:, None], ids[rows])
            offset += part.values.size * len(part.words)
        ids[chosen_w <= _EPS] = -1
        # Rows share few distinct reason lists: build each once, then copy it per row (with the
        # cyclic garbage collector paused: a million small lists would trigger it many times).
        combos, inverse = _distinct_rows(ids)
        table = self._reason_table(np.unique(combos[combos >= 0]))
        lists = [[table[i] for i in combo if i >= 0] for combo in combos.tolist()]
        paused = gc.isenabled()
        gc.disable()
        try:
            return scores, [lists[u].copy() for u in inverse.reshape(-1).tolist()]
        finally:
            if paused:
                gc.enable()

    def _reason_table(self, ids: IntArray) -> dict[int, Reason]:
        missing = [int(i) for i in ids if int(i) not in self._reasons]
        if missing:
            starts = np.cumsum([0] + [p.values.size * len(p.words) for p in self.parts])
            for i in missing:
                j = int(np.searchsorted(starts, i, side="right")) - 1
                part = self.parts[j]
                text, value = divmod(i - int(starts[j]), part.values.size)
                zh, en = part.words[text]
                weight = float(part.values[value] - part.baseline)
                self._reasons[i] = Reason(feature=part.feature.name, zh=zh, en=en, weight=round(weight, 6))
        return self._reasons

    # --- the file ---------------------------------------------------------------------------

    def tables(self) -> dict[str, Any]:
        return {
            "champion": self.champion,
            "intercept": self.intercept,
            "calibration": list(self.calibration),
            "parts": [p.to_json() for p in self.parts],
        }

    @property
    def model_id(self) -> str:
        """A short hash of the scoring tables: the same id means the same scores."""
        blob = json.dumps(self.tables(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def save(self, path: Path) -> None:
        """Write the model as one versioned zip of JSON (byte-identical for the same model)."""
        members: list[tuple[str, str]] = [
            (
                "format.json",
                json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "model_id": self.model_id}),
            ),
            ("card.json", json.dumps(self.card, ensure_ascii=False, indent=1, sort_keys=False)),
            ("model.json", json.dumps(self.tables(), separators=(",", ":"))),
        ]
        if self.lightgbm_text is not None:
            members.append(("lightgbm.txt", self.lightgbm_text))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, text in members:
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text.encode())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> RiskModel:
        """Read a model file; a file that is not one, or of another format version, is ``BadInput``."""

        def bad(reason: str) -> BadInput:
            return BadInput(InputProblem(file=str(path), line=None, column=None, reason=reason))

        try:
            archive = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise bad("no such model file") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise bad(f"not a faircollect risk model ({exc})") from None
        with archive:
            names = set(archive.namelist())
            if "format.json" not in names:
                raise bad("not a faircollect risk model (no format.json inside)")
            try:
                head = json.loads(archive.read("format.json"))
                if not isinstance(head, dict) or head.get("format") != FORMAT:
                    raise bad("not a faircollect risk model (format.json names another format)")
                if head.get("version") != FORMAT_VERSION:
                    raise bad(
                        f"model format version {head.get('version')!r}; this faircollect reads version "
                        f"{FORMAT_VERSION} only (retrain the model with this version)"
                    )
                card = json.loads(archive.read("card.json"))
                tables = json.loads(archive.read("model.json"))
                text = archive.read("lightgbm.txt").decode() if "lightgbm.txt" in names else None
                champion = tables["champion"]
                if champion not in ("scorecard", "challenger"):
                    raise ValueError(f"unknown champion {champion!r}")
                a, b = (float(v) for v in tables["calibration"])
                model = cls(
                    card=card,
                    parts=[Part.from_json(p) for p in tables["parts"]],
                    intercept=float(tables["intercept"]),
                    calibration=(a, b),
                    champion=champion,
                    lightgbm_text=text,
                )
            except BadInput:
                raise
            except (KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
                raise bad(f"a damaged model file: {type(exc).__name__}: {exc}") from None
        if head.get("model_id") != model.model_id:
            raise bad("a damaged model file: its tables do not match the id it was saved with")
        return model


def _distinct_rows(ids: IntArray) -> tuple[IntArray, IntArray]:
    """The distinct rows of a small non-negative-or--1 int matrix and each row's index among them."""
    base = int(ids.max(initial=0)) + 2
    if base ** ids.shape[1] < 2**62:  # pack each row into one integer: sorting integers is fast
        key = np.zeros(ids.shape[0], dtype=np.int64)
        for c in range(ids.shape[1]):
            key = key * base + (ids[:, c] + 1)
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return ids[first], inverse.reshape(-1)
    combos, inverse = np.unique(ids, axis=0, return_inverse=True)
    return combos, inverse.reshape(-1)


def join_reasons(reasons: Sequence[Reason]) -> str:
    """Reasons as one line of text: 'zh / en; zh / en'."""
    return "; ".join(f"{r.zh} / {r.en}" for r in reasons)
