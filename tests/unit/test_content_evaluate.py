"""The evaluation loader: the separately written sets, and a fresh set measured only on what is new in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faircollect.content.evaluate import FRESH, SEPARATE, _fresh, evaluate, load
from faircollect.content.lexicon import CATEGORIES

ROOT = Path(__file__).resolve().parents[2] / "evaluation" / "content"


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _row(i: str, text: str, labels: list[str], **extra: object) -> dict[str, object]:
    return {"id": i, "text": text, "labels": labels, "lookalike": False, "note": "", **extra}


@pytest.mark.parametrize("name", SEPARATE)
def test_each_separate_set_loads_in_both_languages_with_known_labels(name: str) -> None:
    lines = load(name)
    # train7 was written in English only (the weaker language on test4).
    assert {line.lang for line in lines} == ({"en"} if name == "train7" else {"zh", "en"})
    assert len({line.id for line in lines}) == len(lines)
    for line in lines:
        assert line.labels <= set(CATEGORIES)
        assert not (line.lookalike and line.labels)


def test_a_fresh_set_leaves_out_lines_found_in_the_other_sets(tmp_path: Path) -> None:
    _write(tmp_path / "zh.jsonl", [_row("zh-1", "你个傻逼", ["insult"], split="tune")])
    _write(tmp_path / "en.jsonl", [_row("en-1", "Pay now, you deadbeat.", ["insult"], split="holdout")])
    for name in ("dev", "train2"):
        _write(tmp_path / name / "zh.jsonl", [_row(f"{name}-1", f"{name} 您好", [])])
        _write(tmp_path / name / "en.jsonl", [_row(f"{name}-2", f"{name} hello", [])])
    _write(
        tmp_path / "test5" / "zh.jsonl",
        [_row("t-1", "你个 傻逼！", ["insult"]), _row("t-2", "新的一句话", [])],
    )
    _write(tmp_path / "test5" / "en.jsonl", [_row("t-3", "pay now you DEADBEAT", ["insult"])])
    assert FRESH == ("test5",)
    kept, left_out = _fresh(load("test5", directory=tmp_path), tmp_path)
    assert [line.id for line in kept] == ["t-2"]
    assert left_out == 2


def test_a_fresh_set_is_measured_on_its_new_lines_only(tmp_path: Path) -> None:
    # Written here, not read from evaluation/content/test5: every count below is this fixture's.
    _write(tmp_path / "zh.jsonl", [_row("zh-1", "你个傻逼", ["insult"], split="tune")])
    _write(tmp_path / "en.jsonl", [_row("en-1", "Thanks for your payment.", [], split="tune")])
    for name in ("dev", "train2"):
        _write(tmp_path / name / "zh.jsonl", [_row(f"{name}-1", f"{name} 您好", [])])
        _write(tmp_path / name / "en.jsonl", [_row(f"{name}-2", f"{name} hello", [])])
    _write(
        tmp_path / "test5" / "zh.jsonl",
        [
            _row("t-1", "你个 傻逼！", ["insult"]),  # also in tune: left out
            _row("t-2", "再不还钱就打断你的腿", ["threat"]),
            _row("t-3", "请您尽快还款", [], lookalike=True),
        ],
    )
    _write(
        tmp_path / "test5" / "en.jsonl", [_row("t-4", "We know where your kids go to school.", ["threat"])]
    )
    report = evaluate("test5", use_model=False, directory=tmp_path)
    assert report.left_out == 1
    assert (report.overall.harmful, report.overall.caught) == (2, 2)
    assert (report.overall.lookalike, report.overall.lookalike_alarms) == (1, 0)
    assert "1 lines whose text" in report.to_markdown()


def test_a_separate_set_may_name_its_files_by_language_then_author(tmp_path: Path) -> None:
    _write(tmp_path / "test5" / "zh_a.jsonl", [_row("a-1", "您好", [])])
    _write(tmp_path / "test5" / "zh_b.jsonl", [_row("b-1", "再见", [])])
    _write(tmp_path / "test5" / "w_zh.jsonl", [_row("w-1", "谢谢", [])])
    _write(tmp_path / "test5" / "en.jsonl", [_row("e-1", "Hello", [])])
    _write(tmp_path / "test5" / "README_zh_a.md", [])
    lines = load("test5", directory=tmp_path)
    assert sorted((line.lang, line.id) for line in lines) == [
        ("en", "e-1"),
        ("zh", "a-1"),
        ("zh", "b-1"),
        ("zh", "w-1"),
    ]
