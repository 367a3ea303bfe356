"""Run a pack's ``tests/*_test.yaml`` cases; results are data (pytest and ``faircollect policy test``).

A case file is a list of cases::

    - name: "CN-HOURS: 22:00 exactly is outside"
      now: "2026-11-20T14:00:00Z"          # optional; else the request's now
      request: {...}                        # the request, exactly as the gate gets it
      expect:
        decision: deny                      # allow | review | deny
        rules: [CN-HOURS]                   # the exact set of deny and review rule ids
        next_allowed_at: "2026-11-21T00:00:00Z"   # optional; null checks that there is none

A case passes when the decision and the set of rule ids match, and, when the
case names it, ``next_allowed_at`` is the same instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faircollect.domain.errors import BadInput
from faircollect.policy.evaluate import evaluate
from faircollect.policy.facts import Screener, default_screener
from faircollect.policy.model import format_instant
from faircollect.policy.pack import Pack, PackError, read_checked
from faircollect.policy.parse import parse_instant, parse_request

__all__ = ["Case", "CaseResult", "compare", "load_cases", "run_case", "run_pack_tests", "wire_request"]


@dataclass(frozen=True, slots=True)
class Case:
    """One case of a test file."""

    file: Path
    index: int
    name: str
    now: str | None
    request: dict[str, Any]
    expect: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CaseResult:
    """How one case went: ``problems`` is empty exactly when it passed."""

    pack: str
    file: str
    name: str
    passed: bool
    problems: tuple[str, ...]
    expected: dict[str, Any]
    actual: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "file": self.file,
            "name": self.name,
            "passed": self.passed,
            "problems": list(self.problems),
            "expected": self.expected,
            "actual": self.actual,
        }


def load_cases(path: Path, *, pack_id: str = "?") -> list[Case]:
    """The cases of one file, schema-checked; ``PackError`` naming the file and the problem."""
    data, _ = read_checked(path, "test.schema.json", pack_id=pack_id, prefix=f"{path.name}: ")
    names: set[str] = set()
    cases = []
    for i, item in enumerate(data):
        if item["name"] in names:
            raise PackError(pack_id, f"{path.name}: case name {item['name']!r} is used twice", path=path)
        names.add(item["name"])
        cases.append(Case(path, i, item["name"], item.get("now"), item["request"], item["expect"]))
    return cases


def iter_cases(pack: Pack) -> Iterator[Case]:
    for path in pack.tests:
        yield from load_cases(path, pack_id=pack.id)


def wire_request(pack: Pack, case: Case) -> dict[str, Any]:
    """The case's request as a caller sends it to the CLI or the API: the pack named, ``now`` pinned."""
    raw = dict(case.request)
    if case.now is not None:
        raw["now"] = case.now
    raw["pack"] = pack.id
    return raw


def run_case(pack: Pack, case: Case, *, screener: Screener = default_screener) -> CaseResult:
    """Decide the case's request at its pinned ``now`` and compare with what it expects."""
    where = f"{case.file.name}[{case.index}]"
    raw = dict(case.request)
    if case.now is not None and raw.get("now") is None:
        raw["now"] = case.now
    problems: list[str] = []
    actual: dict[str, Any] | None = None
    try:
        request = parse_request(raw, source=f"{case.file.name}: {case.name}")
        now = request.now
        if case.now is not None:
            now = parse_instant(case.now, field="now", source=f"{case.file.name}: {case.name}")
        decision = evaluate(pack, request, now, screener=screener)
        actual = decision.to_json()
        problems.extend(compare(case.expect, actual))
    except BadInput as exc:
        problems.extend(f"bad input: {p}" for p in exc.problems)
    return CaseResult(
        pack=pack.id,
        file=where,
        name=case.name,
        passed=not problems,
        problems=tuple(problems),
        expected=case.expect,
        actual=actual,
    )


def run_pack_tests(pack: Pack, *, screener: Screener = default_screener) -> list[CaseResult]:
    """Every case of every test file of the pack, in file order."""
    return [run_case(pack, case, screener=screener) for case in iter_cases(pack)]


def compare(expect: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    """How an answer (the spec's JSON, from any face: library, CLI, API) differs from what a case
    expects; empty when it matches."""
    problems = []
    if answer["decision"] != expect["decision"]:
        problems.append(f"decision: expected {expect['decision']}, got {answer['decision']}")
    wanted = set(expect["rules"])
    got = {hit["id"] for hit in answer["rules"]}
    if wanted != got:
        missing = ", ".join(sorted(wanted - got)) or "-"
        extra = ", ".join(sorted(got - wanted)) or "-"
        problems.append(f"rules: missing {missing}; unexpected {extra}")
    if "next_allowed_at" in expect:
        want, shown = expect["next_allowed_at"], answer["next_allowed_at"]
        if want is None or shown is None:
            if want is not None or shown is not None:
                problems.append(f"next_allowed_at: expected {want}, got {shown}")
        else:
            try:
                wanted_at = parse_instant(want, field="expect.next_allowed_at")
            except BadInput as exc:
                problems.append(f"next_allowed_at: {exc.problems[0].reason}")
            else:
                if format_instant(wanted_at) != shown:
                    problems.append(f"next_allowed_at: expected {want}, got {shown}")
    return problems
