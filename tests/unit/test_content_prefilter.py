"""The literal prefilter skips a pattern only when the pattern cannot match: same hits, same screen.

``Lexicon.prefilter`` (on by default) runs only the patterns whose required
literals occur in the message (``faircollect.content.prefilter``). These tests
hold it to being exact: on every line of the evaluation sets (tune, holdout and
dev, both languages) and on generated text, the hits (rule, span, score...),
the suppressed flag and the screen's answer are the same with it and without
it; and each pattern's requirement is sound: whenever the pattern matches a
text, one of its literals is in the text.

Only the named files are read: evaluation/content/test2/ and train2/ are other
sets (test2 must stay unseen), so nothing here globs that folder.
"""

from __future__ import annotations

import array
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faircollect.content.lexicon import LANGS, Hit, Lexicon, Views, lexicon
from faircollect.content.normalise import (
    fold_case,
    fold_diacritics,
    fold_width,
    normalise,
    to_simplified,
)
from faircollect.content.prefilter import (
    Alt,
    Chars,
    Empty,
    Prefilter,
    Repeat,
    Seq,
    Unknown,
    parse,
    requirement,
)
from faircollect.content.screen import screen, screen_many

EVAL_DIR = Path(__file__).resolve().parents[2] / "evaluation" / "content"
EVAL_FILES = (
    EVAL_DIR / "zh.jsonl",
    EVAL_DIR / "en.jsonl",
    EVAL_DIR / "dev" / "zh.jsonl",
    EVAL_DIR / "dev" / "en.jsonl",
)
PROPERTY = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
# The patterns' two views, and the contexts (negation's lawful readings), searched on the plain view.
VIEWS = ("norm", "plain", "contexts")


@cache
def eval_texts() -> tuple[str, ...]:
    texts: list[str] = []
    for path in EVAL_FILES:
        texts.extend(json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(texts)


def view_text(views: Views, view: str) -> str:
    return views.norm.text if view == "norm" else views.plain


def prefilters() -> Iterator[tuple[str, str, Prefilter]]:
    for lang in LANGS:
        for view in VIEWS:
            prefilter = lexicon(lang)._prefilters[view]
            if prefilter.regexes:
                yield lang, view, prefilter


@contextmanager
def prefilter_off() -> Iterator[None]:
    lexicons = [lexicon(lang) for lang in LANGS]
    for lex in lexicons:
        lex.prefilter = False
    try:
        yield
    finally:
        for lex in lexicons:
            lex.prefilter = True


def hits_both_ways(lex: Lexicon, text: str) -> tuple[tuple[list[Hit], bool], tuple[list[Hit], bool]]:
    on = Views(text)
    with_prefilter = lex.match(on)
    lex.prefilter = False
    try:
        off = Views(text)
        without = lex.match(off)
    finally:
        lex.prefilter = True
    return (with_prefilter, on.suppressed), (without, off.suppressed)


# --- the parse, pinned for the shapes the lexicons use ----------------------------------

A, B = Chars(frozenset("a")), Chars(frozenset("b"))


@pytest.mark.parametrize(
    ("pattern", "tree"),
    [
        ("ab", Seq((A, B))),
        (r"\bab\b", Seq((Empty(), A, B, Empty()))),
        ("a(?!b|c)", Seq((A, Empty()))),
        ("(?<=x)a", Seq((Empty(), A))),
        ("^a$", Seq((Empty(), A, Empty()))),
        ("[是个]", Seq((Chars(frozenset("是个")),))),
        ("[^。！？]", Seq((Unknown(),))),
        ("[ab]", Seq((Unknown(),))),  # a class with a cased letter is not used
        ("[一-龥]", Seq((Unknown(),))),
        (r"\d", Seq((Unknown(),))),
        (".", Seq((Unknown(),))),
        (r"\w+", Seq((Repeat(1, None, Seq((Unknown(),))),))),
        ("a{2,3}", Seq((Repeat(2, 3, Seq((A,))),))),
        ("a*?", Seq((Repeat(0, None, Seq((A,))),))),
        ("(?:ab|b)", Seq((Alt((Seq((A, B)), Seq((B,)))),))),
        ("(a)", Seq((Seq((A,)),))),
        ("(?>ab)", Seq((Seq((A, B)),))),
        ("(?P<g>a)(?P=g)", Seq((Seq((A,)), Unknown()))),
        ("(a)?(?(1)a|b)", Seq((Repeat(0, 1, Seq((Seq((A,)),))), Unknown()))),
        ("(", Unknown()),  # not a pattern at all
    ],
)
def test_parse_gives_the_tree(pattern: str, tree: object) -> None:
    assert parse(pattern, re.IGNORECASE) == tree


# --- requirements ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        ("你妈的(?!医保|社保)", {"你妈的"}),
        (r"\bwatch your (?:back|step)\b", {"watch your back", "watch your step"}),
        (
            "(你|你们)(都是|就是)(骗子|老赖)",
            {a + b + c for a in ("你", "你们") for b in ("都是", "就是") for c in ("骗子", "老赖")},
        ),
        (r"活该.{0,4}(穷|死)", {"活该"}),  # the longer of two required runs
        (r"(?:a|\w+)b", {"b"}),
        ("(?:ab|a)c", {"abc", "ac"}),
        ("a{2}b?", {"aa"}),
        ("(?:是|)傻", {"傻"}),
        ("(?:傻子|傻子们)", {"傻子"}),  # a literal holding another adds nothing
        ("What", {"What"}),  # as written: the prefilter folds case
        ("x*", None),
        ("(?:foo)?", None),
        (r"\w+", None),
        (r"\bx?\b", None),
        ("", None),
        ("(?:骗子|.)", None),  # one branch needs nothing, so the alternation needs nothing
        (r"(?:骗子王八|\w)傻", {"傻"}),
        (r"(?:\w+骗子王八)?傻", {"傻"}),  # an optional part requires nothing
        (r"(?:\w+骗子王八){0,2}傻", {"傻"}),
        (r"(?:\w+骗子王八)+傻", {"骗子王八"}),
    ],
)
def test_requirement(pattern: str, literals: set[str] | None) -> None:
    found = requirement(re.compile(pattern, re.IGNORECASE))
    assert found == (None if literals is None else frozenset(literals))


def test_nearly_every_lexicon_pattern_has_a_requirement() -> None:
    """A pattern without one is searched in every message: a few may be, most must not."""
    for lang, view, prefilter in prefilters():
        always = [prefilter.regexes[i].pattern for i in prefilter.always]
        assert len(always) <= len(prefilter.regexes) // 20, (lang, view, always)


# --- case --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("kill", "\u212aILL"),  # the Kelvin sign matches k under IGNORECASE
        ("liar", "l\u0130ar"),  # dotted capital I (its lower case is two characters)
        ("liar", "l\u0131ar"),  # dotless i
        ("scum", "\u017fcum"),  # long s
        ("scum", "SCUM"),
        ("傻逼", "傻逼"),
    ],
)
def test_case_variants_the_engine_matches_are_selected(pattern: str, text: str) -> None:
    regex = re.compile(pattern, re.IGNORECASE)
    assert regex.search(text) is not None
    prefilter = Prefilter([re.compile("unrelated", re.IGNORECASE), regex])
    assert prefilter.select(text) == (1,)
    assert prefilter.select("nothing here") == ()


def test_a_pattern_without_requirement_always_runs() -> None:
    prefilter = Prefilter([re.compile(r"\d+"), re.compile("kill", re.IGNORECASE)])
    assert prefilter.always == (0,)
    assert prefilter.select("") == (0,)
    assert prefilter.select("KILL") == (0, 1)


def test_case_table_holds_every_character_the_engine_matches() -> None:
    """Pins the engine's case rules the table relies on, over every code point.

    For each cased letter any lexicon literal uses, every character its literal
    form matches under IGNORECASE folds to the same string; and characters
    without case (the Han, digits, punctuation of the literals) match only
    themselves, even in a class.
    """
    everything = array.array("I", range(0x110000)).tobytes().decode("utf-32-le", "surrogatepass")
    alphabet: set[str] = set()
    for _, _, prefilter in prefilters():
        for need in prefilter.requirements:
            for literal in need or ():
                alphabet.update(literal)
    fold = next(prefilter for _, _, prefilter in prefilters()).fold
    cased = sorted(c for c in alphabet if c.lower() != c or c.upper() != c)
    assert cased, "the lexicons use Latin letters"
    for letter in cased:
        for char in re.compile(re.escape(letter), re.IGNORECASE).findall(everything):
            assert fold(char) == fold(letter), (letter, char)
    uncased = sorted(alphabet - set(cased))
    klass = re.compile("[" + "".join(re.escape(c) for c in uncased) + "]", re.IGNORECASE)
    assert set(klass.findall(everything)) == set(uncased)


# --- soundness: a pattern that matches has one of its literals in the text ------------


def assert_sound(prefilter: Prefilter, text: str) -> int:
    """Every pattern that matches ``text`` is selected, and one of its literals is in it; returns how many matched."""
    selected = set(prefilter.select(text))
    folded = prefilter.fold(text)
    matched = 0
    for i, (regex, need) in enumerate(zip(prefilter.regexes, prefilter.requirements, strict=True)):
        if regex.search(text) is None:
            continue
        matched += 1
        assert i in selected, (regex.pattern, text)
        if need is not None:
            assert any(prefilter.fold(literal) in folded for literal in need), (regex.pattern, text)
    return matched


def test_requirements_are_sound_on_every_evaluation_line() -> None:
    matched = 0
    for text in eval_texts():
        views = Views(text)
        for _, view, prefilter in prefilters():
            matched += assert_sound(prefilter, view_text(views, view))
    assert matched > 500  # the lines do exercise the patterns


@st.composite
def matching_text(draw: st.DrawFn) -> tuple[Prefilter, str]:
    """A string built to match one lexicon pattern (hypothesis's from_regex), with text around it."""
    chosen = draw(st.sampled_from(list(prefilters())))[2]
    regex = draw(st.sampled_from(chosen.regexes))
    core = draw(st.from_regex(regex))
    return chosen, draw(NOISE) + core + draw(NOISE)


# --- generated messages -----------------------------------------------------------------------


@cache
def literal_pieces() -> tuple[str, ...]:
    pieces: set[str] = set()
    for _, _, prefilter in prefilters():
        for need in prefilter.requirements:
            pieces.update(need or ())
    return tuple(sorted(pieces))


WORDS = [
    *"你我他她它们是的了不会没有要就还钱傻逼煞笔沙比妈死家人公司上门法院坐牢曝光通讯录",
    "欠款",
    "逾期",
    "还款",
    "不还钱",
    "你全家",
    "我们不会",
    "谨防诈骗",
    "征信",
    "同事",
    "朋友圈",
    "you",
    "your",
    "we",
    "will",
    "not",
    "never",
    "know",
    "where",
    "live",
    "pay",
    "debt",
    "family",
    "work",
    "boss",
    "idiot",
    "loser",
    "police",
    "court",
    "arrest",
    "sb",
    "tmd",
    "cnm",
    "sha bi",
]
PUNCTUATION = list(" ,.!?;:'-_*@$#，。！？；：、…「」\n\t\u3000")
OBFUSCATION = [
    *"\u200b\u200d\ufe0f\u0301\u3164ＳＢ１２３ｆｕｃｋ＊İıſ\u212aẞß1034578還錢傻屄",
    "😀",
    "🔪",
    "💣",
]


def _obfuscate(text: str, how: str) -> str:
    if how == "upper":
        return text.upper()
    if how == "spaced":
        return " ".join(text)
    if how == "masked" and len(text) > 2:
        return text[0] + "*" + text[2:]
    if how == "full width":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    return text


def _eval_slice(data: tuple[int, int, int]) -> str:
    texts = eval_texts()
    text = texts[data[0] % len(texts)]
    start = data[1] % (len(text) + 1)
    return text[start : start + data[2]]


PIECE = st.one_of(
    st.builds(
        _obfuscate,
        st.one_of(
            st.sampled_from(WORDS),
            st.deferred(lambda: st.sampled_from(literal_pieces())),
            st.builds(
                lambda s, a, b: s[min(a, b) : max(a, b) + 1],
                st.deferred(lambda: st.sampled_from(literal_pieces())),
                st.integers(0, 12),
                st.integers(0, 12),
            ),
        ),
        st.sampled_from(["as is", "as is", "as is", "upper", "spaced", "masked", "full width"]),
    ),
    st.builds(_eval_slice, st.tuples(st.integers(0, 10_000), st.integers(0, 120), st.integers(1, 60))),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(OBFUSCATION),
    st.characters(),
)
NOISE = st.lists(PIECE, max_size=4).map("".join)
MESSAGES = st.lists(PIECE, max_size=14).map("".join)


@PROPERTY
@given(matching_text())
def test_requirements_are_sound_on_strings_made_to_match(case: tuple[Prefilter, str]) -> None:
    prefilter, text = case
    assert_sound(prefilter, text)


@PROPERTY
@given(MESSAGES)
def test_requirements_are_sound_on_generated_messages(text: str) -> None:
    views = Views(text)
    for _, view, prefilter in prefilters():
        assert_sound(prefilter, view_text(views, view))


@PROPERTY
@given(MESSAGES)
def test_generated_messages_get_the_same_hits_and_screen_both_ways(text: str) -> None:
    for lang in LANGS:
        with_prefilter, without = hits_both_ways(lexicon(lang), text)
        assert with_prefilter == without
    on = screen_many([text], use_model=False)
    with prefilter_off():
        off = screen_many([text], use_model=False)
    assert on == off
    assert screen(text, use_model=False) == on[0]  # the one-message rules-only path, too


# --- the evaluation sets, line by line ----------------------------------------------------------


def test_every_evaluation_line_gets_the_same_hits_both_ways() -> None:
    hits = 0
    for text in eval_texts():
        for lang in LANGS:
            with_prefilter, without = hits_both_ways(lexicon(lang), text)
            assert with_prefilter == without, text
            hits += len(without[0])
    assert hits > 500


def test_every_evaluation_line_gets_the_same_screen_both_ways() -> None:
    """The whole screen, models included (they read the rules' hits and the suppressed flag)."""
    texts = list(eval_texts())
    for use_model in (False, True):
        on = screen_many(texts, use_model=use_model)
        with prefilter_off():
            off = screen_many(texts, use_model=use_model)
        assert [r.to_json() for r in on] == [r.to_json() for r in off]
        assert on == off
    assert [screen(text, use_model=False) for text in texts] == screen_many(texts, use_model=False)


def test_the_rules_only_path_checks_the_language_too() -> None:
    with pytest.raises(ValueError, match="lang must be one of"):
        screen("x", lang="fr", use_model=False)
    assert screen("傻逼", lang="zh", use_model=False) == screen_many(["傻逼"], lang="zh", use_model=False)[0]


# --- the views the prefilter reads -------------------------------------------------------------

PLAIN_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2013": "-", "\u2014": "-"})


@settings(max_examples=300, deadline=None, database=None)
@given(MESSAGES)
def test_views_share_the_fold_and_equal_the_separate_pipelines(text: str) -> None:
    """``plain`` and ``norm`` now share steps 1 to 4; each equals what it was computed as on its own."""
    views = Views(text)
    assert views.plain == to_simplified(fold_case(fold_diacritics(fold_width(text)))).translate(PLAIN_FOLD)
    assert views.norm == normalise(text)
