"""Import a loan-book folder: all of it or nothing, every problem named, changes recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

from faircollect.domain.errors import BadInput, InputProblem
from faircollect.interchange.spec import FILES, Kind, RawBook
from faircollect.interchange.validate import LINE, RowProblem, check_book, parse_file, typed_schema
from faircollect.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class TableCounts:
    new: int
    changed: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an import did, table by table."""

    folder: str
    counts: dict[str, TableCounts]
    warnings: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return any(c.new or c.changed for c in self.counts.values())


def ingest(*, uow: UnitOfWork, raw: RawBook, actor: str, now: datetime) -> IngestReport:
    """Validate ``raw`` against itself and the stored book, then land it in one transaction."""
    labels = {name: t.label for name, t in raw.tables.items()}
    problems = [InputProblem(*p) for p in raw.problems]
    typed: dict[str, pl.DataFrame | None] = {}
    for spec in FILES:
        table = raw.tables.get(spec.name)
        if table is None:
            typed[spec.name] = None
            continue
        assert isinstance(table.frame, pl.DataFrame)
        frame, file_problems = parse_file(spec, table.frame)
        typed[spec.name] = frame
        problems += [_located(p, labels) for p in file_problems]
    with uow:
        uow.lock("book")
        empty = uow.book.is_empty()
        existing = {
            spec.name: (
                pl.DataFrame(schema=typed_schema(spec.name)) if empty else uow.book.load_table(spec.name)
            )
            for spec in FILES
        }
        if not problems:
            problems += [_located(p, labels) for p in check_book(typed, existing)]
        if problems:
            raise BadInput(sorted(problems, key=_order))
        counts: dict[str, TableCounts] = {}
        for spec in FILES:
            incoming = typed[spec.name]
            if incoming is None:
                continue
            counts[spec.name] = _land(
                uow, spec.name, incoming.drop(LINE), existing[spec.name], list(spec.key), actor, now
            )
        report = IngestReport(raw.folder, counts, raw.warnings)
        if report.changed_anything:
            uow.evidence.append(
                at=now,
                action="faircollect.book.imported",
                actor=actor,
                subject="book",
                payload={
                    "files": {t.label: t.digest for t in raw.tables.values()},
                    "counts": {
                        k: {"new": c.new, "changed": c.changed, "unchanged": c.unchanged}
                        for k, c in counts.items()
                    },
                },
            )
            uow.commit()
        return report


def _order(p: InputProblem) -> tuple[int, str, int]:
    rank = {f"{s.name}.{ext}": i for i, s in enumerate(FILES) for ext in ("csv", "parquet")}
    return (rank.get(p.file, -1), p.file, p.line or 0)


def _located(p: RowProblem, labels: dict[str, str]) -> InputProblem:
    return InputProblem(labels.get(p.file, f"{p.file}.csv"), p.line, p.column, p.reason)


def _sensitive_columns(name: str) -> set[str]:
    spec = next(s for s in FILES if s.name == name)
    return {c.name for c in spec.columns if c.kind is Kind.SENSITIVE}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _land(
    uow: UnitOfWork,
    name: str,
    incoming: pl.DataFrame,
    existing: pl.DataFrame,
    key: list[str],
    actor: str,
    now: datetime,
) -> TableCounts:
    """Insert new rows, update changed ones (each recorded as evidence), leave the same ones be."""
    if existing.height == 0:
        uow.book.insert(name, incoming)
        return TableCounts(incoming.height, 0, 0)
    new = incoming.join(existing.select(key), on=key, how="anti")
    both = incoming.join(existing, on=key, how="inner", suffix="__old", nulls_equal=True)
    others = [c for c in incoming.columns if c not in key]
    differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}__old")) for c in others])
    changed = both.filter(differs)
    uow.book.insert(name, new)
    uow.book.update(name, changed.select(incoming.columns))
    hidden = _sensitive_columns(name)
    for row in changed.iter_rows(named=True):
        diff = {
            c: ("(changed, withheld)" if c in hidden else [_plain(row[f"{c}__old"]), _plain(row[c])])
            for c in others
            if row[c] != row[f"{c}__old"]
        }
        subject = "/".join(str(row[k]) for k in key)
        uow.evidence.append(
            at=now,
            action="faircollect.book.row_updated",
            actor=actor,
            subject=f"{name}:{subject}",
            payload={"table": name, "key": {k: _plain(row[k]) for k in key}, "changes": diff},
        )
    return TableCounts(new.height, changed.height, both.height - changed.height)
