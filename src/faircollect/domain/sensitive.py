"""Personal data that masks itself: in repr, str, logs and pages; ``reveal()`` only where needed."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


def mask(text: str, keep: int = 4) -> str:
    """All but the last ``keep`` characters hidden (``**************1234``)."""
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]


class Sensitive(Generic[T]):
    """A value that is never shown whole by accident."""

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def reveal(self) -> T:
        """The value itself: call only at the adapter that must send or store it."""
        return self._value

    def masked(self) -> str:
        return mask(str(self._value))

    def __repr__(self) -> str:
        return f"Sensitive({self.masked()!r})"

    def __str__(self) -> str:
        return self.masked()

    def __format__(self, spec: str) -> str:
        return format(self.masked(), spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sensitive) and bool(other._value == self._value)

    def __hash__(self) -> int:
        return hash(self._value)
