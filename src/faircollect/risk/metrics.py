"""How good a score is: AUC (with a bootstrap interval), KS, Gini, Brier and calibration error."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def auc(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    from scipy.stats import rankdata  # not imported by scoring

    yy = np.asarray(y, dtype=bool)
    positives = int(yy.sum())
    negatives = yy.size - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(np.asarray(score, dtype=np.float64))
    return float((ranks[yy].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def ks(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    """Kolmogorov-Smirnov: the largest gap between the score distributions of ones and zeros."""
    yy = np.asarray(y, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    order = np.argsort(s, kind="stable")
    s, yy = s[order], yy[order]
    positives = yy.sum()
    negatives = yy.size - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    last = np.r_[s[1:] != s[:-1], True]  # compare the CDFs only after each run of equal scores
    cum_pos = np.cumsum(yy)[last] / positives
    cum_neg = np.cumsum(~yy)[last] / negatives
    return float(np.max(np.abs(cum_pos - cum_neg)))


def brier(y: npt.ArrayLike, probability: npt.ArrayLike) -> float:
    return float(np.mean((np.asarray(probability, dtype=np.float64) - np.asarray(y, dtype=np.float64)) ** 2))


def calibration_error(y: npt.ArrayLike, probability: npt.ArrayLike, bins: int = 10) -> float:
    """Expected calibration error over ``bins`` groups of equal size by predicted probability."""
    p = np.asarray(probability, dtype=np.float64)
    yy = np.asarray(y, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    total = 0.0
    for group in np.array_split(order, bins):
        if group.size:
            total += group.size * abs(p[group].mean() - yy[group].mean())
    return float(total / max(p.size, 1))


def auc_interval(
    y: npt.ArrayLike, score: npt.ArrayLike, *, seed: int, resamples: int = 1000
) -> tuple[float, float]:
    """A 95% percentile bootstrap interval of the AUC (rows resampled with replacement).

    Vectorised: a resample is a vector of how often each row was drawn, and the AUC of a
    weighted sample is computed from the scores sorted once (ties counted half).
    """
    yy = np.asarray(y, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    n = yy.size
    order = np.argsort(s, kind="stable")
    s, yy = s[order], yy[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    rng = np.random.default_rng(seed)
    found: list[npt.NDArray[np.float64]] = []
    chunk = max(1, min(resamples, 2_000_000 // max(n, 1)))
    done = 0
    while done < resamples:
        b = min(chunk, resamples - done)
        draws = rng.integers(0, n, (b, n))
        flat = (draws + (np.arange(b) * n)[:, None]).ravel()
        weights = np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)[:, order]
        pos = np.add.reduceat(weights * yy, starts, axis=1)
        neg = np.add.reduceat(weights * ~yy, starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        total_pos, total_neg = pos.sum(axis=1), neg.sum(axis=1)
        ok = (total_pos > 0) & (total_neg > 0)
        area = (pos * (below + 0.5 * neg)).sum(axis=1)
        found.append(area[ok] / (total_pos[ok] * total_neg[ok]))
        done += b
    low, high = np.percentile(np.concatenate(found), [2.5, 97.5])
    return float(low), float(high)


def summary(
    y: npt.ArrayLike, probability: npt.ArrayLike, *, seed: int, interval: bool = True
) -> dict[str, Any]:
    """AUC (and its 95% interval), KS, Gini, Brier, calibration error and mean predicted vs observed."""
    yy = np.asarray(y, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    area = auc(yy, p)
    out: dict[str, Any] = {"rows": int(yy.size), "auc": round(area, 4)}
    if interval:
        low, high = auc_interval(yy, p, seed=seed)
        out["auc_ci95"] = [round(low, 4), round(high, 4)]
    out.update(
        {
            "ks": round(ks(yy, p), 4),
            "gini": round(2 * area - 1, 4),
            "brier": round(brier(yy, p), 4),
            "calibration_error": round(calibration_error(yy, p), 4),
            "mean_predicted": round(float(p.mean()), 4),
            "observed_rate": round(float(yy.mean()), 4),
        }
    )
    return out
