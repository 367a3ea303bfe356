"""Small interchange folders for tests, made by editing the hand-checked ``basic`` book."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

BASIC = Path(__file__).parent / "fixtures" / "books" / "basic"


class Book:
    """A copy of a fixture book that a test may edit cell by cell or row by row."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def basic(cls, tmp: Path, name: str = "book") -> Book:
        target = tmp / name
        shutil.copytree(BASIC, target)
        return cls(target)

    def rows(self, file: str) -> list[dict[str, str]]:
        with (self.folder / file).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    def write(self, file: str, rows: list[dict[str, str]], header: list[str] | None = None) -> None:
        header = header or list(rows[0])
        with (self.folder / file).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    def set(self, file: str, line: int, column: str, value: str) -> Book:
        """Set one cell; ``line`` counts as in the file (the header is line 1)."""
        rows = self.rows(file)
        rows[line - 2][column] = value
        self.write(file, rows)
        return self

    def append(self, file: str, **cells: str) -> Book:
        rows = self.rows(file)
        header = list(rows[0]) if rows else list(cells)
        rows.append({h: cells.get(h, "") for h in header})
        self.write(file, rows, header)
        return self

    def drop_row(self, file: str, line: int) -> Book:
        rows = self.rows(file)
        del rows[line - 2]
        self.write(file, rows)
        return self

    def drop_column(self, file: str, column: str) -> Book:
        rows = self.rows(file)
        for r in rows:
            del r[column]
        self.write(file, rows)
        return self

    def raw(self, file: str, data: bytes) -> Book:
        (self.folder / file).write_bytes(data)
        return self
