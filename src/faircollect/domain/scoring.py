"""Book models as records: which model scores which accounts, and how a score becomes a band.

Two kinds of model score the book every day (``risk.behaviour`` builds what they read). Both
score a *risk*, the probability of the bad outcome each one watches, so that their bands read
the same way (``very_high`` is the worst) and their reasons say what raised the risk:

- ``early_warning`` scores accounts that are current: the probability that the account is
  30 or more days past due on some day of the next 60 days;
- ``cure`` scores accounts that are delinquent: the probability that the account is *not*
  back to 0 days past due (current or settled) on any day of the next 30 days, i.e. that it
  does not cure by itself. (Its label, ``risk.behaviour.labels_cure``, is 1 for a cure; the
  model learns the other side of it.)

Bands come from fixed probability cut-offs stored with each model (``ModelRecord.cutoffs``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

KINDS: tuple[str, ...] = ("early_warning", "cure")
BANDS: tuple[str, ...] = ("low", "medium", "high", "very_high")

#: Default cut-offs between the four bands, per kind (probabilities of the kind's event).
DEFAULT_CUTOFFS: Mapping[str, tuple[float, float, float]] = {
    "early_warning": (0.05, 0.15, 0.35),
    "cure": (0.25, 0.50, 0.90),
}

#: The as-of status of the accounts each kind scores.
SCORED_STATUS: Mapping[str, str] = {"early_warning": "current", "cure": "delinquent"}


def band_for(score: float, cutoffs: Sequence[float]) -> str:
    """The band of ``score``: below the first cut-off ``low``, ..., at or above the last ``very_high``."""
    if len(cutoffs) != len(BANDS) - 1 or list(cutoffs) != sorted(cutoffs):
        raise ValueError(f"cut-offs must be {len(BANDS) - 1} increasing probabilities, not {cutoffs}")
    for band, cut in zip(BANDS, cutoffs, strict=False):
        if score < cut:
            return band
    return BANDS[-1]


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """A trained book model as stored: its file, its cut-offs and what it was measured to do."""

    version: str
    kind: str
    trained_on: date
    path: str
    cutoffs: tuple[float, float, float]
    #: Held-out figures and the training reference distributions (for drift monitoring).
    metrics: Mapping[str, Any] = field(default_factory=dict)
    #: The model card the risk library wrote.
    card: Mapping[str, Any] = field(default_factory=dict)
    created_at: str = ""
