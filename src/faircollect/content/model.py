"""The trained layer of the content screen for insults: a character n-gram linear classifier.

The lexicon catches the abuse it knows by name; this model scores the rest:
how likely a (normalised) message is offensive, learnt from COLD, the
Chinese Offensive Language Dataset (Deng et al., EMNLP 2022, Apache-2.0).

Features, all stateless hashing (so no vocabulary is stored):

- character 1- to 3-grams of the normalised text (``normalise(text).text``),
  2**19 buckets;
- bigrams of toneless pinyin syllables of the same text (each Han character
  replaced by its first reading as in ``pinyin_view``), 2**18 buckets, so
  homophone spellings (煞笔, 沙比) share features with the word they stand for.

Each block is counted, sub-linearly scaled (``1 + log(count)``) and
L2-normalised on its own; the pinyin block is then multiplied by
``pinyin_weight``. A logistic regression (liblinear, L2) turns the two blocks
into a probability. ``C`` is chosen on COLD dev from ``C_GRID`` (fit on train,
score dev), then the final model is fit on train + dev. Test is read only
after that, to report.

The artifact is not a pickle: ``models/insult_zh.npz`` holds the float32
coefficients, the intercept and the feature parameters; ``insult_zh.json``
beside it is the model card (data, parameters, dev and test metrics, library
versions and the npz's sha256).

Run ``python -m faircollect.content.model train --cold DIR --trained-on YYYY-MM-DD``
to refit and rewrite the artifact, and ``python -m faircollect.content.model
evaluate --cold DIR`` to score the packaged model on COLD test.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score
from sklearn.preprocessing import normalize as l2_rows

from faircollect.content.normalise import Normalised, normalise, pinyin_view

__all__ = [
    "C_GRID",
    "DEFAULT_PATH",
    "FINE_LABELS",
    "THRESHOLD",
    "Cold",
    "Features",
    "InsultModel",
    "default_model",
    "evaluate_cold",
    "main",
    "read_cold",
    "sha256_of",
    "train",
]

FORMAT: Final = "faircollect-insult-linear/1"
DEFAULT_PATH: Final = Path(__file__).resolve().parent / "models" / "insult_zh.npz"
# A message is offensive when its probability reaches this.
THRESHOLD: Final = 0.5
# Inverse regularisation strengths tried on COLD dev.
C_GRID: Final = (3.0, 10.0, 30.0, 100.0)
FINE_LABELS: Final = {
    0: "safe (other)",
    1: "attack individual",
    2: "attack group",
    3: "safe (anti-bias)",
}
_PACKAGES: Final = ("numpy", "scipy", "scikit-learn", "pypinyin", "opencc")


@dataclass(frozen=True, slots=True)
class Features:
    """How a normalised text becomes a feature vector (stored with the coefficients)."""

    char_ngram: tuple[int, int] = (1, 3)
    char_n_features: int = 2**19
    pinyin_ngram: tuple[int, int] = (2, 2)
    pinyin_n_features: int = 2**18
    pinyin_weight: float = 1.0

    def transform(self, texts: Sequence[str]) -> Any:
        """The (len(texts), char_n_features + pinyin_n_features) sparse matrix of ``texts``."""
        char_vectoriser, pinyin_vectoriser = _vectorisers(self)
        chars = _hashed(char_vectoriser, texts)
        if not self.pinyin_weight:
            return chars
        syllables = _hashed(pinyin_vectoriser, [_syllables(text) for text in texts])
        return sp.hstack([chars, syllables * np.float32(self.pinyin_weight)], format="csr")

    @property
    def n_features(self) -> int:
        return self.char_n_features + (self.pinyin_n_features if self.pinyin_weight else 0)

    def arrays(self) -> dict[str, Any]:
        """The parameters as named arrays, for an npz artifact (``from_arrays`` reads them back)."""
        return {
            "char_ngram": np.array(self.char_ngram, dtype=np.int64),
            "char_n_features": np.array(self.char_n_features, dtype=np.int64),
            "pinyin_ngram": np.array(self.pinyin_ngram, dtype=np.int64),
            "pinyin_n_features": np.array(self.pinyin_n_features, dtype=np.int64),
            "pinyin_weight": np.array(self.pinyin_weight, dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, data: Mapping[str, Any]) -> Features:
        """The parameters stored by ``arrays`` (an open npz or any mapping of the same names)."""
        char_lo, char_hi = (int(n) for n in data["char_ngram"])
        pinyin_lo, pinyin_hi = (int(n) for n in data["pinyin_ngram"])
        return cls(
            char_ngram=(char_lo, char_hi),
            char_n_features=int(data["char_n_features"]),
            pinyin_ngram=(pinyin_lo, pinyin_hi),
            pinyin_n_features=int(data["pinyin_n_features"]),
            pinyin_weight=float(data["pinyin_weight"]),
        )


@lru_cache(maxsize=8)
def _vectorisers(features: Features) -> tuple[Any, Any]:
    """The two (stateless) hashing vectorisers of ``features``, built once, not per call."""
    chars = HashingVectorizer(
        analyzer="char",
        ngram_range=features.char_ngram,
        n_features=features.char_n_features,
        lowercase=False,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    syllables = HashingVectorizer(
        analyzer="word",
        tokenizer=str.split,
        token_pattern=None,
        ngram_range=features.pinyin_ngram,
        n_features=features.pinyin_n_features,
        lowercase=False,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    return chars, syllables


def _hashed(vectoriser: Any, texts: Sequence[str]) -> Any:
    counts = vectoriser.transform(texts)
    counts.data = 1.0 + np.log(counts.data)
    return l2_rows(counts, copy=False)


@lru_cache(maxsize=1 << 16)
def _syllable(char: str) -> str:
    # The same reading pinyin_view gives, one character at a time.
    return pinyin_view(Normalised(original=char, text=char, index=(0,))).text


def _syllables(text: str) -> str:
    """Space-separated syllables: each Han character as its toneless pinyin, others as themselves."""
    return " ".join(map(_syllable, text))


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


@dataclass(frozen=True, eq=False)
class InsultModel:
    """Linear weights over ``features``; ``score`` gives the probability a text is offensive."""

    features: Features
    coef: NDArray[np.float32]
    intercept: float
    _weights: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.coef.shape != (self.features.n_features,):
            raise ValueError(f"coef has shape {self.coef.shape}, features need ({self.features.n_features},)")
        # float64 weights built once: a per-call astype copied 6 MB for every message.
        object.__setattr__(self, "_weights", np.ascontiguousarray(self.coef, dtype=np.float64))

    def score(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Probability of "offensive" per text; ``texts`` are already normalised (``normalise(t).text``)."""
        if isinstance(texts, str):
            raise TypeError("score takes a sequence of texts, not one string")
        if not texts:
            return np.zeros(0, dtype=np.float64)
        logits = self.features.transform(texts) @ self._weights
        return _sigmoid(np.asarray(logits, dtype=np.float64).ravel() + self.intercept)

    def save(self, path: Path) -> None:
        """Write the weights and feature parameters as a compressed npz (no pickle)."""
        with path.open("wb") as fh:
            np.savez_compressed(
                fh,
                format=np.array(FORMAT),
                coef=self.coef.astype(np.float32),
                intercept=np.array(self.intercept, dtype=np.float64),
                **self.features.arrays(),
            )

    @classmethod
    def load(cls, path: Path | None = None) -> InsultModel:
        """Read an artifact written by ``save``; by default the one packaged with faircollect."""
        with np.load(path or DEFAULT_PATH, allow_pickle=False) as data:
            if str(data["format"]) != FORMAT:
                raise ValueError(f"unknown model format {data['format']!s}")
            return cls(
                features=Features.from_arrays(data),
                coef=np.asarray(data["coef"], dtype=np.float32),
                intercept=float(data["intercept"]),
            )


@cache
def default_model() -> InsultModel:
    """The packaged model, loaded once per process."""
    return InsultModel.load()


# --- data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cold:
    """One COLD split: raw texts, binary labels, and fine-grained labels (test only, else -1)."""

    texts: list[str]
    labels: NDArray[np.int64]
    fine: NDArray[np.int64]

    @property
    def normalised(self) -> list[str]:
        return [normalise(text).text for text in self.texts]


def read_cold(path: Path) -> Cold:
    """Read a COLD csv (train, dev or test)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return Cold(
        texts=[row["TEXT"] for row in rows],
        labels=np.array([int(row["label"]) for row in rows], dtype=np.int64),
        fine=np.array([int(row.get("fine-grained-label") or -1) for row in rows], dtype=np.int64),
    )


# --- fitting and measuring -----------------------------------------------------------


def _fit(
    features: Features, texts: Sequence[str], labels: NDArray[np.int64], c: float, seed: int
) -> InsultModel:
    classifier = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=seed)
    classifier.fit(features.transform(texts), labels)
    return InsultModel(
        features=features,
        coef=np.asarray(classifier.coef_, dtype=np.float32).ravel(),
        intercept=float(classifier.intercept_[0]),
    )


def _binary_metrics(labels: NDArray[np.int64], scores: NDArray[np.float64]) -> dict[str, float]:
    predicted = (scores >= THRESHOLD).astype(np.int64)
    return {
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "macro_f1": round(float(f1_score(labels, predicted, average="macro")), 4),
        "precision_offensive": round(float(precision_score(labels, predicted, zero_division=0)), 4),
        "recall_offensive": round(float(recall_score(labels, predicted, zero_division=0)), 4),
        "roc_auc": round(float(roc_auc_score(labels, scores)), 4) if len(set(labels.tolist())) == 2 else 0.0,
    }


def evaluate_cold(model: InsultModel, test_csv: Path) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-fine-grained-label results on a COLD test csv.

    ``false_alarm_anti_bias`` is the share of anti-bias lines (safe lines that
    quote a slur to condemn it, fine-grained label 3) flagged as offensive.
    """
    data = read_cold(test_csv)
    scores = model.score(data.normalised)
    flagged = scores >= THRESHOLD
    by_fine: dict[str, dict[str, Any]] = {}
    for label, name in FINE_LABELS.items():
        mask = data.fine == label
        if not mask.any():
            continue
        correct = flagged[mask] == (data.labels[mask] == 1)
        by_fine[str(label)] = {
            "name": name,
            "rows": int(mask.sum()),
            "accuracy": round(float(correct.mean()), 4),
            "flagged": round(float(flagged[mask].mean()), 4),
        }
    result: dict[str, Any] = {"rows": len(data.texts), "threshold": THRESHOLD}
    result.update(_binary_metrics(data.labels, scores))
    result["by_fine_label"] = by_fine
    if "3" in by_fine:
        result["false_alarm_anti_bias"] = by_fine["3"]["flagged"]
    if "0" in by_fine:
        result["false_alarm_other_safe"] = by_fine["0"]["flagged"]
    return result


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "missing"
    return versions


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train(
    train_csv: Path,
    dev_csv: Path,
    *,
    out: Path,
    trained_on: date,
    seed: int = 0,
    test_csv: Path | None = None,
    features: Features | None = None,
) -> dict[str, Any]:
    """Pick ``C`` on dev, fit on train + dev, write ``out`` (npz) and its card (``out`` with .json).

    ``test_csv``, when given, is read only after the final model is written,
    to put its figures in the card; it plays no part in any choice.
    """
    if out.suffix != ".npz":
        raise ValueError(f"out must end in .npz, not {out.name}")
    started = time.perf_counter()
    features = features or Features()
    train_data, dev_data = read_cold(train_csv), read_cold(dev_csv)
    train_texts, dev_texts = train_data.normalised, dev_data.normalised

    grid = []
    for c in C_GRID:
        fitted = _fit(features, train_texts, train_data.labels, c, seed)
        grid.append({"C": c, **_binary_metrics(dev_data.labels, fitted.score(dev_texts))})
    # Best dev macro-F1; on a tie the stronger regularisation (smaller C).
    chosen = max(grid, key=lambda row: (row["macro_f1"], -row["C"]))
    c = float(chosen["C"])
    # What the pinyin block adds on dev, at the chosen C (reported, not chosen on).
    plain = Features(**{**asdict(features), "pinyin_weight": 0.0})
    without_pinyin = _binary_metrics(
        dev_data.labels, _fit(plain, train_texts, train_data.labels, c, seed).score(dev_texts)
    )

    model = _fit(
        features,
        train_texts + dev_texts,
        np.concatenate([train_data.labels, dev_data.labels]),
        c,
        seed,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    loaded = InsultModel.load(out)
    test = evaluate_cold(loaded, test_csv) if test_csv is not None else None

    metrics: dict[str, Any] = {
        "dev": {k: v for k, v in chosen.items() if k != "C"},
        "dev_grid": grid,
        "dev_without_pinyin": without_pinyin,
        "test": test,
    }
    card = {
        "name": "insult_zh",
        "format": FORMAT,
        "task": "probability that a normalised Chinese text is offensive (insult layer of the content screen)",
        "trained_on": trained_on.isoformat(),
        "data": {
            "name": "COLD (Chinese Offensive Language Dataset), Deng et al., EMNLP 2022",
            "url": "https://github.com/thu-coai/COLDataset",
            "license": "Apache-2.0",
            "train_rows": len(train_texts),
            "dev_rows": len(dev_texts),
            "final_fit_rows": len(train_texts) + len(dev_texts),
            "final_fit_on": "train + dev",
        },
        "features": {
            **asdict(features),
            "input": "normalise(text).text",
            "char_analyzer": "char",
            "pinyin_tokens": "one toneless pinyin syllable per Han character (pinyin_view), other characters kept",
            "hashing": "sklearn HashingVectorizer, alternate_sign=False",
            "weighting": "1 + log(count), L2 per block, pinyin block times pinyin_weight",
        },
        "classifier": {
            "kind": "LogisticRegression",
            "solver": "liblinear",
            "penalty": "l2",
            "C": c,
            "C_grid": list(C_GRID),
            "chosen_by": "best COLD dev macro-F1 when fit on COLD train (ties to the smaller C)",
            "seed": seed,
            "threshold": THRESHOLD,
            "coef_dtype": "float32",
        },
        "metrics": metrics,
        "versions": _versions(),
        "artifact": {"file": out.name, "bytes": out.stat().st_size, "sha256": sha256_of(out)},
    }
    out.with_suffix(".json").write_text(
        json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    metrics["C"] = c
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    return metrics


# --- command line (plain text: the content layer does not import rich) ----------------


def _print_metrics(title: str, metrics: dict[str, Any]) -> None:
    print(title)
    for key in ("rows", "accuracy", "macro_f1", "precision_offensive", "recall_offensive", "roc_auc"):
        if key in metrics:
            print(f"  {key:<22} {metrics[key]}")
    for label, row in metrics.get("by_fine_label", {}).items():
        print(
            f"  fine {label} {row['name']:<18} rows {row['rows']:>5}  "
            f"accuracy {row['accuracy']:.4f}  flagged {row['flagged']:.4f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m faircollect.content.model", description="Train or evaluate the insult model on COLD."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("train", help="choose C on dev, fit on train + dev, write the artifact")
    fit.add_argument("--cold", type=Path, required=True, help="folder with COLD train.csv, dev.csv, test.csv")
    fit.add_argument("--out", type=Path, default=DEFAULT_PATH)
    fit.add_argument("--trained-on", type=date.fromisoformat, required=True, help="YYYY-MM-DD for the card")
    fit.add_argument("--seed", type=int, default=0)
    check = commands.add_parser("evaluate", help="score a model on COLD test.csv")
    check.add_argument("--cold", type=Path, required=True)
    check.add_argument("--model", type=Path, default=None, help="an npz artifact (default: the packaged one)")
    args = parser.parse_args(argv)

    if args.command == "train":
        test_csv = args.cold / "test.csv"
        metrics = train(
            args.cold / "train.csv",
            args.cold / "dev.csv",
            out=args.out,
            trained_on=args.trained_on,
            seed=args.seed,
            test_csv=test_csv if test_csv.exists() else None,
        )
        for row in metrics["dev_grid"]:
            print(f"dev  C={row['C']:<6} accuracy {row['accuracy']:.4f}  macro-F1 {row['macro_f1']:.4f}")
        print(f"chosen C={metrics['C']}; wrote {args.out} in {metrics['seconds']} s")
        _print_metrics("COLD dev (fit on train)", metrics["dev"])
        _print_metrics("COLD dev without the pinyin block", metrics["dev_without_pinyin"])
        if metrics["test"] is not None:
            _print_metrics("COLD test (fit on train + dev)", metrics["test"])
    else:
        started = time.perf_counter()
        result = evaluate_cold(InsultModel.load(args.model), args.cold / "test.csv")
        _print_metrics(f"COLD test ({time.perf_counter() - started:.1f} s)", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
