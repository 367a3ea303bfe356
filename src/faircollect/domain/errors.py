"""Errors of the domain, as data where the caller must see all of them at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One thing wrong with an input: which file, line and column, and why."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f" [{self.column}]"
        return f"{where}: {self.reason}"


class FaircollectError(Exception):
    """Base of every error the platform raises on purpose."""


class BadInput(FaircollectError):
    """Input that cannot be accepted; carries every problem found, not only the first."""

    def __init__(self, problems: list[InputProblem] | InputProblem | str) -> None:
        if isinstance(problems, str):
            problems = [InputProblem(file="-", line=None, column=None, reason=problems)]
        elif isinstance(problems, InputProblem):
            problems = [problems]
        self.problems: list[InputProblem] = list(problems)
        head = str(self.problems[0]) if self.problems else "bad input"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(head + more)


class CurrencyMismatch(FaircollectError):
    """Two amounts of different currencies were combined."""


class NotFound(FaircollectError):
    """A referenced record does not exist."""


class Conflict(FaircollectError):
    """The request contradicts the current state (out-of-order cycle, duplicate id...)."""
