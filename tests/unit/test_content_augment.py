"""Reported-speech look-alikes: what is made, from what, and how training keeps them out of scoring."""

from __future__ import annotations

import numpy as np
import pytest

from faircollect.content import collection_model
from faircollect.content.augment import FRAMES, MAX_QUOTE, reported_lookalikes
from faircollect.content.lexicon import CATEGORIES


def test_each_short_harmful_line_is_quoted_once_in_a_frame_of_its_language() -> None:
    texts = ["你个老赖", "请按时还款", "We know where you live.", "x" * (MAX_QUOTE + 1), "第一句\n第二句"]
    langs = ["zh", "zh", "en", "en", "zh"]
    harmful = [True, False, True, True, True]
    made = reported_lookalikes(texts, langs, harmful, seed=3)
    assert [m.source for m in made] == [0, 2]  # clean, too long and multi-line texts are skipped
    zh, en = made
    assert "“你个老赖”" in zh.text
    assert zh.lang == "zh"
    assert any(zh.text == frame.format(q="你个老赖") for frame in FRAMES["zh"])
    assert '"We know where you live."' in en.text
    assert en.lang == "en"
    assert any(en.text == frame.format(q="We know where you live.") for frame in FRAMES["en"])
    # Seeded: the same frames again.
    assert reported_lookalikes(texts, langs, harmful, seed=3) == made


def test_quotes_around_a_line_are_not_doubled() -> None:
    (made,) = reported_lookalikes(["“你个骗子”"], ["zh"], [True])
    assert "““" not in made.text
    assert "“你个骗子”" in made.text


def test_unknown_language_and_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="line 0: no frames for language 'fr'"):
        reported_lookalikes(["x"], ["fr"], [True])
    with pytest.raises(ValueError, match="one entry per line"):
        reported_lookalikes(["x", "y"], ["zh"], [True, False])


def test_made_rows_are_only_fitted_on_in_the_folds_holding_their_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fitted_sizes: list[int] = []
    real_fit = collection_model._fit_one

    def spy(x, y, c, seed):  # type: ignore[no-untyped-def]
        fitted_sizes.append(x.shape[0])
        return real_fit(x, y, c, seed)

    monkeypatch.setattr(collection_model, "_fit_one", spy)
    rng = np.random.default_rng(0)
    n = 50
    x = collection_model.sp.csr_matrix(rng.random((n, 6)))
    labels = np.zeros((n, len(CATEGORIES)), dtype=np.int64)
    for i in range(25):
        labels[i, i % len(CATEGORIES)] = 1
    extra = collection_model.sp.csr_matrix(rng.random((5, 6)))
    source = np.array([0, 1, 2, 3, 4])
    scores = collection_model._out_of_fold(x, labels, 1.0, 0, extra, source)
    assert scores.shape == (n, len(CATEGORIES))  # only the real rows are scored
    # Each of the 5 sources sits in the fitting rows of 4 folds out of 5: 5 * 4 = 20 made rows
    # fitted in all, each fit repeated for the 5 categories; every fold fits on its 40 real rows.
    per_fold = fitted_sizes[:: len(CATEGORIES)]
    assert len(per_fold) == collection_model.FOLDS
    assert sum(size - 40 for size in per_fold) == 20
