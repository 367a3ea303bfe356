"""The trained insult layer: the packaged artifact loads, scores the obvious cases right, matches its card.

Tests that need COLD read it from FAIRCOLLECT_COLD_DIR (default /work/shared/data/cold);
without it they skip, except under CI=true where a missing dataset is a failure.
"""

from __future__ import annotations

import csv
import json
import os
import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from faircollect.content.model import (
    DEFAULT_PATH,
    FINE_LABELS,
    InsultModel,
    default_model,
    evaluate_cold,
    read_cold,
    sha256_of,
    train,
)
from faircollect.content.normalise import normalise

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "content-cold.md"
COLD = Path(os.environ.get("FAIRCOLLECT_COLD_DIR", "/work/shared/data/cold"))
CARD = DEFAULT_PATH.with_suffix(".json")


def _cold() -> Path:
    if all((COLD / name).is_file() for name in ("train.csv", "dev.csv", "test.csv")):
        return COLD
    message = f"COLD is not at {COLD} (set FAIRCOLLECT_COLD_DIR)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _scores(*texts: str) -> list[float]:
    return [float(s) for s in default_model().score([normalise(t).text for t in texts])]


# --- the packaged artifact -------------------------------------------------------------


def test_default_model_is_loaded_once() -> None:
    assert default_model() is default_model()


def test_obvious_insult_scores_high_and_polite_dunning_low() -> None:
    insult, polite = _scores("你真是个傻逼", "请您尽快还款，谢谢")
    assert insult > 0.9
    assert polite < 0.05


def test_homophone_spelling_scores_high_after_normalisation() -> None:
    # 煞笔 and 沙比 share the pinyin shabi with 傻逼; separators go in normalisation.
    obfuscated, spaced, polite = _scores("你个煞笔", "你个 沙 比", "请您尽快还款，谢谢")
    assert obfuscated > 0.5
    assert spaced > 0.5
    assert min(obfuscated, spaced) > polite


def test_lawful_consequences_are_not_insults() -> None:
    for score in _scores(
        "逾期将影响您的征信记录", "我们可能依法提起诉讼", "您好，您的账单已逾期3天，请尽快处理"
    ):
        assert score < 0.1


def test_scores_are_probabilities_in_input_order() -> None:
    texts = [normalise(t).text for t in ("请您尽快还款", "你真是个傻逼", "", "谢谢")]
    batch = default_model().score(texts)
    assert batch.shape == (4,)
    assert batch.dtype == np.float64
    assert np.all((batch >= 0.0) & (batch <= 1.0))
    singles = np.array([default_model().score([t])[0] for t in texts])
    np.testing.assert_allclose(batch, singles, rtol=1e-12)
    assert batch[1] > batch[0]


def test_empty_batch_and_bare_string() -> None:
    assert default_model().score([]).shape == (0,)
    with pytest.raises(TypeError):
        default_model().score("你真是个傻逼")


def test_card_matches_the_artifact() -> None:
    card = json.loads(CARD.read_text(encoding="utf-8"))
    assert card["artifact"]["sha256"] == sha256_of(DEFAULT_PATH)
    assert card["artifact"]["bytes"] == DEFAULT_PATH.stat().st_size
    assert DEFAULT_PATH.stat().st_size < 8 * 2**20
    assert card["trained_on"] == "2026-11-23"
    assert card["data"]["license"] == "Apache-2.0"
    assert {"numpy", "scikit-learn", "scipy", "python"} <= set(card["versions"])
    model = InsultModel.load(DEFAULT_PATH)
    features = card["features"]
    assert list(model.features.char_ngram) == features["char_ngram"]
    assert model.features.char_n_features == features["char_n_features"]
    assert list(model.features.pinyin_ngram) == features["pinyin_ngram"]
    assert model.features.pinyin_n_features == features["pinyin_n_features"]
    assert model.features.pinyin_weight == features["pinyin_weight"]
    assert model.coef.dtype == np.float32
    chosen = card["classifier"]["C"]
    assert chosen in card["classifier"]["C_grid"]
    best = max(card["metrics"]["dev_grid"], key=lambda row: (row["macro_f1"], -row["C"]))
    assert best["C"] == chosen


def test_artifact_is_not_a_pickle() -> None:
    with np.load(DEFAULT_PATH, allow_pickle=False) as data:
        assert all(data[name].dtype != object for name in data.files)


# --- against COLD ------------------------------------------------------------------------


def _write_slice(source: Path, target: Path, start: int, stop: int) -> None:
    with source.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [row for i, row in enumerate(reader) if start <= i < stop]
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def test_retraining_on_a_slice_beats_the_majority_baseline(tmp_path: Path) -> None:
    cold = _cold()
    _write_slice(cold / "train.csv", tmp_path / "train.csv", 0, 3000)
    _write_slice(cold / "dev.csv", tmp_path / "dev.csv", 0, 1000)
    # C is chosen on dev rows 0..1000; the check uses dev rows 1000..2500.
    _write_slice(cold / "dev.csv", tmp_path / "check.csv", 1000, 2500)
    out = tmp_path / "model" / "insult.npz"

    metrics = train(tmp_path / "train.csv", tmp_path / "dev.csv", out=out, trained_on=date(2026, 11, 23))

    card = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert card["artifact"]["sha256"] == sha256_of(out)
    assert card["data"]["train_rows"] == 3000
    assert metrics["test"] is None
    model = InsultModel.load(out)
    check = read_cold(tmp_path / "check.csv")
    predicted = model.score(check.normalised) >= 0.5
    accuracy = float(np.mean(predicted == (check.labels == 1)))
    majority = max(float(check.labels.mean()), 1.0 - float(check.labels.mean()))
    assert accuracy > majority + 0.15, (accuracy, majority)


def test_cold_test_accuracy_is_what_the_docs_say() -> None:
    cold = _cold()
    stated = re.search(r"^\| accuracy \| (0\.\d+) \|", DOC.read_text(encoding="utf-8"), re.MULTILINE)
    assert stated, f"{DOC} has no '| accuracy | 0.xxxx |' row"

    result = evaluate_cold(default_model(), cold / "test.csv")

    assert abs(result["accuracy"] - float(stated.group(1))) <= 0.005
    assert set(result["by_fine_label"]) == {str(label) for label in FINE_LABELS}
    assert result["false_alarm_anti_bias"] == result["by_fine_label"]["3"]["flagged"]
    assert 0.0 <= result["macro_f1"] <= 1.0
