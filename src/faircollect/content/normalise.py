"""Normalisation: raw message text to views the lexicon and the model match on.

``normalise`` folds the disguises people use to slip abuse past a filter
(full-width letters, traditional characters, separators between characters,
masking symbols, leetspeak digits) into one canonical text, and keeps for
every character it produces the code-point offset in the original it came
from, so a match on the normalised text is reported on the text the
collector actually wrote.

The steps, in the order ``normalise`` runs them:

1. ``fold_width``       NFKC per character (full-width ＡＢＣ１２３ to ABC123).
2. ``fold_diacritics``  Latin letters with accents to the bare letter (shǎ bī to sha bi).
3. ``fold_case``        casefold per character.
4. ``to_simplified``    traditional to simplified Chinese (OpenCC t2s).
5. ``drop_invisible``   zero-width and format characters, combining marks,
                        variation selectors, Hangul fillers.
6. ``fold_leet``        leetspeak digits (and ``@``) inside Latin words.
7. ``strip_separators`` whitespace, punctuation, symbols and emoji; masking
                        symbols inside a Latin word become ``*``.

Steps 1 to 4 and 6 map each character to exactly one character, so they
cannot move an offset: when a fold would give several characters (NFKC of
``ﬁ`` or ``㎏``, casefold of ``ß``) the character is left as it was. Steps 5
and 7 only remove characters (7 also rewrites masks to ``*``), and the
positions of what they keep are composed into ``Normalised.index``. Leetspeak
runs before separators are stripped, not after, so its context is the text
as written: ``No.1`` and ``5 w`` do not become letters.

The invariant (checked by property tests): ``len(index) == len(text)``,
``index`` is strictly increasing, ``text[i]`` is a fold of
``original[index[i]]``, and no letter or digit of the original is ever
dropped: every original character without an entry in ``index`` is a
separator or an invisible character.

Decided on purpose:

- Whitespace between Latin letters is removed like any separator, so ``S B``
  and ``s b`` both give ``sb`` and ``sha bi`` gives ``shabi``. English word
  boundaries are therefore not in ``text``: a matcher that needs them (to
  keep ``ass`` out of ``class``) reads them from ``original`` around
  ``span``.
- Only ``* # @ ! $ % . _ -`` count as masks, and only between two Latin
  letters (``f**k``, ``sh!t``, ``s.b``). Between Chinese characters, or at a
  word's edge, they are separators and go (``傻*逼`` gives ``傻逼``).
- A leetspeak digit is folded only inside a Latin word and never next to
  another digit, so amounts and dates (``523.40``, ``2026-11-20``) keep
  their digits, and so do ``l33t`` and ``a55``. A digit with a Latin letter on
  each side folds (``sh1t``, ``b1tch``); one at a word's edge folds only next
  to at least three Latin letters (``1diot``, ``hell0``), which keeps ``5pm``,
  ``1st``, ``MP3``, ``3k`` and ``5w`` as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain, repeat, starmap

# OpenCC is the standard open-source traditional/simplified converter: an
# official, maintained wheel (C++ core, typed) that bundles its dictionaries,
# so nothing is fetched at run time; its phrase tables get context right
# (乾燥 -> 干燥 but 乾隆 stays) where a per-character table cannot.
import opencc

# pypinyin is the de-facto standard pinyin library: a large, maintained
# character and phrase dictionary, pure Python, typed, data shipped in the
# wheel. Per character it gives the most common reading first.
from pypinyin import Style, lazy_pinyin

__all__ = [
    "LEET",
    "MASK",
    "MASKS",
    "Normalised",
    "drop_invisible",
    "fold",
    "fold_case",
    "fold_diacritics",
    "fold_leet",
    "fold_width",
    "initials",
    "normalise",
    "pinyin_view",
    "strip_separators",
    "to_simplified",
]

_CACHE = 1 << 16

# Chinese (Han) ideographs: CJK Unified Ideographs and Extension A, the
# compatibility block, and Extensions B onwards, plus 〇.
_HAN_RANGES = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_HAN_RUN = re.compile(f"[{_HAN_RANGES}]+")
_HAN_CHAR = re.compile(f"[{_HAN_RANGES}]")

# Symbols that stand in for a letter inside a Latin word (f*ck, sh!t, s.b).
MASKS = frozenset("*#@!$%._-")
MASK = "*"

# Leetspeak digits; ``@`` is folded separately (it is also a mask).
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"}
_LEET_TRIGGERS = frozenset(LEET) | {"@"}

# Hangul fillers are letters (Lo) that render as nothing: a favourite
# invisible separator.
_HANGUL_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
# Format characters (zero-width space and joiners, BOM, soft hyphen, bidi
# controls, tags), combining and enclosing marks (which includes the
# variation selectors U+FE00..FE0F and U+E0100..E01EF).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
# Whitespace (Z*), punctuation (P*), symbols and emoji (S*), controls such
# as newline and tab (Cc), and surrogate, private-use and unassigned code
# points (which include emoji newer than this Python's Unicode tables).
_SEPARATOR_CLASSES = frozenset("ZPS")
_SEPARATOR_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})


@dataclass(frozen=True, slots=True)
class Normalised:
    """A view of ``original`` whose every character maps back to it.

    ``index[i]`` is the code-point offset in ``original`` of the character
    ``text[i]`` came from. In ``normalise`` output it is strictly increasing;
    in ``pinyin_view`` output the letters of one syllable share an offset.
    """

    original: str
    text: str
    index: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) code-point span of normalised text[start:end]."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside a text of length {len(self.text)}")
        if start == end:
            at = self.index[start] if start < len(self.index) else len(self.original)
            return (at, at)
        return (self.index[start], self.index[end - 1] + 1)


# --- character classes -------------------------------------------------------


def _is_latin(char: str) -> bool:
    return "a" <= char <= "z" or "A" <= char <= "Z"


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


@lru_cache(maxsize=_CACHE)
def _is_invisible(char: str) -> bool:
    return char in _HANGUL_FILLERS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


@lru_cache(maxsize=_CACHE)
def _is_separator(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in _SEPARATOR_CLASSES or category in _SEPARATOR_CATEGORIES


# --- steps 1 to 3: one character to one character --------------------------------


@lru_cache(maxsize=_CACHE)
def _width_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


@lru_cache(maxsize=_CACHE)
def _diacritics_char(char: str) -> str:
    if char.isascii():
        return char
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if marks and base.isascii() and base.isalpha() and all(unicodedata.category(m) == "Mn" for m in marks):
        return base
    return char


@lru_cache(maxsize=_CACHE)
def _case_char(char: str) -> str:
    for folded in (char.casefold(), char.lower()):
        if len(folded) == 1:
            return folded
    return char


@lru_cache(maxsize=_CACHE)
def _fold_char(char: str) -> str:
    return _case_char(_diacritics_char(_width_char(char)))


def fold_width(text: str) -> str:
    """Step 1: NFKC per character; full-width and compatibility forms to their plain form."""
    return "".join(map(_width_char, text))


def fold_diacritics(text: str) -> str:
    """Step 2: a Latin letter carrying combining accents to the bare letter (é to e, ǎ to a)."""
    return "".join(map(_diacritics_char, text))


def fold_case(text: str) -> str:
    """Step 3: casefold per character (a fold to several characters keeps the character)."""
    return "".join(map(_case_char, text))


# --- step 4: traditional to simplified --------------------------------------------


@cache
def _t2s() -> opencc.OpenCC:
    # Loads OpenCC's packaged dictionaries once, on first use.
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=_CACHE)
def _t2s_char(char: str) -> str:
    converted = str(_t2s().convert(char))
    return converted if len(converted) == 1 else char


def _t2s_run(match: re.Match[str]) -> str:
    run = match.group()
    converted = str(_t2s().convert(run))
    if len(converted) == len(run):
        return converted
    return "".join(map(_t2s_char, run))


def to_simplified(text: str) -> str:
    """Step 4: traditional to simplified Chinese, length-preserving.

    Each run of Han characters is converted whole (so OpenCC's phrase tables
    apply); a run whose conversion changes its length is converted character
    by character instead, so no offset moves.
    """
    return _HAN_RUN.sub(_t2s_run, text)


# --- step 5: invisible characters ------------------------------------------------


def drop_invisible(text: str) -> tuple[str, tuple[int, ...]]:
    """Step 5: remove zero-width, format and combining characters; return the rest and their positions."""
    if not any(map(_is_invisible, text)):
        return text, tuple(range(len(text)))
    kept = [i for i, char in enumerate(text) if not _is_invisible(char)]
    return "".join(text[i] for i in kept), tuple(kept)


# --- step 6: leetspeak ------------------------------------------------------------


def _latin_before(out: list[str], i: int) -> int:
    count = 0
    while i > 0 and count < 3 and (_is_latin(out[i - 1]) or out[i - 1] == MASK):
        count += 1
        i -= 1
    return count


def _latin_after(text: str, i: int) -> int:
    count = 0
    while i + 1 < len(text) and count < 3 and (_is_latin(text[i + 1]) or text[i + 1] == MASK):
        count += 1
        i += 1
    return count


def _in_latin_word(out: list[str], text: str, i: int) -> bool:
    both_sides = i > 0 and i + 1 < len(text) and _is_latin(out[i - 1]) and _is_latin(text[i + 1])
    return both_sides or _latin_before(out, i) >= 3 or _latin_after(text, i) >= 3


def fold_leet(text: str) -> str:
    """Step 6: leetspeak digits and ``@`` inside Latin words to letters; numbers stay numbers.

    A digit in ``LEET`` folds when neither neighbour is a digit and either
    both neighbours are Latin letters or one side has three (counting, on the
    left, letters this step already folded: ``h3ll0``). ``@`` folds to
    ``a`` at the edge of a Latin word (``@ss``); between two letters it is a
    mask, left for ``strip_separators``.
    """
    if _LEET_TRIGGERS.isdisjoint(text):
        return text
    out = list(text)
    last = len(text) - 1
    for i, char in enumerate(text):
        if char not in LEET and char != "@":
            continue
        before = text[i - 1] if i > 0 else ""
        after = text[i + 1] if i < last else ""
        if _is_digit(before) or _is_digit(after):
            continue
        if char == "@":
            if _is_latin(before) != _is_latin(after):
                out[i] = "a"
        elif _in_latin_word(out, text, i):
            out[i] = LEET[char]
    return "".join(out)


# --- step 7: separators and masks -------------------------------------------------

_MASK_RUN = re.compile("[" + "".join(re.escape(char) for char in sorted(MASKS)) + "]+")


def strip_separators(text: str) -> tuple[str, tuple[int, ...]]:
    """Step 7: remove whitespace, punctuation, symbols and emoji; masks inside a Latin word become ``*``.

    Returns the kept text and, for each kept character, its position in ``text``.
    """
    if MASKS.isdisjoint(text):
        kept = [i for i, char in enumerate(text) if not _is_separator(char)]
        return "".join([text[i] for i in kept]), tuple(kept)
    # A run of masks survives (as ``*``s) only with a Latin letter on each side; otherwise it goes.
    kept = [i for i, char in enumerate(text) if char not in MASKS and not _is_separator(char)]
    size = len(text)
    masked: list[int] = []
    for run in _MASK_RUN.finditer(text):
        start, end = run.span()
        if start > 0 and end < size and _is_latin(text[start - 1]) and _is_latin(text[end]):
            masked.extend(range(start, end))
    if masked:
        kept = sorted(kept + masked)
    return "".join([MASK if text[i] in MASKS else text[i] for i in kept]), tuple(kept)


# --- the pipeline -----------------------------------------------------------------


def fold(text: str) -> str:
    """Steps 1 to 4 (width, diacritics, case, traditional to simplified): one character for one."""
    return to_simplified("".join(map(_fold_char, text)))


def normalise(text: str, *, folded: str | None = None) -> Normalised:
    """Fold ``text`` into its canonical matchable form, keeping each character's original offset.

    ``folded``, when given, must be ``fold(text)``: a caller that already has it
    (the lexicon's plain view) saves steps 1 to 4.
    """
    if folded is None:
        folded = fold(text)
    visible, visible_at = drop_invisible(folded)
    stripped, stripped_at = strip_separators(fold_leet(visible))
    if len(visible) == len(folded):  # nothing invisible: visible_at is the identity
        return Normalised(original=text, text=stripped, index=stripped_at)
    return Normalised(original=text, text=stripped, index=tuple(visible_at[i] for i in stripped_at))


# --- pinyin views -----------------------------------------------------------------


@lru_cache(maxsize=_CACHE)
def _pinyin_char(char: str) -> str:
    """Toneless lowercase pinyin of one Han character (its first reading), else the character."""
    if not _HAN_CHAR.fullmatch(char):
        return char
    syllable = "".join(lazy_pinyin(char, style=Style.NORMAL, errors="default")).lower()
    return syllable if syllable.isascii() and syllable.isalpha() else char


@lru_cache(maxsize=_CACHE)
def _initial_char(char: str) -> str:
    syllable = _pinyin_char(char)
    return syllable[0] if syllable != char else char


def pinyin_view(n: Normalised) -> Normalised:
    """Each Han character of ``n.text`` as its toneless pinyin, everything else kept, no separators.

    Every pinyin letter maps to the original offset of the character it came
    from, so a match on ``shabi`` in the view of ``你个煞笔`` spans (2, 4).
    """
    syllables = list(map(_pinyin_char, n.text))
    text = "".join(syllables)
    if len(text) == len(n.text) == len(n.index):  # every syllable one letter: the offsets are n's
        return Normalised(original=n.original, text=text, index=n.index)
    index = tuple(chain.from_iterable(starmap(repeat, zip(n.index, map(len, syllables), strict=True))))
    return Normalised(original=n.original, text=text, index=index)


def initials(n: Normalised) -> Normalised:
    """Each Han character of ``n.text`` as the first letter of its pinyin (傻逼 to sb, 你妈 to nm)."""
    return Normalised(original=n.original, text="".join(map(_initial_char, n.text)), index=n.index)
