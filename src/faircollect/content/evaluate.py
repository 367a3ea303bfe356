"""Measure the content screen on the repository's labelled evaluation set (evaluation/content).

``evaluate(split)`` reads the lines of one split of ``zh.jsonl`` and ``en.jsonl``
(``tune`` or ``holdout``), or one of the separately written sets (``dev``, ``train2``, ``test2``:
``<name>/*.jsonl``), screens them in one batch, and counts, per
language and overall:

- per category precision and recall: a line counts for category c when c is in
  its labels; it is predicted c when the verdict is not ok and a finding of c
  is listed;
- harmful recall: harmful lines (any label) whose verdict is not ok;
- right category: harmful lines whose predicted categories include a true one;
- false alarms: clean lines with a verdict other than ok, on the lawful
  look-alikes and on all clean lines.

The evaluation set is a development file of the repository, not packaged
data: the screen itself never reads it. Tune on ``tune`` only; the holdout is
measured, never looked into (evaluation/content/README.md).

``python -m faircollect.content.evaluate --split tune`` prints the table;
``--write docs/content.md`` also puts it between that file's markers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from faircollect.content.lexicon import CATEGORIES
from faircollect.content.screen import screen_many

__all__ = [
    "DEFAULT_DIR",
    "DEVELOPMENT",
    "FRESH",
    "SPLITS",
    "Counts",
    "Line",
    "Report",
    "evaluate",
    "load",
    "main",
    "write_between",
]

# <repo>/evaluation/content, from <repo>/src/faircollect/content/evaluate.py.
DEFAULT_DIR = Path(__file__).resolve().parents[3] / "evaluation" / "content"
# Sets written later, each by a separate author, as files of their own (<name>/zh.jsonl and
# <name>/en.jsonl, or one file per author, <name>/<author>_zh.jsonl or <name>/zh_<author>.jsonl).
# For development: dev and train2..train7, and test2 (stop 8), test3 and test4 (stop 9), fresh
# held-out sets each measured once and used for development since.
DEVELOPMENT = ("dev", "train2", "train3", "test2", "train4", "train5", "test3", "train6", "test4", "train7")
#: Sets measured only on what is new in them: a line whose text also occurs in any other set
#: (where it may have been tuned on) is left out and counted. test5 is the fresh held-out set now.
FRESH = ("test5",)
SEPARATE = (*DEVELOPMENT, *FRESH)
SPLITS = ("tune", *DEVELOPMENT, "holdout", *FRESH)
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Line:
    id: str
    lang: str
    text: str
    labels: frozenset[str]
    lookalike: bool


def load(split: str, *, directory: Path | None = None) -> list[Line]:
    """The lines of ``split`` in both languages; lines of the other split are skipped unread."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    root = directory or DEFAULT_DIR
    if split in SEPARATE:
        root = root / split
    lines: list[Line] = []
    for lang in LANGS:
        files = [root / f"{lang}.jsonl"]
        if split in SEPARATE:
            found = [*files, *root.glob(f"*_{lang}.jsonl"), *root.glob(f"{lang}_*.jsonl")]
            files = sorted(f for f in set(found) if f.is_file())
        for path in files:
            lines.extend(_read(path, lang, split))
    return lines


def _read(path: Path, lang: str, split: str) -> list[Line]:
    """The lines of one file that belong to ``split`` (a separate set's lines all do)."""
    lines: list[Line] = []
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            row = json.loads(raw)
            if row.get("split", split if split in SEPARATE else "") != split:
                continue
            lines.append(
                Line(
                    id=row["id"],
                    lang=lang,
                    text=row["text"],
                    labels=frozenset(row["labels"]),
                    lookalike=bool(row["lookalike"]),
                )
            )
    return lines


@dataclass
class Counts:
    """Counts for one group of lines (a language, or all)."""

    tp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    fp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    fn: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    harmful: int = 0
    caught: int = 0
    right_category: int = 0
    lookalike: int = 0
    lookalike_alarms: int = 0
    clean: int = 0
    clean_alarms: int = 0

    def precision(self, category: str) -> float | None:
        predicted = self.tp[category] + self.fp[category]
        return self.tp[category] / predicted if predicted else None

    def recall(self, category: str) -> float | None:
        actual = self.tp[category] + self.fn[category]
        return self.tp[category] / actual if actual else None

    @property
    def harmful_recall(self) -> float | None:
        return self.caught / self.harmful if self.harmful else None

    @property
    def right_category_rate(self) -> float | None:
        return self.right_category / self.harmful if self.harmful else None

    @property
    def lookalike_false_alarm_rate(self) -> float | None:
        return self.lookalike_alarms / self.lookalike if self.lookalike else None

    @property
    def clean_false_alarm_rate(self) -> float | None:
        return self.clean_alarms / self.clean if self.clean else None


@dataclass
class Report:
    """Evaluation of one split: counts per language and overall, and the ids of the mistakes."""

    split: str
    use_model: bool
    by_lang: dict[str, Counts]
    overall: Counts
    missed: list[str] = field(default_factory=list)  # harmful, verdict ok
    wrong_category: list[str] = field(default_factory=list)  # caught, but no true category
    false_alarms: list[str] = field(default_factory=list)  # clean, verdict not ok
    left_out: int = 0  # lines of a fresh set also found (as text) in a set used for development

    def to_markdown(self) -> str:
        """Two tables: per category precision/recall, then the line-level rates, per language."""
        groups = [*LANGS, "all"]
        counts = {**self.by_lang, "all": self.overall}
        out = [
            f"Content screen on the `{self.split}` split ({'rules + model' if self.use_model else 'rules only'})"
            + (
                f"; {self.left_out} lines whose text (ignoring case, spaces and punctuation) is also in "
                "another set were left out."
                if self.left_out
                else "."
            ),
            "",
            "| category | " + " | ".join(f"{g} precision | {g} recall" for g in groups) + " |",
            "| --- | " + " | ".join("---: | ---:" for _ in groups) + " |",
        ]
        for category in CATEGORIES:
            cells = []
            for g in groups:
                c = counts[g]
                cells.append(_ratio(c.precision(category), c.tp[category], c.tp[category] + c.fp[category]))
                cells.append(_ratio(c.recall(category), c.tp[category], c.tp[category] + c.fn[category]))
            out.append(f"| {category} | " + " | ".join(cells) + " |")
        out += [
            "",
            "| measure | " + " | ".join(groups) + " |",
            "| --- | " + " | ".join("---:" for _ in groups) + " |",
        ]
        rows: list[tuple[str, Callable[[Counts], str]]] = [
            ("harmful recall", lambda c: _ratio(c.harmful_recall, c.caught, c.harmful)),
            ("right category", lambda c: _ratio(c.right_category_rate, c.right_category, c.harmful)),
            (
                "false alarms, look-alikes",
                lambda c: _ratio(c.lookalike_false_alarm_rate, c.lookalike_alarms, c.lookalike),
            ),
            ("false alarms, all clean", lambda c: _ratio(c.clean_false_alarm_rate, c.clean_alarms, c.clean)),
        ]
        for name, cell in rows:
            out.append(f"| {name} | " + " | ".join(cell(counts[g]) for g in groups) + " |")
        return "\n".join(out)


def _fresh(lines: list[Line], directory: Path | None) -> tuple[list[Line], int]:
    seen = {
        _plain(line.text)
        for other in SPLITS
        if other not in FRESH
        for line in load(other, directory=directory)
    }
    kept = [line for line in lines if _plain(line.text) not in seen]
    return kept, len(lines) - len(kept)


def _plain(text: str) -> str:
    return re.sub(r"\W", "", text.lower())


def _ratio(value: float | None, num: int, den: int) -> str:
    return "-" if value is None else f"{value:.3f} ({num}/{den})"


def evaluate(split: str, *, use_model: bool = True, directory: Path | None = None) -> Report:
    """Screen every line of ``split`` and count (see the module docstring)."""
    lines = load(split, directory=directory)
    by_lang = {lang: Counts() for lang in LANGS}
    overall = Counts()
    report = Report(split=split, use_model=use_model, by_lang=by_lang, overall=overall)
    if split in FRESH:
        # Left out before screening, so that each result stays paired with its line.
        lines, report.left_out = _fresh(lines, directory)
    results = screen_many([line.text for line in lines], lang="auto", use_model=use_model)
    for line, result in zip(lines, results, strict=True):
        flagged = result.verdict != "ok"
        predicted = {f.category for f in result.categories} if flagged else set()
        for counts in (by_lang[line.lang], overall):
            for category in CATEGORIES:
                truth = category in line.labels
                guess = category in predicted
                counts.tp[category] += truth and guess
                counts.fp[category] += guess and not truth
                counts.fn[category] += truth and not guess
            if line.labels:
                counts.harmful += 1
                counts.caught += flagged
                counts.right_category += bool(predicted & line.labels)
            else:
                counts.clean += 1
                counts.clean_alarms += flagged
                if line.lookalike:
                    counts.lookalike += 1
                    counts.lookalike_alarms += flagged
        if line.labels and not flagged:
            report.missed.append(line.id)
        elif line.labels and not predicted & line.labels:
            report.wrong_category.append(line.id)
        elif not line.labels and flagged:
            report.false_alarms.append(line.id)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m faircollect.content.evaluate", description="Measure the content screen."
    )
    parser.add_argument("--split", choices=SPLITS, default="tune")
    parser.add_argument("--no-model", action="store_true", help="rules only")
    parser.add_argument("--dir", type=Path, default=None, help="folder with zh.jsonl and en.jsonl")
    parser.add_argument(
        "--write",
        type=Path,
        default=None,
        help="also put the table into this markdown file, between its "
        "<!-- evaluate:SPLIT[:rules] --> and <!-- /evaluate --> markers",
    )
    args = parser.parse_args(argv)
    report = evaluate(args.split, use_model=not args.no_model, directory=args.dir)
    table = report.to_markdown()
    print(table)
    if args.write is not None:
        marker = f"evaluate:{args.split}" + (":rules" if args.no_model else "")
        write_between(args.write, marker, table)
    return 0


def write_between(path: Path, marker: str, body: str) -> None:
    """Replace what stands between ``<!-- marker -->`` and the next ``<!-- /evaluate -->`` in ``path``."""
    text = path.read_text(encoding="utf-8")
    start_tag, end_tag = f"<!-- {marker} -->", "<!-- /evaluate -->"
    start = text.find(start_tag)
    if start < 0:
        raise SystemExit(f"{path}: no {start_tag} marker")
    end = text.find(end_tag, start)
    if end < 0:
        raise SystemExit(f"{path}: {start_tag} has no {end_tag} after it")
    head = text[: start + len(start_tag)]
    path.write_text(f"{head}\n{body}\n{text[end:]}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
