"""Optimal monotonic binning of each feature (optbinning), and weight of evidence per bin.

optbinning (Navas-Palencia, 2020) finds the cut points by mathematical programming under the
constraints a scorecard needs: every bin holds at least ``min_bin_size`` of the rows, at most
``max_n_bins`` bins, and for a numeric feature an event rate that only rises or only falls
(``auto_asc_desc``: it picks the direction). Categories are grouped by event rate under the
same size rules. Missing values get their own bin.

Only the cut points (and category groups) are taken from optbinning; the bin of a value, the
counts and the WOE are computed here by the same code that scores, so the tables in the model
card are exactly what scoring uses. WOE is log(share of ones / share of zeros) in the bin
(larger = riskier), with 0.5 added to each count (then, for a numeric feature, kept in the
order of the monotone event rates); an empty bin (no missing values in training, a category
not seen) has WOE 0, the population's average risk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from faircollect.risk.features import Feature, FloatArray, IntArray

BINNING = {
    "max_n_prebins": 20,
    "min_prebin_size": 0.05,
    "min_bin_size": 0.05,
    "max_n_bins": 8,
    "monotonic_trend": "auto_asc_desc",
    "woe_smoothing": 0.5,
}


@dataclass(frozen=True)
class Binned:
    """A feature's bins on some training rows: which slot falls in which bin, counts and WOE."""

    feature: Feature
    splits: FloatArray  # numeric cut points: bins (-inf, s1), [s1, s2), ..., [sm, inf)
    bin_of_slot: IntArray  # slot -> bin; numeric slots are bins 0..m then missing; -1: no training rows
    counts: IntArray  # rows per bin (the last bin is 'missing')
    events: IntArray  # ones per bin
    woe: FloatArray  # per bin
    iv: float
    direction: int  # numeric: +1 risk rises with the value, -1 falls, 0 no direction (one bin)

    @property
    def slots(self) -> int:
        return int(self.bin_of_slot.size)

    def slot_of(self, column: FloatArray | IntArray) -> IntArray:
        """The slot of each value: numeric bins then missing; categorical codes (see features)."""
        if self.feature.kind == "categorical":
            return column.astype(np.int64, copy=False)
        slots = np.searchsorted(self.splits, column, side="right")
        slots[np.isnan(column)] = self.splits.size + 1
        return slots.astype(np.int64, copy=False)

    def woe_of_slot(self) -> FloatArray:
        """WOE per slot; slots with no training rows get 0."""
        out = np.zeros(self.slots, dtype=np.float64)
        known = self.bin_of_slot >= 0
        out[known] = self.woe[self.bin_of_slot[known]]
        return out

    def occupied_slots(self) -> npt.NDArray[np.bool_]:
        """Slots whose bin held training rows."""
        known = self.bin_of_slot >= 0
        out = np.zeros(self.slots, dtype=bool)
        out[known] = self.counts[self.bin_of_slot[known]] > 0
        return out

    def table(self, words: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """The binning table for the model card: one row per bin with its members in words."""
        rows: list[dict[str, Any]] = []
        for b in range(self.counts.size):
            members = [words[s][1] for s in np.flatnonzero(self.bin_of_slot == b)]
            rows.append(
                {
                    "bin": "; ".join(members) if members else "-",
                    "count": int(self.counts[b]),
                    "events": int(self.events[b]),
                    "event_rate": round(float(self.events[b] / self.counts[b]), 4)
                    if self.counts[b]
                    else None,
                    "woe": round(float(self.woe[b]), 4),
                }
            )
        return rows


def bin_feature(feature: Feature, column: FloatArray | IntArray, y: npt.NDArray[np.int8]) -> Binned:
    """Fit the bins of one feature on these rows (``column`` encoded as in ``features``)."""
    from optbinning import OptimalBinning  # heavy import (OR-Tools): only when training

    options = {k: v for k, v in BINNING.items() if k != "woe_smoothing"}
    if feature.kind == "numeric":
        binning = OptimalBinning(name=feature.name, dtype="numerical", **options)
        binning.fit(column, y)
        splits = np.asarray(binning.splits, dtype=np.float64)
        m = splits.size
        bin_of_slot = np.arange(m + 2, dtype=np.int64)  # bins 0..m, then missing = bin m+1
        slot = np.searchsorted(splits, column, side="right")
        slot[np.isnan(column)] = m + 1
        n_bins = m + 2
    else:
        k = len(feature.categories)
        codes = column.astype(np.int64)
        text = np.array([str(c) for c in range(k)] + ["", ""], dtype=object)[codes]
        text[codes >= k] = np.nan
        options.pop("monotonic_trend")
        binning = OptimalBinning(name=feature.name, dtype="categorical", **options)
        binning.fit(text, y)
        groups: list[Any] = list(binning.splits)
        bin_of_slot = np.full(k + 2, -1, dtype=np.int64)
        for b, members in enumerate(groups):
            for member in members:
                bin_of_slot[int(member)] = b
        n_bins = len(groups) + 1
        bin_of_slot[k + 1] = n_bins - 1  # missing
        slot = codes
        splits = np.zeros(0, dtype=np.float64)
    bins = np.where(bin_of_slot[slot] >= 0, bin_of_slot[slot], -1)
    seen = bins >= 0
    counts = np.bincount(bins[seen], minlength=n_bins).astype(np.int64)
    events = np.bincount(bins[seen], weights=y[seen], minlength=n_bins).astype(np.int64)
    woe, iv = _woe(counts, events)
    direction = 0
    if feature.kind == "numeric" and splits.size:
        inner = slice(0, splits.size + 1)
        rates = events[inner] / np.maximum(counts[inner], 1)
        direction = 1 if rates[-1] > rates[0] else -1 if rates[-1] < rates[0] else 0
        # The smoothing can turn a bin with no ones (or no zeros) past its neighbour; keep the
        # WOE in the order of the event rates the binning made monotone.
        if direction > 0:
            woe[inner] = np.minimum.accumulate(woe[inner][::-1])[::-1]
        elif direction < 0:
            woe[inner] = np.minimum.accumulate(woe[inner])
    return Binned(
        feature=feature,
        splits=splits,
        bin_of_slot=bin_of_slot,
        counts=counts,
        events=events,
        woe=woe,
        iv=iv,
        direction=direction,
    )


def _woe(counts: IntArray, events: IntArray) -> tuple[FloatArray, float]:
    a = float(BINNING["woe_smoothing"])  # type: ignore[arg-type]
    nonevents = counts - events
    total_events, total_non = events.sum(), nonevents.sum()
    share_e = (events + a) / (total_events + a)
    share_n = (nonevents + a) / (total_non + a)
    woe = np.where(counts > 0, np.log(share_e / share_n), 0.0)
    iv = float(np.sum(np.where(counts > 0, (share_e - share_n) * woe, 0.0)))
    return woe.astype(np.float64), iv if math.isfinite(iv) else 0.0
