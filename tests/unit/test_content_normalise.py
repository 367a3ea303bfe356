"""Normalisation folds the disguises of abuse away and never loses where a character came from."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.content.normalise import (
    LEET,
    MASK,
    MASKS,
    Normalised,
    drop_invisible,
    fold_case,
    fold_diacritics,
    fold_leet,
    fold_width,
    initials,
    normalise,
    pinyin_view,
    strip_separators,
    to_simplified,
)

PROPERTY = settings(max_examples=400, deadline=None, database=None)


def text_of(raw: str) -> str:
    return normalise(raw).text


# --- step 1: width ----------------------------------------------------------------


def test_full_width_letters_digits_and_punctuation_fold_to_half_width() -> None:
    assert fold_width("ＳＢ，你ＡＢＣ１２３！＊") == "SB,你ABC123!*"


def test_width_folding_keeps_one_character_per_character() -> None:
    # NFKC would expand these to several characters; they are left alone so offsets hold.
    for char in ("ﬁ", "㎏", "⑴", "…"):
        assert fold_width(char) == char
    assert fold_width("①⼈ｶ") == "1人カ"


def test_full_width_insult_normalises_with_offsets() -> None:
    n = normalise("ＳＢ，你")
    assert n.text == "sb你"
    assert n.index == (0, 1, 3)


# --- step 2: diacritics -------------------------------------------------------------


def test_accented_latin_letters_lose_their_accents() -> None:
    assert fold_diacritics("shǎ bī fück İ") == "sha bi fuck I"
    assert fold_diacritics("傻逼ß") == "傻逼ß"


# --- step 3: case -------------------------------------------------------------------


def test_casefold_keeps_one_character_per_character() -> None:
    assert fold_case("SB Fuck") == "sb fuck"
    assert fold_case("ß") == "ß"  # casefold would give "ss"


# --- step 4: traditional to simplified ----------------------------------------------------


def test_traditional_becomes_simplified() -> None:
    assert to_simplified("還錢，否則後果自負") == "还钱，否则后果自负"
    assert text_of("還錢，否則後果自負") == "还钱否则后果自负"


def test_simplified_conversion_uses_phrase_context() -> None:
    assert to_simplified("乾燥") == "干燥"
    assert to_simplified("乾隆") == "乾隆"


def test_traditional_offsets_are_exact() -> None:
    n = normalise("你這個傻逼，還錢")
    start = n.text.index("还钱")
    assert n.span(start, start + 2) == (6, 8)


# --- step 5: invisible characters -----------------------------------------------------


def test_zero_width_and_combining_characters_are_dropped() -> None:
    assert drop_invisible("傻\u200b逼") == ("傻逼", (0, 2))
    assert drop_invisible("f\u0336u\u0336c\u0336k") == ("fuck", (0, 2, 4, 6))
    assert drop_invisible("a\ufe0fb\u3164c\u200dd") == ("abcd", (0, 2, 4, 6))
    assert drop_invisible("plain") == ("plain", (0, 1, 2, 3, 4))


# --- step 6: leetspeak ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("sh1t", "shit"),
        ("b1tch", "bitch"),
        ("f4ck", "fack"),
        ("h3ll0", "hello"),
        ("1diot", "idiot"),
        ("@ss", "ass"),
    ],
)
def test_leetspeak_inside_latin_words_folds(raw: str, folded: str) -> None:
    assert fold_leet(raw) == folded


@pytest.mark.parametrize(
    "raw",
    ["523.40", "2026-11-20", "l33t", "a55", "5pm", "1st", "mp3", "借5w", "还3k", "逾期45天", "No.1", "b@d"],
)
def test_numbers_amounts_dates_and_units_keep_their_digits(raw: str) -> None:
    assert fold_leet(raw) == raw


def test_amounts_and_dates_normalise_to_their_digits() -> None:
    assert text_of("523.40") == "52340"
    assert text_of("2026-11-20") == "20261120"
    assert text_of("还款1200元") == "还款1200元"


# --- step 7: separators and masks ---------------------------------------------------------


@pytest.mark.parametrize("raw", ["傻 逼", "傻*逼", "傻.逼", "傻　逼", "傻\n逼", "傻😀逼", "傻-_-逼"])
def test_separators_between_chinese_characters_go(raw: str) -> None:
    assert text_of(raw) == "傻逼"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("f*ck", "f*ck"),
        ("f**k", "f**k"),
        ("F*CK", "f*ck"),
        ("sh!t", "sh*t"),
        ("b!tch", "b*tch"),
        ("s.b", "s*b"),
        ("S.B", "s*b"),
        ("b@stard", "b*stard"),
        ("f#$%k", "f***k"),
    ],
)
def test_masks_inside_a_latin_word_become_wildcards(raw: str, masked: str) -> None:
    assert text_of(raw) == masked


def test_masks_at_a_word_edge_are_separators() -> None:
    assert text_of("fuck!") == "fuck"
    assert text_of("*sb*") == "sb"
    assert text_of("s. b") == "sb"


def test_whitespace_between_latin_letters_joins_them() -> None:
    # Decided: a space is a separator, not a mask, so spaced-out letters join.
    assert text_of("S B") == "sb"
    assert text_of("s b") == "sb"
    assert text_of("sha bi 一个") == "shabi一个"
    assert text_of("f u c k") == "fuck"


def test_strip_separators_reports_positions() -> None:
    assert strip_separators("s.b 傻*逼!") == ("s*b傻逼", (0, 1, 2, 4, 6))


def test_mixed_message() -> None:
    n = normalise("你是 S.B 吗？！😡 還錢")
    assert n.text == "你是s*b吗还钱"
    start = n.text.index("s*b")
    assert n.span(start, start + 3) == (3, 6)


# --- span -------------------------------------------------------------------------------


def test_span_maps_back_and_rejects_out_of_range() -> None:
    n = normalise("傻 逼")
    assert n.span(0, 2) == (0, 3)
    assert n.span(1, 1) == (2, 2)
    assert n.span(2, 2) == (3, 3)
    with pytest.raises(ValueError, match="outside"):
        n.span(1, 3)
    with pytest.raises(ValueError, match="outside"):
        n.span(2, 1)


def test_normalised_is_frozen() -> None:
    n = normalise("sb")
    with pytest.raises(AttributeError):
        n.text = "ok"  # type: ignore[misc]


# --- pinyin view ------------------------------------------------------------------------


def test_homophones_share_a_pinyin_view() -> None:
    assert pinyin_view(normalise("煞笔")).text == "shabi"
    assert pinyin_view(normalise("傻逼")).text == "shabi"
    assert pinyin_view(normalise("傻 逼")).text == "shabi"
    assert pinyin_view(normalise("傻逼")).text == pinyin_view(normalise("sha bi")).text


def test_pinyin_match_maps_back_to_the_original_characters() -> None:
    view = pinyin_view(normalise("你个煞笔"))
    assert view.text == "nigeshabi"
    start = view.text.index("shabi")
    assert view.span(start, start + 5) == (2, 4)
    # Part of a syllable still maps to the whole character.
    assert view.span(start + 1, start + 3) == (2, 3)


def test_pinyin_view_keeps_latin_and_digits() -> None:
    view = pinyin_view(normalise("你是sb吗"))
    assert view.text == "nishisbma"
    start = view.text.index("sb", 4)
    assert view.span(start, start + 2) == (2, 4)
    assert pinyin_view(normalise("欠1200块")).text == "qian1200kuai"


def test_pinyin_view_of_traditional_text() -> None:
    view = pinyin_view(normalise("還錢，否則"))
    assert view.text == "haiqianfouze"
    assert view.span(0, 3) == (0, 1)
    assert view.span(7, 12) == (3, 5)


def test_initials_view() -> None:
    assert initials(normalise("傻逼")).text == "sb"
    assert initials(normalise("你妈死了")).text == "nmsl"
    n = initials(normalise("你 是sb吗"))
    assert n.text == "nssbm"
    assert n.span(0, 2) == (0, 3)


# --- properties -------------------------------------------------------------------------

PIECES = [
    *"還錢後傻逼煞笔你是吗乾燥隆〇",
    *"abcSBFUCKshitxyz",
    *"0123457989",
    *" \t\n\u3000",
    *".,!?*#@$%_-，。！？、「」",
    "😀",
    "👍🏻",
    "❤️",
    "👨\u200d👩\u200d👧",
    "1️⃣",
    *"ＡＢＣ１２３，！＊",
    *"\u200b\u200d\ufe0f\u0301\u0336\u3164\uffa0",
    *"İßﬁ㎏⑴ǎé",
]
MESSAGES = st.lists(st.one_of(st.sampled_from(PIECES), st.characters()), max_size=40).map("".join)
HANGUL_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


def fold(char: str) -> str:
    """What one character becomes by the context-free steps alone."""
    return fold_case(fold_diacritics(fold_width(char)))


def is_han(char: str) -> bool:
    name = unicodedata.name(char, "")
    return char == "〇" or name.startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH"))


@PROPERTY
@given(MESSAGES)
def test_index_is_one_offset_per_character_strictly_increasing(raw: str) -> None:
    n = normalise(raw)
    assert n.original == raw
    assert len(n.index) == len(n.text)
    assert all(0 <= at < len(raw) for at in n.index)
    assert all(a < b for a, b in zip(n.index, n.index[1:], strict=False))


@PROPERTY
@given(MESSAGES)
def test_each_character_is_a_fold_of_the_one_it_maps_to(raw: str) -> None:
    n = normalise(raw)
    for char, at in zip(n.text, n.index, strict=True):
        source = fold(raw[at])
        assert (
            char == source
            or (char == MASK and source in MASKS)
            or (char == LEET.get(source))
            or (char == "a" and source == "@")
            or (is_han(char) and is_han(source))
        ), (char, raw[at])


@PROPERTY
@given(MESSAGES)
def test_no_letter_or_digit_is_ever_dropped(raw: str) -> None:
    n = normalise(raw)
    kept = set(n.index)
    for at, char in enumerate(raw):
        if at in kept:
            continue
        source = fold(char)
        assert source in HANGUL_FILLERS or unicodedata.category(source)[0] not in "LN", (at, char)
        assert unicodedata.category(source) != "Mc"


@PROPERTY
@given(MESSAGES)
def test_only_the_mask_survives_of_separators(raw: str) -> None:
    for char in normalise(raw).text:
        category = unicodedata.category(char)
        assert char == MASK or (category[0] not in "ZPSC" and category not in {"Mn", "Me"}), char


@PROPERTY
@given(MESSAGES, st.data())
def test_span_covers_the_characters_it_came_from(raw: str, data: st.DataObject) -> None:
    n = normalise(raw)
    start = data.draw(st.integers(0, len(n.text)))
    end = data.draw(st.integers(start, len(n.text)))
    lo, hi = n.span(start, end)
    assert 0 <= lo <= hi <= len(raw)
    if start < end:
        assert (lo, hi) == (n.index[start], n.index[end - 1] + 1)
        assert hi - lo >= end - start


@PROPERTY
@given(st.text(st.sampled_from("還錢後傻逼乾燥隆髮頭裏面著名於臺灣為與"), max_size=30))
def test_simplification_preserves_length(raw: str) -> None:
    assert len(to_simplified(raw)) == len(raw)


@PROPERTY
@given(MESSAGES)
def test_pinyin_view_is_the_per_character_pinyin_with_its_offsets(raw: str) -> None:
    n = normalise(raw)
    view = pinyin_view(n)
    assert view.original == raw
    assert len(view.index) == len(view.text)
    expected_text = ""
    expected_index: list[int] = []
    for char, at in zip(n.text, n.index, strict=True):
        syllable = pinyin_view(Normalised(original=char, text=char, index=(0,))).text
        assert syllable == char or (is_han(char) and syllable.isascii() and syllable.isalpha())
        expected_text += syllable
        expected_index += [at] * len(syllable)
    assert view.text == expected_text
    assert view.index == tuple(expected_index)
    assert initials(n).index == n.index
    assert len(initials(n).text) == len(n.text)


# --- the fast paths equal the step-by-step definitions -------------------------------------


def strip_separators_by_character(text: str) -> tuple[str, tuple[int, ...]]:
    """Step 7 as first written, one character at a time: what the run-based version must equal."""
    chars: list[str] = []
    kept: list[int] = []
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char in MASKS:
            end = i
            while end < size and text[end] in MASKS:
                end += 1
            latin_before = i > 0 and text[i - 1].isascii() and text[i - 1].isalpha()
            if latin_before and end < size and text[end].isascii() and text[end].isalpha():
                chars.extend(MASK * (end - i))
                kept.extend(range(i, end))
            i = end
            continue
        category = unicodedata.category(char)
        if not (category[0] in "ZPS" or category in ("Cc", "Cs", "Co", "Cn")):
            chars.append(char)
            kept.append(i)
        i += 1
    return "".join(chars), tuple(kept)


MASKY = st.lists(st.sampled_from([*MASKS, *"abSB傻逼 .-", "f", "uck", "1", "。"]), max_size=30).map("".join)


@PROPERTY
@given(st.one_of(MESSAGES, MASKY))
def test_strip_separators_equals_the_character_by_character_definition(raw: str) -> None:
    assert strip_separators(raw) == strip_separators_by_character(raw)


@PROPERTY
@given(st.one_of(MESSAGES, MASKY))
def test_normalise_accepts_its_own_fold_and_shortcuts_only_identities(raw: str) -> None:
    folded = to_simplified(fold_case(fold_diacritics(fold_width(raw))))
    assert normalise(raw, folded=folded) == normalise(raw)
    visible, visible_at = drop_invisible(folded)
    _, stripped_at = strip_separators(fold_leet(visible))
    assert normalise(raw).index == tuple(visible_at[i] for i in stripped_at)
