"""Is a book model still the model it was? Population stability and AUC week by week. Pure.

* **PSI** (population stability index) compares today's distribution of the score and of each
  feature with the training rows', over the bins kept with the model (deciles of the training
  values; categories; a bin for missing): ``sum((a - e) * ln(a / e))``. The usual reading:
  below 0.10 stable, 0.10 to 0.25 a moderate shift, above 0.25 a significant one.
* **AUC by week**, once outcomes have arrived: the scores stored on a date d are compared with
  what happened in d+1 .. d+horizon, so only dates at least a horizon old count. A week whose
  AUC is more than ``AUC_DROP`` below the model's own out-of-time figure (or below
  ``AUC_FLOOR``) is a warning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from faircollect.risk import metrics

#: PSI above which a shift is moderate, and significant (a warning).
PSI_MODERATE = 0.10
PSI_WARNING = 0.25
#: A week's AUC this far below the model's out-of-time AUC is a warning, as is one below the floor.
AUC_DROP = 0.05
AUC_FLOOR = 0.60
#: Weeks with fewer outcomes of either kind than this give no AUC (too noisy to read).
MIN_OUTCOMES = 10
#: Bins of the reference distributions kept with each model.
REFERENCE_BINS = 10


def psi(expected: Sequence[float], actual: Sequence[float], floor: float = 1e-4) -> float:
    """Population stability index between two distributions over the same bins."""
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, floor), max(a, floor)
        total += (a - e) * math.log(a / e)
    return total


def level(value: float) -> str:
    """``stable``, ``moderate`` or ``significant``, by the usual PSI thresholds."""
    if value > PSI_WARNING:
        return "significant"
    if value > PSI_MODERATE:
        return "moderate"
    return "stable"


def distribution(values: pl.Series, edges: Sequence[float] | None = None) -> dict[str, Any]:
    """Shares of ``values`` per bin: numeric by cut points (deciles if not given), text by value.

    Nulls have a bin of their own (``null``).
    """
    n = max(len(values), 1)
    nulls = values.null_count() / n
    if values.dtype == pl.String:
        tally = values.drop_nulls().value_counts()
        shares = {str(v): c / n for v, c in tally.iter_rows()}
        return {"categories": shares, "null": nulls}
    x = values.drop_nulls().cast(pl.Float64)
    if edges is None:
        inner = np.linspace(0, 1, REFERENCE_BINS + 1)[1:-1]
        edges = sorted({float(v) for v in np.quantile(x.to_numpy(), inner)}) if len(x) else []
    counts = np.bincount(
        np.searchsorted(np.asarray(edges), x.to_numpy(), side="right"), minlength=len(edges) + 1
    )
    return {"edges": list(edges), "shares": [c / n for c in counts.tolist()], "null": nulls}


def shares_against(reference: Mapping[str, Any], values: pl.Series) -> tuple[list[float], list[float]]:
    """The reference's shares and ``values``' shares over the reference's own bins (null last)."""
    if "categories" in reference:
        names = sorted(reference["categories"])
        now = distribution(values)
        other_ref = 1.0 - sum(reference["categories"].values()) - reference["null"]
        other_now = 1.0 - sum(now["categories"].get(c, 0.0) for c in names) - now["null"]
        expected = [reference["categories"][c] for c in names] + [max(other_ref, 0.0), reference["null"]]
        actual = [now["categories"].get(c, 0.0) for c in names] + [max(other_now, 0.0), now["null"]]
        return expected, actual
    now = distribution(values, reference["edges"])
    return [*reference["shares"], reference["null"]], [*now["shares"], now["null"]]


@dataclass(frozen=True, slots=True)
class Shift:
    """The PSI of one column (``score`` or a feature) between training and today."""

    name: str
    psi: float
    expected: tuple[float, ...]
    actual: tuple[float, ...]

    @property
    def level(self) -> str:
        return level(self.psi)


def shift(name: str, reference: Mapping[str, Any], values: pl.Series) -> Shift:
    """How far ``values`` moved from the reference distribution kept with the model."""
    expected, actual = shares_against(reference, values)
    return Shift(name, psi(expected, actual), tuple(expected), tuple(actual))


def feature_shifts(references: Mapping[str, Mapping[str, Any]], frame: pl.DataFrame) -> list[Shift]:
    """PSI of every feature the model kept a reference for, largest first."""
    found = [shift(name, ref, frame[name]) for name, ref in references.items() if name in frame.columns]
    return sorted(found, key=lambda s: -s.psi)


@dataclass(frozen=True, slots=True)
class Week:
    """How the stored scores of one week's dates ranked what happened next."""

    week: Any  # date of the week's Monday
    dates: int
    rows: int
    positives: int
    auc: float | None


def weekly_auc(scored: pl.DataFrame) -> list[Week]:
    """AUC per week of ``as_of`` of stored ``score`` against the outcome ``target`` (1 = bad)."""
    if scored.height == 0:
        return []
    weeks = []
    grouped = scored.with_columns(week=pl.col("as_of").dt.truncate("1w")).partition_by("week", as_dict=True)
    for (week,), rows in sorted(grouped.items(), key=lambda item: item[0]):
        y = rows["target"].to_numpy()
        positives = int(y.sum())
        enough = min(positives, len(y) - positives) >= MIN_OUTCOMES
        value = metrics.auc(y, rows["score"].to_numpy()) if enough else float("nan")
        weeks.append(
            Week(
                week=week,
                dates=rows["as_of"].n_unique(),
                rows=rows.height,
                positives=positives,
                auc=None if math.isnan(value) else value,
            )
        )
    return weeks


def warnings(
    *,
    kind: str,
    score: Shift | None,
    features: Sequence[Shift],
    weeks: Sequence[Week],
    expected_auc: float | None,
) -> list[str]:
    """The drifts past their thresholds, in words."""
    found = []
    if score is not None and score.psi > PSI_WARNING:
        found.append(f"{kind}: the score distribution moved (PSI {score.psi:.2f} > {PSI_WARNING})")
    for s in features:
        if s.psi > PSI_WARNING:
            found.append(f"{kind}: feature {s.name} moved (PSI {s.psi:.2f} > {PSI_WARNING})")
    for w in weeks:
        if w.auc is None:
            continue
        if w.auc < AUC_FLOOR:
            found.append(f"{kind}: week of {w.week} AUC {w.auc:.3f} is below {AUC_FLOOR}")
        elif expected_auc is not None and w.auc < expected_auc - AUC_DROP:
            found.append(
                f"{kind}: week of {w.week} AUC {w.auc:.3f} is more than {AUC_DROP} below the "
                f"model's out-of-time {expected_auc:.3f}"
            )
    return found
