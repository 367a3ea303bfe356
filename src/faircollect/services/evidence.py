"""Checking the tamper-evident record end to end."""

from __future__ import annotations

from faircollect.domain.evidence import ChainBreak, verify_chain
from faircollect.services.ports import UnitOfWork


def verify_evidence(*, uow: UnitOfWork) -> tuple[int, ChainBreak | None]:
    """How many entries hold, and the first broken one if any."""
    with uow:
        entries = uow.evidence.entries()
        try:
            return verify_chain(entries)
        finally:
            entries.close()
