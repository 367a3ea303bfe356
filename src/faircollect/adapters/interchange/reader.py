"""Read an interchange v1 folder into string frames, keeping where every row sits in its file.

The common case (no quotes, no blank lines, every line with the header's
number of fields) is read by Polars at full speed and line N+2 is row N. Any
other file is read by the standard ``csv`` module, which tracks the exact line
of every record (quoted fields may span lines) and names ragged lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import polars as pl

from faircollect.interchange.spec import FILES, RawBook, RawTable
from faircollect.interchange.validate import LINE

Problem = tuple[str, int | None, str | None, str]
BOM = b"\xef\xbb\xbf"


def read_folder(folder: Path) -> RawBook:
    """Every interchange file of ``folder``; problems (missing files, bad encoding...) as data."""
    problems: list[Problem] = []
    warnings: list[str] = []
    tables: dict[str, RawTable] = {}
    if not folder.is_dir():
        return RawBook(str(folder), {}, [(str(folder), None, None, "not a folder")], [])
    known: set[str] = set()
    for spec in FILES:
        candidates = [folder / f"{spec.name}.csv", folder / f"{spec.name}.parquet"]
        found = [p for p in candidates if p.is_file()]
        known.update(p.name for p in candidates)
        if len(found) > 1:
            problems.append((found[0].name, None, None, f"both {spec.name}.csv and .parquet given; send one"))
            continue
        if not found:
            if spec.required:
                problems.append((f"{spec.name}.csv", None, None, "required file missing"))
            continue
        path = found[0]
        if path.suffix == ".csv":
            table, file_problems = _read_csv(spec.name, path)
        else:
            table, file_problems = _read_parquet(spec.name, path)
        problems += file_problems
        if table is None:
            continue
        expected = set(spec.column_names)
        frame = table.frame
        assert isinstance(frame, pl.DataFrame)
        extra = [c for c in frame.columns if c not in expected and c != LINE]
        if extra:
            warnings.append(f"{path.name}: unknown columns ignored: {', '.join(extra)}")
            frame = frame.drop(extra)
            table = RawTable(table.name, table.label, frame, table.digest, table.line_word)
        tables[spec.name] = table
    for other in sorted(folder.iterdir()):
        if other.is_file() and other.name not in known and other.suffix in (".csv", ".parquet"):
            warnings.append(f"{other.name}: not an interchange v1 file; ignored")
    return RawBook(str(folder), tables, problems, warnings)


def _read_csv(name: str, path: Path) -> tuple[RawTable | None, list[Problem]]:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(BOM):
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [(path.name, line, None, "not valid UTF-8")]
    if not text.strip():
        return None, [(path.name, 1, None, "empty file: no header row")]
    header_end = data.find(b"\n")
    header = next(csv.reader([text[: header_end if header_end >= 0 else len(text)].rstrip("\r")]))
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        return None, [(path.name, 1, d, "column appears twice in the header") for d in dupes]
    if _simple(data, len(header)):
        try:
            frame = pl.read_csv(io.BytesIO(data), infer_schema=False, quote_char=None)
        except pl.exceptions.PolarsError:
            pass  # the exact reader below names the line
        else:
            frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias(LINE))
            return RawTable(name, path.name, frame, digest), []
    return _read_csv_exact(name, path, text, header, digest)


def _simple(data: bytes, fields: int) -> bool:
    """True when Polars' fast path gives exact line numbers and no ragged row can hide."""
    if b'"' in data or b"\n\n" in data or b"\n\r\n" in data:
        return False
    body = data.rstrip(b"\r\n")
    lines = body.count(b"\n") + 1
    return body.count(b",") == (fields - 1) * lines


def _read_csv_exact(
    name: str, path: Path, text: str, header: list[str], digest: str
) -> tuple[RawTable | None, list[Problem]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    columns: list[list[str | None]] = [[] for _ in header]
    lines: list[int] = []
    start = 1
    try:
        next(reader)
        start = reader.line_num + 1
        for record in reader:
            if not record or (record == [""] and len(header) > 1):
                start = reader.line_num + 1
                continue
            if len(record) != len(header):
                problems.append(
                    (path.name, start, None, f"has {len(record)} fields, the header has {len(header)}")
                )
            else:
                for i, cell in enumerate(record):
                    columns[i].append(cell if cell != "" else None)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append((path.name, start, None, f"malformed CSV: {exc}"))
    frame = pl.DataFrame(
        {h: pl.Series(h, col, dtype=pl.String) for h, col in zip(header, columns, strict=True)}
    ).with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
    return RawTable(name, path.name, frame, digest), problems


def _read_parquet(name: str, path: Path) -> tuple[RawTable | None, list[Problem]]:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # the Parquet reader raises several error types
        return None, [(path.name, None, None, f"not a readable Parquet file: {exc}")]
    as_text = []
    for col, dtype in frame.schema.items():
        expr = pl.col(col)
        if dtype == pl.Date:
            expr = expr.dt.to_string("%Y-%m-%d")
        elif dtype == pl.Boolean:
            expr = pl.when(expr).then(pl.lit("true")).when(~expr).then(pl.lit("false"))
        else:
            expr = expr.cast(pl.String)
        as_text.append(pl.when(expr != "").then(expr).alias(col))
    frame = frame.select(as_text).with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 1).alias(LINE))
    return RawTable(name, path.name, frame, digest, line_word="row"), []
