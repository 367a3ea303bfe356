"""Columns of any table to model inputs: which columns are features, of which kind, and their encoding.

A column is *numeric* when its type is a number or a boolean, or when it is text whose every
non-missing value reads as a number ("12", " 3.5 "); otherwise it is *categorical* (its values,
stripped of surrounding spaces, are the categories). Some columns are left out, each with the
reason recorded in the model card: the target, columns that are always missing or constant,
identifiers (a text column whose every value differs, or a running number 1..n), text with too
many distinct values to be a category, and types that are not values (dates, lists).

The same ``encode_*`` functions serve training and scoring, so a row is read the same way both
times. Missing values (null, NaN, infinite) are kept as missing: the models give them their own
bin, never a guessed value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from faircollect.domain.errors import BadInput, InputProblem

Kind = Literal["numeric", "categorical"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SOURCE = "data"
MIN_ROWS = 100
MIN_CLASS = 20
MAX_CATEGORIES = 1000
_NUMBER = (pl.Float32, pl.Float64, pl.Decimal)


@dataclass(frozen=True)
class Label:
    """The human name of a feature, in Chinese and in English (and its unit, if any: 天 / days)."""

    zh: str
    en: str
    unit_zh: str = ""
    unit_en: str = ""


@dataclass(frozen=True)
class Feature:
    """One input column as the model reads it."""

    name: str
    kind: Kind
    integer: bool = False  # numeric with whole values only: bins are described as whole ranges
    categories: tuple[str, ...] = ()  # categorical: the training categories, most frequent first

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "integer": self.integer,
            "categories": list(self.categories),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Feature:
        kind = raw["kind"]
        if kind not in ("numeric", "categorical"):
            raise ValueError(f"unknown feature kind {kind!r}")
        return cls(
            name=str(raw["name"]),
            kind=kind,
            integer=bool(raw["integer"]),
            categories=tuple(str(c) for c in raw["categories"]),
        )


def problem(reason: str, column: str | None = None, line: int | None = None) -> InputProblem:
    return InputProblem(file=SOURCE, line=line, column=column, reason=reason)


def _is_integer_dtype(dtype: pl.DataType) -> bool:
    return dtype.is_integer() or dtype == pl.Boolean


def _as_float(column: pl.Series) -> pl.Series:
    """A numeric column (or numeric-looking text) as Float64, with NaN and infinities as null."""
    if column.dtype == pl.String:
        column = column.str.strip_chars().cast(pl.Float64, strict=False)
    else:
        column = column.cast(pl.Float64, strict=False)
    return column.set(column.is_nan() | column.is_infinite(), None) if column.len() else column


def _text(column: pl.Series) -> pl.Series:
    """Any column as stripped text categories; whole floats lose their '.0' so 1.0 and 1 agree."""
    if column.dtype in _NUMBER:
        floats = column.cast(pl.Float64)
        whole = floats.is_not_nan() & (floats == floats.round(0)) & (floats.abs() < 2**53)
        return (
            pl.select(
                pl.when(whole)
                .then(floats.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(floats.cast(pl.String))
            )
            .to_series()
            .alias(column.name)
        )
    if column.dtype == pl.Boolean:
        return column.cast(pl.Int8).cast(pl.String)
    return column.cast(pl.String).str.strip_chars()


def read_target(frame: pl.DataFrame, target: str) -> npt.NDArray[np.int8]:
    """The target column as 0/1; every way it can be wrong is a ``BadInput`` naming the column."""
    if target not in frame.columns:
        raise BadInput(problem(f"no target column {target!r} (columns: {', '.join(frame.columns)})", target))
    column = frame.get_column(target)
    if column.null_count():
        first = int(column.is_null().arg_true()[0])
        raise BadInput(
            problem(
                f"the target has {column.null_count()} missing value(s), the first in data row {first + 1}",
                target,
            )
        )
    values = _text(column)
    distinct = sorted(set(values.unique().to_list()))
    if not set(distinct) <= {"0", "1"}:
        shown = ", ".join(repr(v) for v in distinct[:6]) + (" ..." if len(distinct) > 6 else "")
        raise BadInput(problem(f"the target must be 0/1 (1 = the event to predict); found {shown}", target))
    y = (values == "1").to_numpy().astype(np.int8)
    positives = int(y.sum())
    if len(distinct) < 2:
        raise BadInput(problem(f"the target has a single class ({distinct[0]}): nothing to learn", target))
    if frame.height < MIN_ROWS or min(positives, frame.height - positives) < MIN_CLASS:
        raise BadInput(
            problem(
                f"too few rows to train and measure a model: {frame.height} rows, {positives} ones and "
                f"{frame.height - positives} zeros (need at least {MIN_ROWS} rows and {MIN_CLASS} of each class)",
                target,
            )
        )
    return y


def infer_features(frame: pl.DataFrame, target: str) -> tuple[list[Feature], dict[str, str]]:
    """The feature columns of ``frame`` and the columns left out, each with its reason."""
    features: list[Feature] = []
    excluded: dict[str, str] = {}
    n = frame.height
    for name in frame.columns:
        if name == target:
            continue
        column = frame.get_column(name)
        dtype = column.dtype
        if not (dtype.is_numeric() or dtype in (pl.Boolean, pl.String, pl.Categorical, pl.Enum)):
            excluded[name] = f"type {dtype} is not a number or a category (derive one, e.g. days since)"
            continue
        numeric: pl.Series | None = None
        if dtype.is_numeric() or dtype == pl.Boolean:
            numeric = _as_float(column)
        elif dtype == pl.String:
            converted = _as_float(column)
            text = column.str.strip_chars()
            blank = text.is_null() | (text == "")
            if converted.null_count() == int(blank.sum()) and blank.sum() < n:
                numeric = converted
        if numeric is not None:
            present = numeric.drop_nulls()
            if present.len() == 0:
                excluded[name] = "every value is missing"
                continue
            if present.n_unique() == 1:
                excluded[name] = "one value only (constant)"
                continue
            whole = bool((present == present.round(0)).all())
            integer_type = _is_integer_dtype(dtype) or (dtype == pl.String and whole)
            if integer_type and present.len() == n and present.n_unique() == n:
                span = float(present.max()) - float(present.min()) + 1  # type: ignore[arg-type]
                if span == n:
                    excluded[name] = "an identifier (a running number, every value different)"
                    continue
            features.append(Feature(name=name, kind="numeric", integer=whole))
            continue
        text = _text(column)
        text = text.set(text == "", None)
        present = text.drop_nulls()
        distinct = present.n_unique()
        if distinct == 0:
            excluded[name] = "every value is missing"
        elif distinct == 1 and present.len() == n:
            excluded[name] = "one value only (constant)"
        elif distinct == n:
            excluded[name] = "an identifier (every value different)"
        elif distinct > MAX_CATEGORIES or (distinct > 50 and distinct > n // 2):
            excluded[name] = f"{distinct} distinct texts: too many to be a category (free text or an id?)"
        else:
            counts = present.value_counts(sort=False)
            ordered = counts.sort(by=["count", name], descending=[True, False]).get_column(name).to_list()
            features.append(Feature(name=name, kind="categorical", categories=tuple(ordered)))
    if not features:
        raise BadInput(problem("no usable feature column: " + _excluded_words(excluded)))
    return features, excluded


def _excluded_words(excluded: Mapping[str, str]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in excluded.items()) or "the table has only the target"


def check_columns(frame: pl.DataFrame, features: Sequence[Feature]) -> None:
    """Every feature column is present: one problem per missing column, named."""
    missing = [f.name for f in features if f.name not in frame.columns]
    if missing:
        raise BadInput(
            [problem("the model needs this column and the data has none", name) for name in missing]
        )


def encode_numeric(frame: pl.DataFrame, feature: Feature) -> FloatArray:
    """A numeric feature as float64 with NaN for missing; text that is not a number is refused."""
    column = frame.get_column(feature.name)
    if not (column.dtype.is_numeric() or column.dtype in (pl.Boolean, pl.String, pl.Null)):
        raise BadInput(problem(f"expected numbers, found type {column.dtype}", feature.name))
    values = _as_float(column)
    if column.dtype == pl.String:
        text = column.str.strip_chars()
        wrong = values.is_null() & text.is_not_null() & (text != "")
        if wrong.any():
            row = int(wrong.arg_true()[0])
            raise BadInput(
                problem(
                    f"expected a number, found {text[row]!r} in data row {row + 1} "
                    f"({int(wrong.sum())} such value(s))",
                    feature.name,
                )
            )
    return values.to_numpy().astype(np.float64, copy=False)


def encode_categorical(frame: pl.DataFrame, feature: Feature) -> IntArray:
    """Category codes: 0..K-1 the training categories, K a value not seen in training, K+1 missing."""
    k = len(feature.categories)
    text = _text(frame.get_column(feature.name))
    codes = text.replace_strict(
        list(feature.categories), list(range(k)), default=k, return_dtype=pl.Int64
    ).fill_null(k + 1)
    blank = text.is_null() | (text == "")
    return codes.set(blank, k + 1).to_numpy().astype(np.int64, copy=False)


def column_summary(frame: pl.DataFrame, feature: Feature) -> dict[str, Any]:
    """What the card says about one feature column of the training data."""
    n = frame.height
    if feature.kind == "numeric":
        values = encode_numeric(frame, feature)
        present = values[~np.isnan(values)]
        q = np.quantile(present, [0.0, 0.01, 0.5, 0.99, 1.0])
        return {
            "kind": "numeric",
            "missing_share": round(1 - present.size / n, 4),
            "distinct": int(np.unique(present).size),
            "min": _num(q[0]),
            "p01": _num(q[1]),
            "median": _num(q[2]),
            "p99": _num(q[3]),
            "max": _num(q[4]),
        }
    codes = encode_categorical(frame, feature)
    return {
        "kind": "categorical",
        "missing_share": round(float((codes == len(feature.categories) + 1).mean()), 4),
        "distinct": len(feature.categories),
        "most_common": list(feature.categories[:5]),
    }


def _num(value: float) -> float:
    return float(value) if math.isfinite(value) else 0.0
