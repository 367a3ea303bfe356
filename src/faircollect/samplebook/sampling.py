"""Vectorised random draws and column building shared by the sample-book modules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def weighted_choice(rng: np.random.Generator, weights: Sequence[float], size: int) -> IntArray:
    """Indices into ``weights`` drawn ``size`` times, each with probability proportional to its weight."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum()).astype(np.int64)


def choice_per_row(rng: np.random.Generator, log_weights: FloatArray) -> IntArray:
    """One index per row of ``log_weights`` (rows x options), drawn from that row's softmax."""
    shifted = log_weights - log_weights.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    rows, options = int(log_weights.shape[0]), int(log_weights.shape[1])
    u = rng.random(rows)
    picked: IntArray = (u[:, None] > cumulative).sum(axis=1).astype(np.int64)
    return np.minimum(picked, options - 1)


def pick(values: Sequence[str], index: npt.NDArray[np.integer]) -> pl.Series:
    """The strings ``values[index]`` as a polars Series (no Python loop over rows)."""
    return pl.Series(list(values), dtype=pl.String).gather(np.asarray(index, dtype=np.int64))


def ids_for(prefix: str, numbers: npt.NDArray[np.integer], width: int) -> pl.Series:
    """Ids ``prefix`` + zero-padded ``numbers``."""
    return prefix + pl.Series(np.asarray(numbers, dtype=np.int64)).cast(pl.String).str.zfill(width)


def amounts(minor: npt.NDArray[np.integer]) -> pl.Series:
    """Minor units as decimal strings with exactly two decimals (``format_minor`` semantics)."""
    m = pl.col("m")
    size = m.abs()
    text = pl.concat_str(
        pl.when(m < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (size // 100).cast(pl.String),
        pl.lit("."),
        (size % 100 + 100).cast(pl.String).str.slice(1),
    )
    return pl.DataFrame({"m": np.asarray(minor, dtype=np.int64)}).select(text).to_series()


def dates(days: npt.NDArray[np.integer]) -> pl.Series:
    """Days since 1970-01-01 as a polars Date series."""
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)
