"""The five-category collection model: artifact round trip, thresholds, and its place in the screen."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from faircollect.content import collection_model
from faircollect.content.collection_model import CollectionModel, default_model, train
from faircollect.content.evaluate import write_between
from faircollect.content.lexicon import CATEGORIES
from faircollect.content.screen import screen


def test_packaged_model_loads_with_six_heads_and_one_threshold_per_language() -> None:
    model = default_model()
    assert model is not None
    assert model.coef.shape[0] == len(CATEGORIES) + 1
    assert model.thresholds.shape == (2,)
    assert np.all(model.thresholds >= 0.5)
    assert 0.5 <= model.threshold_for("en") < 1.0


def test_harm_is_the_mean_of_the_any_harm_head_and_the_likeliest_category() -> None:
    raw = np.array([[0.1, 0.9, 0.2, 0.0, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    assert np.allclose(collection_model.harm_of(raw), [0.7, 0.0])


def test_a_flagged_message_gets_its_likeliest_category_and_any_other_very_likely() -> None:
    assert collection_model.categories_of(np.array([0.1, 0.6, 0.2, 0.3, 0.0])) == [1]
    assert collection_model.categories_of(np.array([0.1, 0.95, 0.85, 0.3, 0.79])) == [1, 2]


def test_probabilities_are_per_category_and_refuse_a_bare_string() -> None:
    model = default_model()
    assert model is not None
    probabilities = model.probabilities(["你好", "we will tell your boss you owe us"])
    assert probabilities.shape == (2, len(CATEGORIES))
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    with pytest.raises(TypeError):
        model.probabilities("one string")


def test_training_writes_an_artifact_that_scores_the_same_after_loading(tmp_path: Path) -> None:
    texts = [
        "你这个废物",
        "你个垃圾东西",
        "傻子一样",
        "我们会去你家闹",
        "小心你的家人",
        "打断你的腿",
        "我是公安局的",
        "不还就坐牢",
        "法院明天来抓你",
        "告诉你同事你欠钱",
        "发到你朋友圈",
        "通知你领导",
        "去借网贷还",
        "刷信用卡还我们",
        "卖房还钱",
    ] * 2 + ["您好，请按时还款", "我们可以为您办理延期", "感谢您的还款", "请回电", "账单已出"] * 6
    labels = np.zeros((len(texts), len(CATEGORIES)), dtype=np.int64)
    for i in range(30):
        labels[i, (i % 15) // 3] = 1
    out = tmp_path / "m.npz"
    metrics = train(texts, labels, out=out, trained_on=date(2026, 11, 23), sources={"test": len(texts)})
    assert out.exists()
    assert out.with_suffix(".json").exists()
    assert 0.0 <= metrics["cross_validated"]["false_alarms_clean"] <= 1.0
    loaded = CollectionModel.load(out)
    again = CollectionModel.load(out)
    sample = ["去借网贷还", "您好，请按时还款"]
    assert np.allclose(loaded.probabilities(sample), again.probabilities(sample))


@pytest.mark.parametrize("splits", ["tune,holdout", "holdout", "dev,test5", "test5", "train2,all", ""])
def test_training_refuses_the_held_out_sets(splits: str, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    monkeypatch.setattr("faircollect.content.evaluate.load", lambda split, **_: read.append(split) or [])
    with pytest.raises(SystemExit):
        collection_model.main(["train", "--trained-on", "2026-11-23", "--splits", splits])
    assert read == []  # refused before anything is read


def test_training_defaults_to_the_development_sets() -> None:
    from faircollect.content.evaluate import DEVELOPMENT, FRESH

    trainable = collection_model.TRAINABLE
    assert trainable == ("tune", *DEVELOPMENT)
    assert not set(trainable) & {"holdout", *FRESH}
    card = default_model_card()
    assert set(card["data"]["sources"]) <= set(collection_model.TRAINABLE)
    assert "test5" in card["data"]["never_read"]


def default_model_card() -> dict[str, Any]:
    path = collection_model.DEFAULT_PATH.with_suffix(".json")
    card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return card


def test_a_model_finding_never_blocks_on_its_own() -> None:
    model = default_model()
    assert model is not None
    # Whatever the model says, its findings sit between REVIEW and BLOCK.
    for text in ["你最好想清楚后果，我们这行什么人都有", "Think carefully about your family, {first_name}."]:
        for finding in screen(text).categories:
            if finding.rule == "model":
                assert 0.5 <= finding.score < 0.8


@pytest.mark.parametrize(
    "text",
    [
        "We apologise: a letter wrongly said you could be arrested. That is not true.",
        "外包公司员工说您“会坐牢”是错误的，这是民事债务，我们向您澄清并道歉。",
        "Please don't take out another loan to pay us.",
    ],
)
def test_reported_or_negated_words_are_not_reflagged_by_the_model(text: str) -> None:
    assert screen(text).verdict == "ok", screen(text).to_json()


def test_write_between_replaces_only_the_marked_block(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("head\n<!-- evaluate:holdout -->\nold\n<!-- /evaluate -->\ntail\n", encoding="utf-8")
    write_between(doc, "evaluate:holdout", "| new |")
    assert (
        doc.read_text(encoding="utf-8")
        == "head\n<!-- evaluate:holdout -->\n| new |\n<!-- /evaluate -->\ntail\n"
    )
    with pytest.raises(SystemExit):
        write_between(doc, "evaluate:missing", "x")


def test_the_second_look_lets_through_what_out_of_fold_scores_allow() -> None:
    # 200 harmful lines the rules catch, scored 0.00 .. 0.995 out of fold; 100 clean ones they flag.
    harm = np.concatenate([np.linspace(0.0, 0.995, 200), np.full(100, 0.001)])
    labels = np.zeros((300, len(CATEGORIES)), dtype=np.int64)
    labels[:200, 1] = 1
    rule_caught = np.ones(300, dtype=bool)
    veto, effect = collection_model.choose_veto(harm, labels, rule_caught)
    # At most VETO_LOSS (0.5%) of the 200, i.e. one line, may go: only the 0.0 line is below 0.005.
    assert veto == 0.005
    assert effect == {
        "rule_caught_harmful": 200,
        "let_through_harmful": 1,
        "rule_flagged_clean": 100,
        "let_through_clean": 100,
    }
    # A harmful line the rules miss does not count: they are not what the second look drops.
    rule_caught[:200] = False
    assert collection_model.choose_veto(harm, labels, rule_caught)[0] == max(collection_model.VETO_GRID)


class _FixedScores:
    """Stands in for the collection model in the screen: every message gets the same scores."""

    def __init__(self, top: float, veto: float) -> None:
        self.top = top
        self.veto = veto

    def threshold_for(self, lang: str) -> float:
        return 0.99

    def assess(self, texts: Any, normalised: Any = None) -> Any:
        return np.full((len(texts), len(CATEGORIES)), self.top), np.full(len(texts), self.top)


@pytest.mark.parametrize(
    ("top", "veto", "let_go"),
    [(0.01, 0.05, True), (0.05, 0.05, False), (0.3, 0.05, False), (0.01, 0.0, False)],
)
def test_the_screen_lets_rule_hits_go_only_below_the_veto(
    top: float, veto: float, let_go: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import faircollect.content.screen as screen_module

    text = "稽核发现：部分催收员诱导客户以贷养贷，已在周会上通报批评。"
    ruled = screen(text, use_model=False)
    assert ruled.verdict != "ok"
    monkeypatch.setattr(screen_module, "_collection_model", lambda: _FixedScores(top, veto))
    result = screen_module.screen(text)
    if let_go:
        assert result.verdict == "ok"
        assert result.to_json()["categories"] == []
        assert {f.category for f in result.overruled} == {f.category for f in ruled.categories}
    else:
        assert result.verdict == ruled.verdict
        assert result.overruled == ()


class _ShortSentencesOnly:
    """Harmful-sounding only when the harmful words stand in a short text (a sentence, not a letter)."""

    veto = 0.1

    def threshold_for(self, lang: str) -> float:
        return 0.99

    def assess(self, texts: Any, normalised: Any = None) -> Any:
        harm = np.array([0.9 if "以贷养贷" in t and len(t) < 40 else 0.01 for t in texts])
        return np.zeros((len(texts), len(CATEGORIES))), harm


def test_the_second_look_asks_about_the_sentence_the_rule_matched_in(monkeypatch: pytest.MonkeyPatch) -> None:
    import faircollect.content.screen as screen_module

    monkeypatch.setattr(screen_module, "_collection_model", lambda: _ShortSentencesOnly())
    polite = "尊敬的客户您好，感谢您一直以来的支持与信任，我们理解您近期的困难。"
    letter = polite + "建议您以贷养贷，先去别的平台借一笔还上。" + polite
    assert screen(letter, use_model=False).verdict != "ok"
    kept = screen_module.screen(letter)
    # The whole letter scores 0.01, below the veto, but the sentence with the rule hit scores 0.9.
    assert kept.verdict != "ok"
    assert kept.overruled == ()
    # A one-sentence message has no sentence to ask about apart from itself: let go.
    single = "据说有人以贷养贷，" + "我们" * 20 + "不评论"
    assert screen(single, use_model=False).verdict != "ok"
    assert screen_module.screen(single).verdict == "ok"


def test_the_second_look_never_lets_a_block_strength_term_of_abuse_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import faircollect.content.screen as screen_module

    monkeypatch.setattr(screen_module, "_collection_model", lambda: _FixedScores(0.01, 0.3))
    text = "你这个傻逼，赶紧去以贷养贷把钱还上"
    ruled = screen(text, use_model=False)
    assert {f.category for f in ruled.categories} >= {"insult", "inducement"}
    result = screen_module.screen(text)
    assert [f.category for f in result.categories] == ["insult"]
    assert [f.category for f in result.overruled] == ["inducement"]
