"""Train a default-risk model on any table: a scorecard and a LightGBM challenger, the better one calibrated.

The steps, all fixed in ``SETTINGS`` before any data was looked at:

1. Read the target (0/1) and type the columns (``features``); put a stratified 20% aside as
   the held-out part, touched only to measure the finished model.
2. On the other 80% (development), 5-fold stratified cross-validation of both pipelines, every
   step refitted inside each fold (binning included):
   * **scorecard**: optimal monotonic binning (``binning``), WOE, features with information
     value >= 0.02, of any two whose WOE correlate above 0.9 the one with more IV, logistic
     regression, and features with a coefficient <= 0 dropped one at a time (a scorecard whose
     bin order contradicts its WOE cannot be read); points with 20 points to double the odds
     and 600 points at odds of 50 good to 1 bad;
   * **challenger**: LightGBM, every tree on a single feature (``interaction_constraints``), so
     the model is additive and its SHAP values are exact per-feature tables (LightGBM's own
     ``pred_contrib`` takes about 2 ms per row for ordinary trees here, half an hour for a
     million accounts); monotone constraints where the feature's binning shows a direction;
     the number of trees by early stopping on a fifth of the fitting rows.
3. The champion is the pipeline with the higher mean cross-validated AUC; it is calibrated
   (Platt scaling) on its own out-of-fold scores.
4. Both pipelines are fitted once more on the whole development part; the champion is the model
   returned; both are measured on the held-out part (AUC with a bootstrap 95% interval, KS,
   Gini, Brier, calibration error), and all of it goes into the model card.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from faircollect.domain.errors import BadInput
from faircollect.risk import metrics, words
from faircollect.risk.binning import BINNING, Binned, bin_feature
from faircollect.risk.features import (
    Feature,
    FloatArray,
    IntArray,
    Label,
    column_summary,
    infer_features,
    problem,
    read_target,
)
from faircollect.risk.model import FORMAT_VERSION, Champion, Part, RiskModel, encode

Progress = Callable[[str], None]
Choice = Literal["auto", "scorecard", "challenger"]
Y = npt.NDArray[np.int8]

SETTINGS: dict[str, Any] = {
    "holdout_share": 0.2,
    "folds": 5,
    "binning": BINNING,
    "scorecard": {
        "min_iv": 0.02,
        "max_woe_correlation": 0.9,
        "logistic_C": 1.0,
        "positive_coefficients": True,
        "pdo": 20,
        "base_points": 600,
        "base_odds_good_to_bad": 50,
    },
    "challenger": {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 8,
        "min_data_in_leaf": 20,
        "lambda_l2": 1.0,
        "max_bin": 255,
        "trees_per_tree": "one feature (interaction_constraints)",
        "monotone_constraints": "from the binning's direction, numeric features",
        "max_rounds": 1000,
        "early_stopping_rounds": 50,
        "early_stopping_share": 0.2,
    },
    "champion": "higher mean cross-validated AUC (the scorecard on a tie)",
    "calibration": "Platt scaling on the champion's out-of-fold log-odds",
    "bootstrap_resamples": 1000,
}


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def label_of(feature: Feature, labels: Mapping[str, Label] | None) -> Label:
    return (labels or {}).get(feature.name) or Label(zh=feature.name, en=feature.name)


def words_of(binned: Binned, label: Label) -> list[tuple[str, str]]:
    f = binned.feature
    if f.kind == "categorical":
        return words.categories(label, f.categories)
    return words.numeric_bins(label, binned.splits.tolist(), integer=f.integer)


# --- the two pipelines ----------------------------------------------------------------------


@dataclass(frozen=True)
class Additive:
    """A fitted additive model: per-feature contribution tables and an intercept (log-odds)."""

    parts: list[Part]
    intercept: float
    info: dict[str, Any]
    lightgbm_text: str | None = None

    def log_odds(self, columns: Mapping[str, FloatArray | IntArray]) -> FloatArray:
        total = np.full(len(next(iter(columns.values()))), self.intercept, dtype=np.float64)
        for part in self.parts:
            total += part.values[part.value_slots(columns[part.feature.name])]
        return total


def fit_scorecard(
    binned: Sequence[Binned],
    columns: Mapping[str, FloatArray | IntArray],
    y: Y,
    labels: Mapping[str, Label] | None,
) -> Additive:
    """WOE logistic regression on the informative, not-too-correlated features; all coefficients > 0."""
    from sklearn.linear_model import LogisticRegression

    cfg = SETTINGS["scorecard"]
    ranked = sorted(binned, key=lambda b: -b.iv)
    woe = {b.feature.name: b.woe_of_slot()[b.slot_of(columns[b.feature.name])] for b in ranked}
    candidates = [b for b in ranked if b.iv >= cfg["min_iv"]] or ranked[:1]
    kept: list[Binned] = []
    for b in candidates:
        x = woe[b.feature.name]
        if np.std(x) == 0:
            continue
        if all(abs(np.corrcoef(x, woe[k.feature.name])[0, 1]) <= cfg["max_woe_correlation"] for k in kept):
            kept.append(b)
    kept = kept or ranked[:1]
    while True:
        matrix = np.column_stack([woe[b.feature.name] for b in kept])
        regression = LogisticRegression(C=cfg["logistic_C"], max_iter=1000)
        regression.fit(matrix, y)
        coefs = regression.coef_[0]
        if len(kept) == 1 or coefs.min() > 0:
            break
        kept.pop(int(np.argmin(coefs)))
    intercept = float(regression.intercept_[0])
    parts: list[Part] = []
    for b, coef in zip(kept, coefs, strict=True):
        values = float(coef) * b.woe_of_slot()
        occupied = b.occupied_slots()
        baseline = float(values[occupied].min()) if occupied.any() else 0.0
        parts.append(
            Part(
                feature=b.feature,
                edges=b.splits,
                right=True,
                values=values,
                baseline=baseline,
                text_edges=b.splits,
                words=tuple(words_of(b, label_of(b.feature, labels))),
            )
        )
    return Additive(
        parts=parts,
        intercept=intercept,
        info={"coefficients": {b.feature.name: float(c) for b, c in zip(kept, coefs, strict=True)}},
    )


def _lgb_matrix(features: Sequence[Feature], columns: Mapping[str, FloatArray | IntArray]) -> FloatArray:
    out = np.empty((len(next(iter(columns.values()))), len(features)), dtype=np.float64)
    for j, f in enumerate(features):
        column = columns[f.name]
        if f.kind == "categorical":
            codes = column.astype(np.float64)
            codes[column >= len(f.categories)] = np.nan  # unseen and missing: LightGBM's missing
            out[:, j] = codes
        else:
            out[:, j] = column
    return out


def _lgb_params(features: Sequence[Feature], binned: Mapping[str, Binned], seed: int) -> dict[str, Any]:
    cfg = SETTINGS["challenger"]
    return {
        "objective": cfg["objective"],
        "learning_rate": cfg["learning_rate"],
        "num_leaves": cfg["num_leaves"],
        "min_data_in_leaf": cfg["min_data_in_leaf"],
        "lambda_l2": cfg["lambda_l2"],
        "max_bin": cfg["max_bin"],
        "interaction_constraints": [[j] for j in range(len(features))],
        "monotone_constraints": [binned[f.name].direction if f.kind == "numeric" else 0 for f in features],
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 1,
        "verbose": -1,
    }


def fit_challenger(
    binned: Mapping[str, Binned],
    features: Sequence[Feature],
    columns: Mapping[str, FloatArray | IntArray],
    y: Y,
    *,
    seed: int,
    labels: Mapping[str, Label] | None,
) -> Additive:
    """LightGBM on single-feature trees, turned into exact per-feature SHAP tables."""
    import lightgbm as lgb

    cfg = SETTINGS["challenger"]
    matrix = _lgb_matrix(features, columns)
    params = _lgb_params(features, binned, seed)
    categorical = [j for j, f in enumerate(features) if f.kind == "categorical"]
    names = [f"f{j}" for j in range(len(features))]
    stop_fit, stop_val = _split(y, cfg["early_stopping_share"], seed + 1)

    def dataset(rows: IntArray, reference: lgb.Dataset | None = None) -> lgb.Dataset:
        return lgb.Dataset(
            matrix[rows],
            label=y[rows],
            reference=reference,
            feature_name=names,
            categorical_feature=categorical,
            free_raw_data=False,
        )

    fit_set = dataset(stop_fit)
    probe = lgb.train(
        params,
        fit_set,
        num_boost_round=cfg["max_rounds"],
        valid_sets=[dataset(stop_val, fit_set)],
        callbacks=[lgb.early_stopping(cfg["early_stopping_rounds"], verbose=False)],
    )
    rounds = max(int(probe.best_iteration or cfg["max_rounds"]), 1)
    booster = lgb.train(params, dataset(np.arange(y.size)), num_boost_round=rounds)
    parts, bias = _shap_tables(booster, features, binned, labels)
    return Additive(
        parts=parts,
        intercept=bias,
        info={
            "rounds": rounds,
            "monotone": {f.name: binned[f.name].direction for f in features if f.kind == "numeric"},
        },
        lightgbm_text=booster.model_to_string(),
    )


def _numeric_thresholds(booster: Any, count: int) -> list[list[float]]:
    found: list[set[float]] = [set() for _ in range(count)]
    for tree in booster.dump_model()["tree_info"]:
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_feature" in node:
                if node["decision_type"] == "<=":
                    found[int(node["split_feature"])].add(float(node["threshold"]))
                stack.extend((node["left_child"], node["right_child"]))
    return [sorted(s) for s in found]


def _shap_tables(
    booster: Any,
    features: Sequence[Feature],
    binned: Mapping[str, Binned],
    labels: Mapping[str, Label] | None,
) -> tuple[list[Part], float]:
    """Per-feature SHAP by slot: ``pred_contrib`` of one representative row per slot.

    Every tree splits on one feature, so a feature's SHAP value depends on its own value only
    and is constant between two consecutive thresholds LightGBM uses on it (it goes left when
    ``x <= t``): the slots are (-inf, t1], (t1, t2], ..., (tm, inf) and missing. Tests check
    the tables against LightGBM's own ``predict`` and ``pred_contrib``.
    """
    thresholds = _numeric_thresholds(booster, len(features))
    reps: list[FloatArray] = []
    spans: list[tuple[int, int]] = []
    start = 0
    for j, f in enumerate(features):
        if f.kind == "numeric":
            t = np.asarray(thresholds[j], dtype=np.float64)
            if t.size:  # a point inside each interval, never on a threshold (LightGBM reads
                # |x| <= 1e-35 as 0, and its zero thresholds are +-1e-35)
                inside = np.r_[t[0] - 1 - abs(t[0]), (t[:-1] + t[1:]) / 2, t[-1] + 1 + abs(t[-1])]
            else:
                inside = np.zeros(1)
            points = np.r_[inside, np.nan]
        else:
            points = np.r_[np.arange(len(f.categories), dtype=np.float64), np.nan, np.nan]
        block = np.full((points.size, len(features)), np.nan)
        block[:, j] = points
        reps.append(block)
        spans.append((start, start + points.size))
        start += points.size
    contrib = np.asarray(booster.predict(np.vstack(reps), pred_contrib=True), dtype=np.float64)
    bias = float(contrib[0, -1])
    parts: list[Part] = []
    for j, f in enumerate(features):
        lo, hi = spans[j]
        values = contrib[lo:hi, j].copy()
        if not np.any(np.abs(values) > 1e-12):
            continue  # LightGBM never split on it: the model does not need the column
        b = binned[f.name]
        parts.append(
            Part(
                feature=f,
                edges=np.asarray(thresholds[j], dtype=np.float64) if f.kind == "numeric" else np.zeros(0),
                right=False,
                values=values,
                baseline=0.0,
                text_edges=b.splits,
                words=tuple(words_of(b, label_of(f, labels))),
            )
        )
    return parts, bias


# --- cross-validation, champion, calibration ---------------------------------------------


def _split(y: Y, share: float, seed: int) -> tuple[IntArray, IntArray]:
    """A stratified split: (the rest, ``share`` of the rows), both sorted."""
    rng = np.random.default_rng(seed)
    aside: list[IntArray] = []
    for cls in (0, 1):
        rows = np.flatnonzero(y == cls)
        rng.shuffle(rows)
        aside.append(rows[: max(1, round(share * rows.size))])
    held = np.sort(np.concatenate(aside))
    rest = np.setdiff1d(np.arange(y.size), held)
    return rest, held


def folds_of(y: Y, folds: int, seed: int) -> list[tuple[IntArray, IntArray]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(a.astype(np.int64), b.astype(np.int64)) for a, b in splitter.split(np.zeros(y.size), y)]


def platt(log_odds: FloatArray, y: Y) -> tuple[float, float]:
    """Calibration a, b with P = 1 / (1 + exp(-(a * log_odds + b))); a >= 0 keeps the ranking."""
    from sklearn.linear_model import LogisticRegression

    regression = LogisticRegression(C=1e6, max_iter=1000)
    regression.fit(log_odds.reshape(-1, 1), y)
    a = float(regression.coef_[0, 0])
    if a <= 0:  # no signal: a constant probability, the observed rate
        rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
        return 0.0, math.log(rate / (1 - rate))
    return a, float(regression.intercept_[0])


def calibrated(log_odds: FloatArray, ab: tuple[float, float]) -> FloatArray:
    a, b = ab
    return 1.0 / (1.0 + np.exp(-(a * log_odds + b)))


@dataclass(frozen=True)
class Fitted:
    """Both pipelines fitted on some rows, with their cross-validation and calibrations."""

    features: list[Feature]
    binned: dict[str, Binned]
    scorecard: Additive
    challenger: Additive
    champion: Champion
    calibration: dict[str, tuple[float, float]]
    cv: dict[str, Any]

    def model(self, which: Champion) -> Additive:
        return self.scorecard if which == "scorecard" else self.challenger


def encode_all(frame: pl.DataFrame, features: Sequence[Feature]) -> dict[str, FloatArray | IntArray]:
    return {f.name: encode(frame, f) for f in features}


def _take(columns: Mapping[str, FloatArray | IntArray], rows: IntArray) -> dict[str, FloatArray | IntArray]:
    return {k: v[rows] for k, v in columns.items()}


def fit_both(
    features: Sequence[Feature],
    columns: Mapping[str, FloatArray | IntArray],
    y: Y,
    *,
    seed: int,
    labels: Mapping[str, Label] | None,
    progress: Progress | None = None,
) -> tuple[dict[str, Binned], Additive, Additive]:
    """Bin every feature, then fit the scorecard and the challenger on these rows."""
    _say(progress, f"binning {len(features)} features on {y.size:,} rows")
    binned = {f.name: bin_feature(f, columns[f.name], y) for f in features}
    _say(progress, "fitting the scorecard")
    scorecard = fit_scorecard(list(binned.values()), columns, y, labels)
    _say(progress, "fitting the LightGBM challenger")
    challenger = fit_challenger(binned, features, columns, y, seed=seed, labels=labels)
    return binned, scorecard, challenger


def fit(
    features: Sequence[Feature],
    columns: Mapping[str, FloatArray | IntArray],
    y: Y,
    *,
    seed: int,
    folds: int,
    labels: Mapping[str, Label] | None = None,
    progress: Progress | None = None,
    champion: Choice = "auto",
) -> Fitted:
    """Cross-validate both pipelines on these rows, choose and calibrate, and fit both on all of them."""
    oof = {"scorecard": np.zeros(y.size), "challenger": np.zeros(y.size)}
    fold_auc: dict[str, list[float]] = {"scorecard": [], "challenger": []}
    for i, (inner, outer) in enumerate(folds_of(y, folds, seed), start=1):
        _say(progress, f"cross-validation fold {i}/{folds}")
        _, sc, ch = fit_both(features, _take(columns, inner), y[inner], seed=seed, labels=labels)
        held = _take(columns, outer)
        for name, model in (("scorecard", sc), ("challenger", ch)):
            oof[name][outer] = model.log_odds(held)
            fold_auc[name].append(metrics.auc(y[outer], oof[name][outer]))
    means = {k: float(np.mean(v)) for k, v in fold_auc.items()}
    chosen: Champion
    if champion == "auto":
        chosen = "challenger" if means["challenger"] > means["scorecard"] else "scorecard"
    else:
        chosen = champion
    calibration = {name: platt(oof[name], y) for name in oof}
    cv = {
        "folds": folds,
        **{
            name: {
                "auc_mean": round(means[name], 4),
                "auc_sd": round(float(np.std(fold_auc[name], ddof=1)), 4),
                "fold_auc": [round(a, 4) for a in fold_auc[name]],
                "out_of_fold": metrics.summary(
                    y, calibrated(oof[name], calibration[name]), seed=seed, interval=False
                ),
            }
            for name in oof
        },
    }
    _say(progress, f"champion: {chosen}; fitting both on all {y.size:,} development rows")
    binned, sc, ch = fit_both(features, columns, y, seed=seed, labels=labels, progress=progress)
    return Fitted(
        features=list(features),
        binned=binned,
        scorecard=sc,
        challenger=ch,
        champion=chosen,
        calibration=calibration,
        cv=cv,
    )


# --- the public entry ----------------------------------------------------------------------


def train(
    frame: pl.DataFrame,
    target: str,
    *,
    trained_on: date,
    seed: int = 0,
    labels: Mapping[str, Label] | None = None,
    progress: Progress | None = None,
    folds: int | None = None,
    champion: Choice = "auto",
) -> RiskModel:
    """Train on any table with a 0/1 ``target`` (see the module docstring); the same data and seed give the same model.

    ``folds`` (default 5) and ``champion`` (default: chosen by cross-validated AUC) are for
    tests and benchmarks; bad input raises ``BadInput`` naming the column.
    """
    folds = folds or int(SETTINGS["folds"])
    if folds < 2:
        raise BadInput(problem("at least 2 cross-validation folds are needed"))
    y = read_target(frame, target)
    features, excluded = infer_features(frame, target)
    _say(progress, f"{frame.height:,} rows, {len(features)} feature columns ({len(excluded)} left out)")
    columns = encode_all(frame, features)
    dev, hold = _split(y, float(SETTINGS["holdout_share"]), seed)
    fitted = fit(
        features,
        _take(columns, dev),
        y[dev],
        seed=seed,
        folds=folds,
        labels=labels,
        progress=progress,
        champion=champion,
    )
    _say(progress, f"measuring on the {hold.size:,} held-out rows")
    held = _take(columns, hold)
    holdout = {
        name: metrics.summary(
            y[hold], calibrated(fitted.model(name).log_odds(held), fitted.calibration[name]), seed=seed
        )
        for name in ("scorecard", "challenger")
    }
    chosen = fitted.model(fitted.champion)
    model = RiskModel(
        card={},
        parts=chosen.parts,
        intercept=chosen.intercept,
        calibration=fitted.calibration[fitted.champion],
        champion=fitted.champion,
        lightgbm_text=chosen.lightgbm_text,
    )
    model.card = _card(
        frame=frame,
        target=target,
        y=y,
        dev=dev,
        hold=hold,
        features=features,
        excluded=excluded,
        fitted=fitted,
        holdout=holdout,
        model=model,
        trained_on=trained_on,
        seed=seed,
        labels=labels,
    )
    return model


def _versions() -> dict[str, str]:
    out = {}
    for name in ("faircollect", "optbinning", "lightgbm", "scikit-learn", "numpy", "polars", "scipy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _points(fitted: Fitted) -> dict[str, Any]:
    cfg = SETTINGS["scorecard"]
    factor = cfg["pdo"] / math.log(2)
    offset = cfg["base_points"] - factor * math.log(cfg["base_odds_good_to_bad"])
    sc = fitted.scorecard
    n = len(sc.parts)
    return {
        "factor": factor,
        "offset": offset,
        "per_bin": {
            p.feature.name: [
                round(-factor * (v + sc.intercept / n) + offset / n, 1) for v in p.values.tolist()
            ]
            for p in sc.parts
        },
    }


def _card(
    *,
    frame: pl.DataFrame,
    target: str,
    y: Y,
    dev: IntArray,
    hold: IntArray,
    features: Sequence[Feature],
    excluded: Mapping[str, str],
    fitted: Fitted,
    holdout: Mapping[str, Any],
    model: RiskModel,
    trained_on: date,
    seed: int,
    labels: Mapping[str, Label] | None,
) -> dict[str, Any]:
    points = _points(fitted)
    coefficients = fitted.scorecard.info["coefficients"]
    in_challenger = {p.feature.name for p in fitted.challenger.parts}
    binning: dict[str, Any] = {}
    for f in features:
        b = fitted.binned[f.name]
        table = b.table(words_of(b, label_of(f, labels)))
        if f.name in points["per_bin"]:
            slot_points = points["per_bin"][f.name]
            for row_index, row in enumerate(table):
                slots = np.flatnonzero(b.bin_of_slot == row_index)
                row["points"] = slot_points[int(slots[0])] if slots.size else None
        binning[f.name] = table
    return {
        "format_version": FORMAT_VERSION,
        "model_id": model.model_id,
        "trained_on": trained_on.isoformat(),
        "seed": seed,
        "target": target,
        "champion": fitted.champion,
        "data": {
            "rows": frame.height,
            "positives": int(y.sum()),
            "positive_rate": round(float(y.mean()), 4),
            "development_rows": int(dev.size),
            "holdout_rows": int(hold.size),
            "columns": {f.name: column_summary(frame, f) for f in features},
            "excluded": dict(excluded),
        },
        "features": [
            {
                "name": f.name,
                "kind": f.kind,
                "label": {"zh": label_of(f, labels).zh, "en": label_of(f, labels).en},
                "iv": round(fitted.binned[f.name].iv, 4),
                "direction": fitted.binned[f.name].direction,
                "in_scorecard": f.name in coefficients,
                "in_challenger": f.name in in_challenger,
                "in_model": f.name in {p.feature.name for p in model.parts},
            }
            for f in features
        ],
        "cross_validation": fitted.cv,
        "holdout": {"champion": holdout[fitted.champion], **holdout},
        "calibration": {
            "method": "platt",
            "a": fitted.calibration[fitted.champion][0],
            "b": fitted.calibration[fitted.champion][1],
        },
        "scorecard": {
            "intercept": fitted.scorecard.intercept,
            "coefficients": coefficients,
            "pdo": SETTINGS["scorecard"]["pdo"],
            "base_points": SETTINGS["scorecard"]["base_points"],
            "base_odds_good_to_bad": SETTINGS["scorecard"]["base_odds_good_to_bad"],
        },
        "challenger": fitted.challenger.info,
        "binning": binning,
        "reasons": (
            "weights in log-odds; scorecard: the bin's log-odds minus the feature's best bin's; "
            "challenger: the feature's SHAP value (LightGBM pred_contrib), positive only"
        ),
        "settings": SETTINGS,
        "libraries": _versions(),
        "pickled": "nothing: JSON tables and LightGBM's text model",
        "saved_model": "fitted on the development part; the held-out figures measure exactly this model",
    }
