"""The content screen's labelled evaluation set is well formed and keeps its promised shape.

The set lives in evaluation/content/{zh,en}.jsonl (see evaluation/content/README.md).
These checks read the data only; they do not import or run the screen.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

EVAL_DIR = Path(__file__).resolve().parents[2] / "evaluation" / "content"
CATEGORIES = ("insult", "threat", "deception", "privacy", "inducement")
MIN_PER_CATEGORY = {"zh": 50, "en": 25}
MIN_LINES = {"zh": 400, "en": 200}
FIELDS = {"id", "text", "labels", "lookalike", "split", "note"}


def _load(lang: str) -> list[dict[str, Any]]:
    rows = []
    with (EVAL_DIR / f"{lang}.jsonl").open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            assert line.strip(), f"{lang}.jsonl line {number} is blank"
            rows.append(json.loads(line))
    return rows


@pytest.fixture(scope="module")
def sets() -> dict[str, list[dict[str, Any]]]:
    return {lang: _load(lang) for lang in MIN_LINES}


@pytest.mark.parametrize("lang", sorted(MIN_LINES))
def test_every_line_has_exactly_the_fields_with_the_right_types(
    sets: dict[str, list[dict[str, Any]]], lang: str
) -> None:
    for row in sets[lang]:
        assert set(row) == FIELDS, row
        assert isinstance(row["text"], str)
        assert 5 <= len(row["text"]) <= 120, row["id"]
        assert row["text"] == row["text"].strip(), row["id"]
        assert isinstance(row["labels"], list)
        assert isinstance(row["lookalike"], bool)
        assert row["split"] in {"tune", "holdout"}, row["id"]
        assert isinstance(row["note"], str)
        assert row["note"].strip(), row["id"]


@pytest.mark.parametrize("lang", sorted(MIN_LINES))
def test_ids_are_unique_and_name_their_language(sets: dict[str, list[dict[str, Any]]], lang: str) -> None:
    ids = [row["id"] for row in sets[lang]]
    assert len(ids) == len(set(ids))
    pattern = re.compile(rf"^{lang}-\d{{4}}$")
    assert all(pattern.match(i) for i in ids), [i for i in ids if not pattern.match(i)]


@pytest.mark.parametrize("lang", sorted(MIN_LINES))
def test_labels_are_known_categories_without_repeats(
    sets: dict[str, list[dict[str, Any]]], lang: str
) -> None:
    for row in sets[lang]:
        assert set(row["labels"]) <= set(CATEGORIES), row["id"]
        assert len(row["labels"]) == len(set(row["labels"])), row["id"]


@pytest.mark.parametrize("lang", sorted(MIN_LINES))
def test_lookalikes_are_clean(sets: dict[str, list[dict[str, Any]]], lang: str) -> None:
    dirty = [row["id"] for row in sets[lang] if row["lookalike"] and row["labels"]]
    assert dirty == []


@pytest.mark.parametrize("lang", sorted(MIN_LINES))
def test_size_of_each_language(sets: dict[str, list[dict[str, Any]]], lang: str) -> None:
    assert len(sets[lang]) >= MIN_LINES[lang]


@pytest.mark.parametrize("lang", sorted(MIN_LINES))
@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_has_enough_harmful_lines(
    sets: dict[str, list[dict[str, Any]]], lang: str, category: str
) -> None:
    count = sum(category in row["labels"] for row in sets[lang])
    assert count >= MIN_PER_CATEGORY[lang], (lang, category, count)


@pytest.mark.parametrize("lang", sorted(MIN_LINES))
def test_at_least_a_third_are_lookalikes(sets: dict[str, list[dict[str, Any]]], lang: str) -> None:
    rows = sets[lang]
    assert 3 * sum(row["lookalike"] for row in rows) >= len(rows)


def test_at_least_a_third_of_all_lines_are_lookalikes(sets: dict[str, list[dict[str, Any]]]) -> None:
    rows = [row for lang_rows in sets.values() for row in lang_rows]
    assert 3 * sum(row["lookalike"] for row in rows) >= len(rows)


@pytest.mark.parametrize("lang", sorted(MIN_LINES))
def test_holdout_is_between_30_and_50_percent(sets: dict[str, list[dict[str, Any]]], lang: str) -> None:
    rows = sets[lang]
    share = sum(row["split"] == "holdout" for row in rows) / len(rows)
    assert 0.30 <= share <= 0.50, share


@pytest.mark.parametrize("lang", sorted(MIN_LINES))
def test_holdout_covers_every_category_and_the_lookalikes(
    sets: dict[str, list[dict[str, Any]]], lang: str
) -> None:
    holdout = [row for row in sets[lang] if row["split"] == "holdout"]
    for category in CATEGORIES:
        assert any(category in row["labels"] for row in holdout), category
    assert any(row["lookalike"] for row in holdout)


def test_no_text_appears_twice(sets: dict[str, list[dict[str, Any]]]) -> None:
    texts = Counter(row["text"] for lang_rows in sets.values() for row in lang_rows)
    assert [text for text, n in texts.items() if n > 1] == []
