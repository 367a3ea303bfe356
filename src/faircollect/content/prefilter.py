"""A literal prefilter for many regular expressions: which of them can match a text, in one scan.

The content screen searches every message with a few hundred regular
expressions, and almost all of them fail. Most fail for a cheap reason: the
expression cannot match unless some literal string occurs in the text (every
match of ``(你|你们)(都是|就是)(骗子|老赖)`` contains ``骗子`` or ``老赖``;
every match of ``\\bwatch your (?:back|step)\\b`` contains ``watch your ``).
This is the idea behind RE2's prefilter and Hyperscan: compute for each
expression a set of literals at least one of which occurs in any match (its
*requirement*), put every literal into one Aho-Corasick automaton, scan the
text once, and run only the expressions whose literals occurred. An expression
without a usable requirement (one that can match without any fixed string) is
always run. Skipping an expression is therefore exact, never a guess: if none
of its literals is in the text, ``search`` would have returned ``None``.

How a requirement is computed, on the parsed expression (``requirement``):

- a literal character, or a class of literal characters, matches exactly
  those one-character strings;
- a sequence concatenates the exact string sets of its parts while they stay
  small (``LIMIT``); a part whose strings are unknown (``\\w+``, ``.{0,8}``,
  a negated class) ends a run, and each run (and each part's own
  requirement) is a candidate: every one of them is required, so the one
  likely to be rarest in text is kept (``_quality``: the shortest literal
  weighed by its characters, Han and emoji counting more than Latin letters
  or common words like 你, then the fewest literals);
- an alternation needs the union of its branches' requirements, and has none
  if any branch has none;
- a repetition needs its body's requirement when it repeats at least once,
  and nothing when it may repeat zero times;
- anchors and lookarounds match only the empty string; back references and
  anything else unknown match anything.

Case: the screen compiles with ``re.IGNORECASE``, under which ``k`` also
matches ``K`` and the Kelvin sign, ``i`` matches the dotless ``ı`` and the
dotted ``İ``, and so on. Literals and the scanned text are both mapped through
one table (``_case_table``) that sends every character to a representative of
the characters it can match; the table is built by asking the ``re`` engine
itself which characters match each cased literal character, so it follows the
engine's own case rules (which are not ``str.lower``'s) rather than a copy of
them. Characters without case match only themselves (the engine compiles them
as exact literals), and classes holding a cased character are not used as
literals at all.

The parse uses ``re._parser`` (``sre_parse``), an internal module of CPython.
Its use is confined to ``parse``, which turns its output into this module's
own small tree; anything it does not recognise, and any error, becomes
``Unknown`` (matches anything), so a change in Python can make the prefilter
run more expressions, never fewer. Tests pin the tree for the shapes the
lexicons use and check every requirement against the evaluation texts.

Why not a library: a Hyperscan/Vectorscan binding (``hyperscan`` on PyPI) would
bring a native engine whose syntax and Unicode rules differ from Python's
(``\\b``, ``\\w``, case folding, lookbehind), so its answers could not be taken
as exact for these expressions without the same kind of proof as here; RE2
(``google-re2``) has no lookahead, which the lexicons use. pyahocorasick is
already a dependency, and this module is pure Python around it.
"""

from __future__ import annotations

import array
import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick  # type: ignore[import-not-found]  # a C extension without type stubs

__all__ = [
    "LIMIT",
    "Alt",
    "Chars",
    "Empty",
    "Node",
    "Prefilter",
    "Repeat",
    "Seq",
    "Unknown",
    "parse",
    "requirement",
]

# Most strings an exact set may hold before a sequence stops concatenating (and starts a new run).
LIMIT = 256
# A bounded repetition with an exact body is expanded up to this many times.
_MAX_EXPAND = 4


# --- the tree ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chars:
    """One character, any of ``chars``, each matching exactly itself (or its case variants)."""

    chars: frozenset[str]


@dataclass(frozen=True, slots=True)
class Empty:
    """Matches only the empty string: an anchor, ``\\b``, a lookahead or lookbehind."""


@dataclass(frozen=True, slots=True)
class Unknown:
    """Matches strings we do not describe (any character, ``\\w``, a back reference...): assume anything."""


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    branches: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Repeat:
    lo: int
    hi: int | None  # None: unbounded
    item: Node


Node = Chars | Empty | Unknown | Seq | Alt | Repeat


# --- the one function that reads re._parser ----------------------------------------------


def parse(pattern: str, flags: int = 0) -> Node:
    """``pattern`` as this module's tree, through CPython's own parser; ``Unknown()`` when it cannot say.

    The only place that touches ``re._parser``: an opcode it does not know, or
    any error, gives ``Unknown`` for that part (or the whole), which makes the
    prefilter run the expression rather than skip it.
    """
    try:
        sre: Any = importlib.import_module("re._parser")
        parsed = sre.parse(pattern, flags)
    except Exception:
        return Unknown()
    repeats = {sre.MAX_REPEAT, sre.MIN_REPEAT}
    repeats.update(getattr(sre, name) for name in ("POSSESSIVE_REPEAT",) if hasattr(sre, name))
    zero_width = {sre.AT, sre.ASSERT, sre.ASSERT_NOT}
    atomic = getattr(sre, "ATOMIC_GROUP", None)  # Python 3.11 on

    def chars(items: Any) -> Node:
        found: set[str] = set()
        for op, av in items:
            if op is not sre.LITERAL:
                return Unknown()  # NEGATE, RANGE, CATEGORY...: not a set of literals
            found.add(chr(av))
        if not found or any(_cased(c) for c in found):
            # A class with a cased member may match by the engine's class rules: leave it out.
            return Unknown()
        return Chars(frozenset(found))

    def seq(items: Any) -> Node:
        return Seq(tuple(node(op, av) for op, av in items))

    def node(op: Any, av: Any) -> Node:
        try:
            if op is sre.LITERAL:
                return Chars(frozenset((chr(av),)))
            if op is sre.IN:
                return chars(av)
            if op in zero_width:
                return Empty()
            if op is sre.SUBPATTERN:
                return seq(av[3])
            if atomic is not None and op is atomic:
                return seq(av)
            if op is sre.BRANCH:
                return Alt(tuple(seq(branch) for branch in av[1]))
            if op in repeats:
                lo, hi, body = av
                return Repeat(int(lo), None if hi >= sre.MAXREPEAT else int(hi), seq(body))
        except Exception:
            return Unknown()
        return Unknown()

    try:
        return seq(parsed)
    except Exception:
        return Unknown()


def _cased(char: str) -> bool:
    """Whether a character has any case mapping (a superset of what the engine treats as cased)."""
    return char.lower() != char or char.upper() != char or char.casefold() != char


# --- requirements ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Info:
    # A superset of the strings the node can match (None: unknown or too many).
    exact: frozenset[str] | None
    # One of these occurs in every match (None: no guarantee).
    required: frozenset[str] | None

    def need(self) -> frozenset[str] | None:
        return _usable(self.exact) if self.exact is not None else _usable(self.required)


def _usable(literals: frozenset[str] | None) -> frozenset[str] | None:
    """``literals`` as a requirement, or None: a set holding the empty string (or nothing) guarantees nothing."""
    return literals if literals and "" not in literals else None


_EMPTY = frozenset({""})
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _product(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    if len(left) * len(right) > LIMIT:
        return None
    return frozenset(a + b for a in left for b in right)


def _analyse(node: Node) -> _Info:
    if isinstance(node, Chars):
        return _Info(node.chars or None, node.chars or None)
    if isinstance(node, Empty):
        return _Info(_EMPTY, None)
    if isinstance(node, Seq):
        return _sequence([_analyse(item) for item in node.items])
    if isinstance(node, Alt):
        infos = [_analyse(branch) for branch in node.branches]
        exact: frozenset[str] | None = None
        if infos and all(info.exact is not None for info in infos):
            union = frozenset().union(*(info.exact for info in infos if info.exact is not None))
            exact = union if len(union) <= LIMIT else None
        needs = [info.need() for info in infos]
        required = None
        if infos and all(need is not None for need in needs):
            required = frozenset().union(*(need for need in needs if need is not None))
        return _Info(exact or None, required)
    if isinstance(node, Repeat):
        body = _analyse(node.item)
        return _Info(_repeat_exact(node, body.exact), body.need() if node.lo >= 1 else None)
    return _Info(None, None)  # Unknown


def _repeat_exact(node: Repeat, body: frozenset[str] | None) -> frozenset[str] | None:
    """The strings of ``body`` repeated ``lo`` to ``hi`` times, when few enough to list."""
    if body is None or node.hi is None or node.hi > _MAX_EXPAND:
        return None
    strings = set(_EMPTY) if node.lo == 0 else set()
    power: frozenset[str] | None = _EMPTY
    for times in range(1, node.hi + 1):
        power = _product(power, body) if power is not None else None
        if power is None:
            return None
        if times >= node.lo:
            strings |= power
            if len(strings) > LIMIT:
                return None
    return frozenset(strings) or None


def _sequence(infos: Sequence[_Info]) -> _Info:
    run: frozenset[str] = _EMPTY  # exact strings of the current run of exact parts
    candidates: list[frozenset[str] | None] = []
    whole = True  # every part exact and the product never cut
    for info in infos:
        if info.exact is not None:
            joined = _product(run, info.exact)
            if joined is not None:
                run = joined
                continue
            whole = False
            candidates.append(run)
            run = info.exact
            continue
        whole = False
        candidates.append(run)
        run = _EMPTY
        candidates.append(info.need())
    if whole:
        return _Info(run or None, _usable(run))
    candidates.append(run)
    usable = [need for need in map(_usable, candidates) if need is not None]
    return _Info(None, max(usable, key=_quality, default=None))


def _minimal(literals: frozenset[str]) -> frozenset[str]:
    """Drop every literal that contains another: the requirement is the same, the set smaller."""
    if len(literals) < 2:
        return literals
    automaton = ahocorasick.Automaton()
    for literal in literals:
        automaton.add_word(literal, literal)
    automaton.make_automaton()
    # A distinct literal found inside another is shorter than it: the longer one is redundant.
    return frozenset(
        literal for literal in literals if all(found == literal for _, found in automaton.iter(literal))
    )


# Characters too common in collection messages to count as more than a Latin letter.
_COMMON_HAN = frozenset("你您我他她它们的是了不在有这那个人就要会还钱款说")


def _weight(char: str) -> float:
    """How much one character of a literal narrows the texts it occurs in (a rough guess, for choosing only)."""
    if char.isascii():
        return 1.0 if char.isalnum() else 0.5
    if _is_han(char):
        return 1.0 if char in _COMMON_HAN else 2.5
    return 3.0  # emoji, symbols, full-width punctuation: rare in text


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char >= "\U00020000"


def _quality(literals: frozenset[str]) -> tuple[float, int]:
    """Which of several requirements to keep: the rarest shortest literal first, then fewer literals.

    Any choice is exact; this only decides how often the expression is run.
    """
    return (min(sum(map(_weight, literal)) for literal in literals), -len(literals))


def requirement(regex: re.Pattern[str]) -> frozenset[str] | None:
    """Literals one of which occurs (up to case, see ``_case_table``) in any match of ``regex``; None if none is known."""
    need = _analyse(parse(regex.pattern, regex.flags)).need()
    return None if need is None else _minimal(need)


# --- case -------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _case_table(cased: frozenset[str]) -> dict[int, str]:
    """For ``str.translate``: every character that ``re.IGNORECASE`` lets match a character of ``cased``,
    to one representative of its group.

    The engine is the judge: one class scan over every code point finds the
    characters any of ``cased`` may match, and each is then tried against each
    literal on its own. Characters linked by a match share a group (union-find),
    so a literal and any text it can match map to the same string.
    """
    if not cased:
        return {}
    everything = array.array("I", range(0x110000)).tobytes().decode("utf-32-le", "surrogatepass")
    klass = re.compile("[" + "".join(re.escape(c) for c in sorted(cased)) + "]", re.IGNORECASE)
    found = set(klass.findall(everything)) | set(cased)
    parent = {c: c for c in found}

    def root(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for literal in sorted(cased):
        one = re.compile(re.escape(literal), re.IGNORECASE)
        for char in found:
            if one.fullmatch(char):
                a, b = root(literal), root(char)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for char in found:
        groups.setdefault(root(char), []).append(char)
    table: dict[int, str] = {}
    for members in groups.values():
        # The representative: a lower-case member (``k``, not ``K`` or the Kelvin sign) when there is one,
        # so that the lower-case text the views already are needs no change.
        rep = min(members, key=lambda c: (c.lower() != c, c))
        table.update((ord(c), rep) for c in members if c != rep)
    return table


# --- the prefilter ---------------------------------------------------------------------------


class Prefilter:
    """Which of ``regexes`` can match a text: ``select(text)`` lists their indices, in order.

    ``select`` is exact: it leaves out an expression only when none of its
    required literals is in the text, so the expression's ``search`` would
    find nothing.
    """

    def __init__(self, regexes: Iterable[re.Pattern[str]]) -> None:
        self.regexes = tuple(regexes)
        self.requirements = tuple(requirement(regex) for regex in self.regexes)
        alphabet = {c for need in self.requirements if need for literal in need for c in literal}
        # ASCII letters always in: the lexicons' tables then share one key (one scan per process).
        self._table = _case_table(frozenset(c for c in alphabet if _cased(c)) | _ASCII_LETTERS)
        # Most texts (the views are already lower case) hold none of the table's characters.
        keys = "".join(re.escape(chr(c)) for c in sorted(self._table))
        self._foldable = re.compile(f"[{keys}]") if keys else None
        always = 0
        by_key: dict[str, int] = {}
        for i, need in enumerate(self.requirements):
            if need is None:
                always |= 1 << i
                continue
            for literal in need:
                key = self.fold(literal)
                by_key[key] = by_key.get(key, 0) | (1 << i)
        self._always: int = always
        self._automaton: Any = None
        if by_key:
            automaton = ahocorasick.Automaton()
            for key, bits in by_key.items():
                automaton.add_word(key, bits)
            automaton.make_automaton()
            self._automaton = automaton

    def fold(self, text: str) -> str:
        """``text`` with every character that a literal may match under IGNORECASE sent to its group's representative."""
        if self._foldable is not None and self._foldable.search(text) is not None:
            return text.translate(self._table)
        return text

    @property
    def always(self) -> tuple[int, ...]:
        """Indices of the expressions without a requirement: run on every text."""
        return _bits(self._always)

    def mask(self, text: str) -> int:
        """Bit ``i`` set when expression ``i`` must be run on ``text`` (the hot path: ``fold`` inlined)."""
        bits = self._always
        automaton = self._automaton
        if automaton is not None:
            foldable = self._foldable
            if foldable is not None and foldable.search(text) is not None:
                text = text.translate(self._table)
            for _, found in automaton.iter(text):
                bits |= found
        return bits

    def select(self, text: str) -> tuple[int, ...]:
        """Indices of the expressions that may match ``text``, ascending."""
        return _bits(self.mask(text))


def _bits(mask: int) -> tuple[int, ...]:
    out: list[int] = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return tuple(out)
