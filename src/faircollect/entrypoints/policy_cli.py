"""``faircollect policy``: ask the compliance gate, run the packs' tests, lint the packs.

Mounted by ``cli.py`` as ``app.add_typer(policy_cli.app, name="policy")``; runs on its own too
(``python -m faircollect.entrypoints.policy_cli check``). Exit status: 0 ok, 1 a pack test
failed, 2 bad input or a pack that does not load (the message names the field or parameter).

Packs come from ``--dir`` or ``FAIRCOLLECT_POLICY_DIR`` when given (a lender's own packs),
then from the repository's ``policies/packs``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from faircollect.domain.errors import BadInput, InputProblem
from faircollect.policy import PackError, PackLibrary, decide_json
from faircollect.policy.parse import parse_instant, parse_request
from faircollect.policy.testing import CaseResult, iter_cases, run_case

app = typer.Typer(
    help="The compliance gate: decide actions, run the packs' tests, lint the packs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out = Console()

ENV_DIR = "FAIRCOLLECT_POLICY_DIR"

PackOption = Annotated[str, typer.Option("--pack", help="the pack to ask when a request names none")]
DirOption = Annotated[
    Path | None,
    typer.Option("--dir", help=f"a directory of packs searched before the shipped ones (else ${ENV_DIR})"),
]


def library(directory: Path | None = None) -> PackLibrary:
    """The packs of ``directory`` (else ``$FAIRCOLLECT_POLICY_DIR``), then the shipped ones."""
    chosen = directory or (Path(os.environ[ENV_DIR]) if os.environ.get(ENV_DIR) else None)
    return PackLibrary(chosen) if chosen is not None else PackLibrary()


def _say(message: str) -> None:
    """One line on standard error, never wrapped (scripts read it)."""
    print(message, file=sys.stderr)


def _fail(message: str, status: int = 2) -> NoReturn:
    _say(message)
    raise typer.Exit(status)


def _bad(exc: BadInput) -> NoReturn:
    for problem in exc.problems:
        _say(f"error: {problem}")
    raise typer.Exit(2)


@app.command("check")
def check(
    pack: PackOption = "cn",
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="one request per line in, one decision per line out")
    ] = False,
    directory: DirOption = None,
) -> None:
    """Read a request (JSON) on standard input and print the gate's decision (JSON).

    With --jsonl: one request per line, one decision per line, in order. A bad line stops
    the run with exit status 2; the decisions printed before it stand.
    """
    packs = library(directory)
    try:
        packs.get(pack)
    except PackError as exc:
        _fail(f"error: --pack: {exc}")
    try:
        if not jsonl:
            text = sys.stdin.read()
            if not text.strip():
                raise BadInput(
                    InputProblem(file="stdin", line=None, column=None, reason="no request on standard input")
                )
            decision = decide_json(text, library=packs, default_pack=pack, source="stdin")
            sys.stdout.write(json.dumps(decision.to_json(), ensure_ascii=False) + "\n")
            return
        _check_lines(packs, pack)
    except BadInput as exc:
        _bad(exc)
    except PackError as exc:
        _fail(f"error: {exc}")


def _check_lines(packs: PackLibrary, default_pack: str) -> None:
    write = sys.stdout.write
    flush = sys.stdout.flush
    blank_since: int | None = None
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            blank_since = blank_since or number
            continue
        if blank_since is not None:
            raise BadInput(
                InputProblem(
                    file="stdin", line=blank_since, column=None, reason="empty line between requests"
                )
            )
        decision = decide_json(line, library=packs, default_pack=default_pack, source="stdin", line=number)
        write(json.dumps(decision.to_json(), ensure_ascii=False) + "\n")
        flush()


@app.command("test")
def run_tests(
    pack: Annotated[str | None, typer.Option("--pack", help="one pack (default: every pack)")] = None,
    directory: DirOption = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="list every case, not only failures")
    ] = False,
) -> None:
    """Run the packs' tests/*_test.yaml cases; exit 1 if any fails."""
    packs = library(directory)
    ids = [pack] if pack else packs.ids()
    results: list[CaseResult] = []
    summary = Table(title="policy pack tests")
    for col in ("pack", "version", "cases", "passed", "failed"):
        summary.add_column(col, justify="left" if col in ("pack", "version") else "right")
    try:
        for pack_id in ids:
            loaded = packs.get(pack_id)
            mine = [run_case(loaded, case) for case in iter_cases(loaded)]
            results.extend(mine)
            failed = sum(not r.passed for r in mine)
            summary.add_row(
                pack_id,
                loaded.version,
                str(len(mine)),
                str(len(mine) - failed),
                f"[red]{failed}[/]" if failed else "0",
            )
    except PackError as exc:
        _fail(f"error: {exc}")
    shown = [r for r in results if verbose or not r.passed]
    if shown:
        cases = Table(title="cases" if verbose else "failed cases", show_lines=True)
        for col in ("pack", "file", "case", "result", "detail"):
            cases.add_column(col, overflow="fold")
        for r in shown:
            cases.add_row(
                r.pack,
                r.file,
                r.name,
                "[green]pass[/]" if r.passed else "[red]FAIL[/]",
                "\n".join(r.problems),
            )
        out.print(cases)
    out.print(summary)
    if any(not r.passed for r in results):
        raise typer.Exit(1)


@app.command("lint")
def lint(directory: DirOption = None) -> None:
    """Load and validate every pack and its test cases; exit 2 naming each problem."""
    packs = library(directory)
    problems: list[str] = []
    loaded = cases = 0
    for pack_id in packs.ids():
        try:
            pack = packs.get(pack_id)
            pack_cases = list(iter_cases(pack))
        except PackError as exc:
            problems.append(str(exc))
            continue
        loaded += 1
        for case in pack_cases:
            cases += 1
            raw = dict(case.request)
            if case.now is not None:
                raw["now"] = case.now
            where = f"{pack_id}/tests/{case.file.name}: {case.name}"
            try:
                parse_request(raw, source=where)
            except BadInput as exc:
                problems.extend(str(p) for p in exc.problems)
            expected = case.expect.get("next_allowed_at")
            if expected is not None:
                try:
                    parse_instant(expected, field="expect.next_allowed_at", source=where)
                except BadInput as exc:
                    problems.extend(str(p) for p in exc.problems)
    if problems:
        for problem in problems:
            _say(f"error: {problem}")
        _fail(f"refused: {len(problems)} problem(s) in the packs")
    out.print(f"ok: {loaded} packs, {cases} test cases")


if __name__ == "__main__":
    app()
