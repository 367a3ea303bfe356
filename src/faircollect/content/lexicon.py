"""The rule layers of the content screen: terms (Aho-Corasick) and patterns (regular expressions).

A ``Lexicon`` is one language's packaged rule data (``lexicon/zh.yaml``,
``lexicon/en.yaml``) compiled for matching. ``Lexicon.match`` takes the
``Views`` of one message and returns every ``Hit`` that survives negation and
context, each with a category, a score and a span in code points of the
ORIGINAL text.

Where each kind of rule looks:

- ``terms``     the normalised text (``normalise``): full-width, traditional,
                separators, masks and leetspeak already folded, so ``傻 逼``,
                ``ＳＢ`` and ``a$$hole`` reach the automaton as ``傻逼``, ``sb`` and
                ``a**hole``. A term whose edge is a Latin letter must sit on a
                word boundary of the original (``ass`` stays out of ``class``),
                because the normalised text joins Latin words.
- ``pinyin``    the toneless pinyin view, for abusive words typed in pinyin or
                written with homophones (``sha bi``, ``煞笔``, ``沙比``); a
                match must start and end on a syllable.
- ``initials``  the pinyin-initials view (``傻b`` to ``sb``), kept only when the
                match mixes Han and Latin characters: pure Latin ``sb`` is a
                term, and pure Han initials (上班 is also ``sb``) are not safe.
- ``patterns``  regular expressions over the normalised text (``view: norm``,
                Chinese structures such as 不还钱就...坐牢) or over the
                ``plain`` view, the original folded one character for one
                (width, accents, case, traditional to simplified) so spaces
                and punctuation are still there (English structures such as
                ``we will show up at your work``). Each view's patterns sit
                behind a literal prefilter (``prefilter.Prefilter``): a pattern
                is searched only when one of the literals every match of it
                contains occurs in the view, which is exact (``Lexicon.prefilter
                = False`` runs them all; the tests hold both to the same hits).

A hit is dropped when its rule is negatable and a negation cue (不会, 绝不,
谨防, ``will not``, ``never``...) stands before it in the same clause within
the language's window, or when one of the rule's ``unless`` contexts (an
anti-fraud warning, the lender's own plan...) matches the message. In a
dialogue, a hit inside a turn of someone other than the collector (a turn
starts at a speaker label of the language's ``other_speakers``: 客户：,
家属：, ``Customer:``..., and runs to the next label, ``collector_speakers``
or other) is dropped too: the screen judges what the collector says, and a
borrower who asks "should I take a payday loan?" has not been urged to.

Pure: the only I/O is reading the packaged YAML, once per language.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Generic, Literal, TypeVar, cast, overload

import ahocorasick  # type: ignore[import-not-found]  # a C extension without type stubs
import yaml

from faircollect.content.normalise import (
    MASK,
    Normalised,
    fold,
    initials,
    normalise,
    pinyin_view,
)
from faircollect.content.prefilter import Prefilter

__all__ = [
    "CATEGORIES",
    "LANGS",
    "Hit",
    "Lexicon",
    "Views",
    "lexicon",
]

CATEGORIES = ("insult", "threat", "deception", "privacy", "inducement")
LANGS = ("zh", "en")

RuleKind = Literal["term", "pinyin", "initials", "pattern"]

# Apostrophes and dashes folded in the plain view, one character for one.
_PLAIN_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u2013": "-", "\u2014": "-"})
_HAN = re.compile("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]")


def _is_latin(char: str) -> bool:
    return ("a" <= char <= "z") or ("A" <= char <= "Z")


# --- the views of one message -------------------------------------------------------


_T = TypeVar("_T")


class _view(Generic[_T]):  # lower case: used as a decorator, like cached_property
    """``functools.cached_property`` without Python 3.11's class-wide lock (one per view per message adds up).

    A non-data descriptor: the first read computes and stores the value in the
    instance's ``__dict__``, which later reads find first. Two threads reading a
    view of one message at once would each compute it (views are pure), no worse.
    """

    def __init__(self, build: Callable[[Views], _T]) -> None:
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, views: None, owner: type[Views]) -> _view[_T]: ...
    @overload
    def __get__(self, views: Views, owner: type[Views]) -> _T: ...
    def __get__(self, views: Views | None, owner: type[Views]) -> _T | _view[_T]:
        if views is None:
            return self
        value = self.build(views)
        views.__dict__[self.name] = value
        return value


class Views:
    """The matchable views of one message, each built on first use."""

    def __init__(self, text: str) -> None:
        self.original = text
        # Set by Lexicon.match when a rule matched but negation or a lawful context dropped
        # it: the rules read this message as lawful, and the models do not second-guess that.
        self.suppressed = False

    @_view
    def folded(self) -> str:
        """Normalisation's steps 1 to 4 (width, diacritics, case, traditional), shared by ``plain`` and ``norm``."""
        return fold(self.original)

    @_view
    def plain(self) -> str:
        """The original folded one character for one: same length, same offsets."""
        return self.folded.translate(_PLAIN_FOLD)

    @_view
    def norm(self) -> Normalised:
        return normalise(self.original, folded=self.folded)

    @_view
    def demasked(self) -> Normalised | None:
        """The normalised text without its masks, when it has any: ``s.b`` and ``f.u.c.k`` as ``sb``, ``fuck``."""
        norm = self.norm
        if MASK not in norm.text:
            return None
        kept = [i for i, char in enumerate(norm.text) if char != MASK]
        return Normalised(
            original=norm.original,
            text="".join(norm.text[i] for i in kept),
            index=tuple(norm.index[i] for i in kept),
        )

    @_view
    def has_han(self) -> bool:
        return _HAN.search(self.norm.text) is not None

    @_view
    def pinyin(self) -> Normalised:
        return pinyin_view(self.norm) if self.has_han else self.norm

    @_view
    def initials(self) -> Normalised:
        return initials(self.norm)


# --- rules and hits ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule's match in one message; ``span`` is in code points of the original text."""

    category: str
    score: float
    span: tuple[int, int]
    kind: RuleKind
    rule_id: str

    @property
    def rule(self) -> str:
        """The layer as content.md names it: ``lexicon`` for terms, ``pattern`` for expressions."""
        return "pattern" if self.kind == "pattern" else "lexicon"


@dataclass(frozen=True, slots=True)
class _Rule:
    rule_id: str
    category: str
    score: float
    kind: RuleKind
    negatable: bool = True
    inside: bool = False  # a negation inside the match counts too (patterns: 均不会因欠款被拘留)
    unless: tuple[str, ...] = ()
    words: int = 0  # word count of a Latin term as written (0: a Han term, no check)


@dataclass(frozen=True, slots=True)
class _Pattern:
    rule: _Rule
    regex: re.Pattern[str]
    view: Literal["norm", "plain"]


@dataclass
class Lexicon:
    """One language's rules, compiled: an automaton per view and the patterns."""

    lang: str
    version: str
    window: int
    clause_breaks: frozenset[str]
    negation: re.Pattern[str] | None
    conditional: re.Pattern[str] | None
    contexts: Mapping[str, re.Pattern[str]]
    # Speaker labels of a dialogue; group "other" marks a speaker who is not the collector.
    speakers: re.Pattern[str] | None
    patterns: Sequence[_Pattern]
    _automata: dict[str, Any] = field(default_factory=dict, repr=False)
    # Skip the patterns none of whose required literals is in the text (``prefilter``): exact,
    # so results are the same either way; False runs every pattern (what the tests compare to).
    prefilter: bool = True
    _by_view: dict[str, list[tuple[_Rule, re.Pattern[str]]]] = field(default_factory=dict, repr=False)
    _prefilters: dict[str, Prefilter] = field(default_factory=dict, repr=False)
    _context_bit: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # (One alternation of all patterns is slower: it defeats the engine's first-character scan.)
        for view in ("norm", "plain"):
            self._by_view[view] = [(p.rule, p.regex) for p in self.patterns if p.view == view]
            self._prefilters[view] = Prefilter(regex for _, regex in self._by_view[view])
        # The contexts (searched on the plain view) behind a prefilter of their own.
        self._context_bit = {name: i for i, name in enumerate(self.contexts)}
        self._prefilters["contexts"] = Prefilter(self.contexts.values())

    # --- matching ------------------------------------------------------------

    def match(self, views: Views) -> list[Hit]:
        """Every hit of this lexicon in one message, after negation and context."""
        raw: list[tuple[_Rule, tuple[int, int]]] = []
        raw.extend(self._terms(views))
        raw.extend(self._pinyin(views))
        raw.extend(self._initials(views))
        raw.extend(self._patterns(views))
        hits: list[Hit] = []
        if not raw:
            return hits
        contexts = _Seen()
        if "reported" in self.contexts and self._context("reported", views, contexts):
            # The message reports, corrects or apologises for someone else's words.
            views.suppressed = True
            return hits
        others = self._other_turns(views.plain) if self.speakers is not None else ()
        for rule, span in raw:
            if others and any(lo <= span[0] and span[1] <= hi for lo, hi in others):
                # Said by the borrower or a third party in a transcript, not by the collector.
                views.suppressed = True
                continue
            if rule.unless and any(self._context(name, views, contexts) for name in rule.unless):
                views.suppressed = True
                continue
            if rule.negatable and self._negated(views.plain, span, rule.inside):
                views.suppressed = True
                continue
            hits.append(Hit(rule.category, rule.score, span, rule.kind, rule.rule_id))
        return hits

    def _terms(self, views: Views) -> Iterator[tuple[_Rule, tuple[int, int]]]:
        automaton = self._automata.get("term")
        if automaton is None:
            return
        seen: set[tuple[str, tuple[int, int]]] = set()
        # Masks stand for a letter (f*ck, matched by the masked variants) or
        # separate letters (s.b, f.u.c.k, matched on the text without them).
        for view in (views.norm, views.demasked):
            if view is None:
                continue
            for end, (key, rules) in automaton.iter(view.text):
                start = end + 1 - len(key)
                span = view.span(start, end + 1)
                for rule in cast("list[_Rule]", rules):
                    if (rule.rule_id, span) in seen:
                        continue
                    if _latin_edges_ok(views.plain, span) and _words_ok(views.plain, span, rule.words):
                        seen.add((rule.rule_id, span))
                        yield rule, span

    def _pinyin(self, views: Views) -> Iterator[tuple[_Rule, tuple[int, int]]]:
        automaton = self._automata.get("pinyin")
        if automaton is None:
            return
        view = views.pinyin
        index = view.index
        size = len(view.text)
        for end, (key, rules) in automaton.iter(view.text):
            start = end + 1 - len(key)
            # Start and end on a syllable: the pinyin letters of one Han character share an offset.
            if start > 0 and index[start - 1] == index[start]:
                continue
            if end + 1 < size and index[end + 1] == index[end]:
                continue
            span = view.span(start, end + 1)
            if _latin_edges_ok(views.plain, span):
                for rule in cast("list[_Rule]", rules):
                    yield rule, span

    def _initials(self, views: Views) -> Iterator[tuple[_Rule, tuple[int, int]]]:
        automaton = self._automata.get("initials")
        if automaton is None or not views.has_han:
            return
        view = views.initials
        for end, (key, rules) in automaton.iter(view.text):
            start = end + 1 - len(key)
            span = view.span(start, end + 1)
            written = [views.norm.text[i] for i in range(start, end + 1)]
            mixed = any(_HAN.match(c) for c in written) and any(_is_latin(c) for c in written)
            if mixed and _latin_edges_ok(views.plain, span):
                for rule in cast("list[_Rule]", rules):
                    yield rule, span

    def _patterns(self, views: Views) -> Iterator[tuple[_Rule, tuple[int, int]]]:
        patterns = self._by_view["plain"]
        if patterns:
            plain = views.plain
            for rule, regex in self._candidates("plain", plain):
                if regex.search(plain) is not None:
                    for m in regex.finditer(plain):
                        if m.end() > m.start():
                            yield rule, (m.start(), m.end())
        patterns = self._by_view["norm"]
        if patterns:
            norm = views.norm
            for rule, regex in self._candidates("norm", norm.text):
                if regex.search(norm.text) is not None:
                    for m in regex.finditer(norm.text):
                        if m.end() > m.start():
                            yield rule, norm.span(m.start(), m.end())

    def _candidates(self, view: str, text: str) -> Iterator[tuple[_Rule, re.Pattern[str]]]:
        """The view's patterns to run on ``text``, in their order: all, or those the prefilter keeps."""
        patterns = self._by_view[view]
        if not self.prefilter:
            yield from patterns
            return
        bits = self._prefilters[view].mask(text)
        while bits:
            low = bits & -bits
            yield patterns[low.bit_length() - 1]
            bits ^= low

    # --- negation and context ------------------------------------------------

    def _other_turns(self, plain: str) -> tuple[tuple[int, int], ...]:
        """The (start, end) of each turn of a dialogue spoken by someone other than the collector.

        A turn starts at a speaker label (at the start of the text or of a line, or after a
        sentence's end) and runs to the next label; only a text with two labels or more is a
        dialogue (a single 客户： may head a letter).
        """
        if self.speakers is None:
            return ()
        labels = list(self.speakers.finditer(plain))
        if len(labels) < 2:
            return ()
        ends = [m.start() for m in labels[1:]] + [len(plain)]
        return tuple((m.start(), end) for m, end in zip(labels, ends, strict=True) if m.group("other"))

    def _negated(self, plain: str, span: tuple[int, int], inside: bool) -> bool:
        """A negation cue in the same clause, at most ``window`` characters before the hit (or inside it)."""
        if self.negation is None:
            return False
        start = span[0]
        lo = max(0, start - self.window)
        for i in range(start - 1, lo - 1, -1):
            if plain[i] in self.clause_breaks:
                lo = i + 1
                break
        for cue in self.negation.finditer(plain, lo, span[1] if inside else start):
            # "if you don't pay ..." states the threat's condition; it negates nothing.
            if self.conditional is None or self.conditional.search(plain, lo, cue.start()) is None:
                return True
        return False

    def in_context(self, name: str, views: Views) -> bool:
        """Whether the named context of this lexicon matches the message (False if it has none)."""
        return name in self.contexts and self._context(name, views, _Seen())

    def _context(self, name: str, views: Views, seen: _Seen) -> bool:
        """Whether context ``name`` matches the message; ``seen`` keeps this message's answers."""
        found = seen.answers.get(name)
        if found is None:
            if self.prefilter:
                if seen.possible is None:  # the contexts' literals, looked for once per message
                    seen.possible = self._prefilters["contexts"].mask(views.plain)
                if not seen.possible >> self._context_bit[name] & 1:
                    seen.answers[name] = False
                    return False
            found = self.contexts[name].search(views.plain) is not None
            seen.answers[name] = found
        return found


class _Seen:
    """One message's context answers, and which contexts its literals leave possible (on first need)."""

    __slots__ = ("answers", "possible")

    def __init__(self) -> None:
        self.answers: dict[str, bool] = {}
        self.possible: int | None = None


def _latin_edges_ok(plain: str, span: tuple[int, int]) -> bool:
    """A span that starts (ends) on a Latin letter has no Latin letter just before (after) it."""
    start, end = span
    if _is_latin(plain[start]) and start > 0 and _is_latin(plain[start - 1]):
        return False
    return not (_is_latin(plain[end - 1]) and end < len(plain) and _is_latin(plain[end]))


def _words_ok(plain: str, span: tuple[int, int], words: int) -> bool:
    """A Latin term joined across spaces matches only as written or as spaced-out letters.

    ``piece of shit`` may match ``piece of shit``; ``shit`` may match ``s h i t`` or
    ``sh it``; but ``bitch`` does not match the two words ``bit ch...`` unless they are
    that short, so joined words cannot invent a term the writer never wrote.
    """
    if words == 0:
        return True
    tokens = plain[span[0] : span[1]].split()
    if len(tokens) <= 1 or len(tokens) == words:
        return True
    return max(len(t) for t in tokens) <= 3


# --- loading -------------------------------------------------------------------------------


def _mask_variants(term: str) -> Iterator[str]:
    """The term with any of its inner letters masked (``fuck`` gives ``f*ck``, ``f**k``, ...)."""
    inner = [i for i in range(1, len(term) - 1) if _is_latin(term[i])]
    for r in range(1, len(inner) + 1):
        for chosen in itertools.combinations(inner, r):
            chars = list(term)
            for i in chosen:
                chars[i] = "*"
            yield "".join(chars)


def _key(term: str) -> str:
    """A term as the normalised text spells it: the same pipeline, so data and text agree."""
    return normalise(term).text


def _term_groups(spec: Any) -> Iterator[tuple[float, str, dict[str, Any]]]:
    """``{score: [term, ...]}`` or ``[{score, terms, ...options}]`` to (score, term, options)."""
    if isinstance(spec, Mapping):
        for score, terms in spec.items():
            for term in terms:
                yield float(score), str(term), {}
    elif isinstance(spec, list):
        for group in spec:
            options = {k: v for k, v in group.items() if k not in ("score", "terms")}
            for term in group["terms"]:
                yield float(group["score"]), str(term), options


_SECTIONS: Mapping[str, str] = {"term": "terms", "pinyin": "pinyin", "initials": "initials"}


def _compile(lang: str, data: Mapping[str, Any]) -> Lexicon:
    flags = re.IGNORECASE
    negations = [str(n) for n in data.get("negations", [])]
    negation = re.compile("|".join(f"(?:{n})" for n in negations), flags) if negations else None
    conditional = re.compile(str(data["conditional"]), flags) if data.get("conditional") else None
    contexts = {
        str(name): re.compile("|".join(f"(?:{p})" for p in pats), flags)
        for name, pats in (data.get("contexts") or {}).items()
    }
    automata: dict[str, dict[str, list[_Rule]]] = {"term": {}, "pinyin": {}, "initials": {}}
    patterns: list[_Pattern] = []
    for category, spec in (data.get("categories") or {}).items():
        if category not in CATEGORIES:
            raise ValueError(f"{lang}: unknown category {category!r}")
        for kind in ("term", "pinyin", "initials"):
            for score, term, options in _term_groups(spec.get(_SECTIONS[kind])):
                unless = tuple(options.get("unless", ()))
                rule = _Rule(
                    rule_id=f"{lang}.{category}.{kind}:{term}",
                    category=category,
                    score=score,
                    kind=kind,
                    negatable=bool(options.get("negatable", True)),
                    unless=unless,
                    words=0 if _HAN.search(term) else len(term.split()),
                )
                key = _key(term) if kind == "term" else term.replace(" ", "").lower()
                keys = {key}
                if options.get("mask") and " " not in term:
                    keys.update(_mask_variants(key))
                for k in keys:
                    automata[kind].setdefault(k, []).append(rule)
        for i, item in enumerate(spec.get("patterns") or ()):
            view = item.get("view", "norm" if lang == "zh" else "plain")
            rule = _Rule(
                rule_id=f"{lang}.{category}.pattern:{item.get('id', i)}",
                category=category,
                score=float(item["score"]),
                kind="pattern",
                negatable=bool(item.get("negatable", True)),
                inside=bool(item.get("inside", True)),
                unless=tuple(item.get("unless", ())),
            )
            patterns.append(_Pattern(rule, re.compile(item["re"], flags), view))
    for kind_rules in automata.values():
        for rules in kind_rules.values():
            for rule in rules:
                _check_contexts(lang, rule, contexts)
    for pattern in patterns:
        _check_contexts(lang, pattern.rule, contexts)
    compiled: dict[str, Any] = {}
    for kind, table in automata.items():
        if table:
            automaton = ahocorasick.Automaton()
            for k, rules in table.items():
                automaton.add_word(k, (k, rules))
            automaton.make_automaton()
            compiled[kind] = automaton
    return Lexicon(
        lang=lang,
        version=str(data.get("version", "")),
        window=int(data.get("window", 10)),
        clause_breaks=frozenset(str(data.get("clause_breaks", "。！？!?；;\n"))),
        negation=negation,
        conditional=conditional,
        speakers=_speakers(data, flags),
        contexts=contexts,
        patterns=tuple(patterns),
        _automata=compiled,
    )


def _speakers(data: Mapping[str, Any], flags: re.RegexFlag) -> re.Pattern[str] | None:
    """One expression for every speaker label, the other speakers' in group "other"."""
    other, own = data.get("other_speakers"), data.get("collector_speakers")
    if not other or not own:
        return None
    return re.compile(
        rf"(?:^|(?<=[\n。！？!?；;.]))[ \t]*(?:(?P<other>{other})|(?:{own}))[ \t]*[：:]", flags | re.MULTILINE
    )


def _check_contexts(lang: str, rule: _Rule, contexts: Mapping[str, object]) -> None:
    for name in rule.unless:
        if name not in contexts:
            raise ValueError(f"{lang}: rule {rule.rule_id} names unknown context {name!r}")


@cache
def lexicon(lang: str) -> Lexicon:
    """The packaged lexicon of ``lang`` ("zh" or "en"), loaded and compiled once."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    source = resources.files("faircollect.content").joinpath(f"lexicon/{lang}.yaml")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    return _compile(lang, data)


def match_all(text: str, langs: Iterable[str]) -> list[Hit]:
    """Every hit of the named languages' lexicons in ``text`` (views built once)."""
    views = Views(text)
    hits: list[Hit] = []
    for lang in langs:
        hits.extend(lexicon(lang).match(views))
    return hits
