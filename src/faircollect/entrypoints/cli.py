"""The ``faircollect`` command. Forms fixed by ``shared/spec/cli.md``; exit 0 ok, 2 bad input, 1 else."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn
from zoneinfo import ZoneInfo

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from faircollect.adapters.interchange.reader import read_folder
from faircollect.bootstrap import Platform, bootstrap
from faircollect.domain.errors import BadInput, Conflict, FaircollectError, NotFound
from faircollect.domain.money import AmountFormatError, format_grouped, format_minor, parse_minor
from faircollect.entrypoints import policy_cli, risk_cli
from faircollect.services import daily_cycle, evidence, export, ingest, payments

if TYPE_CHECKING:  # the book models (and their learners) are imported only by the commands that train
    from faircollect.services.book_models import TrainedModel

app = typer.Typer(
    name="faircollect",
    help="Lawful, humane collections for consumer-installment lenders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
export_app = typer.Typer(help="Write views of the book.", no_args_is_help=True)
payments_app = typer.Typer(help="Post or reverse single payments (re-grades at once).", no_args_is_help=True)
evidence_app = typer.Typer(help="The tamper-evident record.", no_args_is_help=True)
book_app = typer.Typer(help="Sample loan books.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(payments_app, name="payments")
app.add_typer(evidence_app, name="evidence")
app.add_typer(book_app, name="book")
app.add_typer(db_app, name="db")
app.add_typer(policy_cli.app, name="policy", help="The compliance gate: decide, test and lint policy packs.")
app.add_typer(risk_cli.app, name="risk", help="Default-risk models: train on any table, score with reasons.")

out = Console()
err = Console(stderr=True)


class UsageProblem(Exception):
    """Bad command-line input: exit status 2."""


def _date(text: str, option: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise UsageProblem(f"{option}: {text!r} is not a date YYYY-MM-DD") from None


@contextmanager
def _platform() -> Iterator[Platform]:
    platform = bootstrap()
    try:
        yield platform
    finally:
        platform.close()


def _today(platform: Platform) -> date:
    return platform.clock.now().astimezone(ZoneInfo(platform.settings.default_timezone)).date()


AsOf = Annotated[str, typer.Option("--as-of", help="the as-of date, YYYY-MM-DD")]


@app.command("ingest")
def ingest_cmd(folder: Annotated[Path, typer.Argument(help="a loan-book folder in interchange v1")]) -> None:
    """Import a loan-book folder in one transaction: it lands whole or not at all."""
    raw = read_folder(folder)
    for warning in raw.warnings:
        err.print(f"warning: {warning}", markup=False)
    with _platform() as platform:
        report = ingest.ingest(uow=platform.uow(), raw=raw, actor="cli:ingest", now=platform.clock.now())
    table = Table(title=f"ingested {folder}")
    for col in ("table", "new", "changed", "unchanged"):
        table.add_column(col, justify="right" if col != "table" else "left")
    for name, c in report.counts.items():
        table.add_row(name, str(c.new), str(c.changed), str(c.unchanged))
    out.print(table)
    if not report.changed_anything:
        out.print("nothing changed: the book already held these rows")


@app.command("run-day")
def run_day_cmd(
    as_of: AsOf,
    force: Annotated[bool, typer.Option(help="run a date earlier than the latest one run")] = False,
) -> None:
    """Run the daily cycle for one date; a rerun of the same date changes nothing."""
    day = _date(as_of, "--as-of")
    with _platform() as platform:
        report = daily_cycle.run_day(
            uow=platform.uow(),
            as_of=day,
            clock=platform.clock,
            edges=platform.settings.bucket_edges,
            force=force,
            models=platform.models,
        )
    if report.already_ran:
        out.print(f"the cycle for {day} already ran: nothing changed, nothing sent")
    _print_buckets(report)
    _print_scoring(report)


def _print_scoring(report: daily_cycle.CycleReport) -> None:
    """Accounts scored per model and band, and any kind left unscored with the reason."""
    scoring = report.scoring
    if scoring is None:
        return
    if scoring.kinds:
        table = Table(
            title=f"risk scores on {report.as_of} ({scoring.scored:,} accounts, each with its reasons)"
        )
        table.add_column("model")
        table.add_column("version")
        bands = list(scoring.kinds[0].bands)
        for band in bands:
            table.add_column(band, justify="right")
        for k in scoring.kinds:
            table.add_row(k.kind, k.version, *(f"{k.bands[b]:,}" for b in bands))
        out.print(table)
    reasons = sorted(set(scoring.skipped.values()))
    if reasons and not scoring.kinds:
        out.print(f"scoring skipped: {reasons[0]}", markup=False)
    else:
        for kind, why in scoring.skipped.items():
            out.print(f"{kind} scoring skipped: {why}", markup=False)


def _print_buckets(report: daily_cycle.CycleReport) -> None:
    table = Table(title=f"accounts on {report.as_of} ({report.loans} loans, {report.moves} bucket moves)")
    for col in ("bucket", "currency", "accounts", "overdue", "outstanding"):
        table.add_column(col, justify="left" if col in ("bucket", "currency") else "right")
    for line in report.buckets:
        table.add_row(
            line.bucket,
            line.currency,
            f"{line.accounts:,}",
            format_grouped(line.overdue_amount),
            format_grouped(line.outstanding_total),
        )
    out.print(table)


@export_app.command("accounts")
def export_accounts_cmd(
    as_of: AsOf,
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write")],
) -> None:
    """Write the as-of view of every loan as CSV, sorted by loan_id."""
    day = _date(as_of, "--as-of")
    with _platform() as platform:
        frame = export.export_accounts(uow=platform.uow(), as_of=day, edges=platform.settings.bucket_edges)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(out_file)
    out.print(f"wrote {frame.height:,} accounts as of {day} to {out_file}")


def _amount(text: str) -> int:
    try:
        return parse_minor(text)
    except AmountFormatError as exc:
        raise UsageProblem(f"--amount: {exc}") from None


@payments_app.command("post")
def payments_post(
    loan: Annotated[str, typer.Option(help="loan_id")],
    payment_id: Annotated[str, typer.Option("--id", help="a new payment_id")],
    paid_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    amount: Annotated[str, typer.Option(help="decimal amount, e.g. 523.40")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="re-grade as of (default today)")] = None,
) -> None:
    """Post one payment and re-grade its account at once."""
    with _platform() as platform:
        day = _date(as_of, "--as-of") if as_of else _today(platform)
        result = payments.post_payment(
            uow=platform.uow(),
            loan_id=loan,
            payment_id=payment_id,
            paid_on=_date(paid_on, "--paid-on"),
            amount=_amount(amount),
            as_of=day,
            now=platform.clock.now(),
            actor="cli:payments",
            edges=platform.settings.bucket_edges,
        )
    _print_regrade(result)


@payments_app.command("reverse")
def payments_reverse(
    payment: Annotated[str, typer.Option(help="payment_id to cancel")],
    reversal_id: Annotated[str, typer.Option("--id", help="a new payment_id for the reversing row")],
    paid_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="re-grade as of (default today)")] = None,
) -> None:
    """Reverse one payment (a bounced debit) and re-grade its account at once."""
    with _platform() as platform:
        day = _date(as_of, "--as-of") if as_of else _today(platform)
        result = payments.reverse_payment(
            uow=platform.uow(),
            payment_id=payment,
            reversal_id=reversal_id,
            paid_on=_date(paid_on, "--paid-on"),
            as_of=day,
            now=platform.clock.now(),
            actor="cli:payments",
            edges=platform.settings.bucket_edges,
        )
    _print_regrade(result)


def _print_regrade(result: payments.Regrade) -> None:
    a = result.after
    before = result.before.bucket if result.before else "-"
    out.print(
        f"{result.loan_id}: {before} -> {a.bucket}, dpd {a.dpd}, overdue {format_minor(a.overdue_amount)}, "
        f"outstanding {format_minor(a.outstanding_total)}, {a.status}",
        markup=False,
    )


@evidence_app.command("verify")
def evidence_verify() -> None:
    """Walk the whole chain; name the first broken entry, if any (exit 1 then)."""
    with _platform() as platform:
        held, broken = evidence.verify_evidence(uow=platform.uow())
    if broken is None:
        out.print(f"evidence intact: {held:,} entries verified")
        return
    print(
        f"evidence BROKEN at entry {broken.seq}: {broken.reason} ({held:,} entries before it hold)",
        file=sys.stderr,
    )
    raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest migration."""
    with _platform():
        out.print("schema is at the newest migration")


@book_app.command("generate")
def book_generate(
    out_dir: Annotated[Path, typer.Argument(help="folder to write the interchange files into")],
    loans: Annotated[int, typer.Option(min=1)] = 2000,
    seed: Annotated[int, typer.Option()] = 7,
    until: Annotated[str | None, typer.Option(help="last day of payment history (default today)")] = None,
    years: Annotated[int, typer.Option(min=1, max=5, help="years of disbursals before --until")] = 2,
) -> None:
    """Write a seeded, reproducible sample book (Chinese borrowers, several products and behaviours)."""
    from faircollect.samplebook import generate_book

    end = _date(until, "--until") if until else datetime.now(ZoneInfo("Asia/Shanghai")).date()
    stats = generate_book(
        out_dir, loans=loans, seed=seed, first_disbursal=end - timedelta(days=365 * years), history_until=end
    )
    out.print(f"wrote a sample book of {stats.loans:,} loans to {out_dir}")


@app.command("screen")
def screen_cmd(
    lang: Annotated[str, typer.Option(help="zh, en or auto")] = "auto",
    json_out: Annotated[
        bool, typer.Option("--json", help="one JSON object per line (the default form)")
    ] = True,
    model: Annotated[bool, typer.Option(help="use the trained layer as well as the rules")] = True,
) -> None:
    """Screen messages read one per line on standard input; write one JSON object per line."""
    import json

    from faircollect.services.screening import LANGS, screen_messages

    if lang not in LANGS:
        raise UsageProblem(f"--lang: {lang!r} is not zh, en or auto")
    del json_out  # JSON lines is the contract's output; the flag is accepted as the contract names it
    lines = [line.rstrip("\r\n") for line in sys.stdin]
    for result in screen_messages(texts=lines, lang=lang, use_model=model):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the JSON API (and, as they arrive, the ops console and the borrower portal)."""
    import uvicorn

    from faircollect.entrypoints.api.app import create_app

    with _platform():  # brings the schema to the newest migration before serving
        pass
    uvicorn.run(create_app(), host=host, port=port)


@app.command("demo")
def demo(
    loans: Annotated[int, typer.Option(min=10, help="loans in the sample book")] = 3000,
    seed: Annotated[int, typer.Option(help="seed of the sample book")] = 7,
    days: Annotated[int, typer.Option(min=1, max=366, help="days of cycles to run, ending on --until")] = 42,
    until: Annotated[
        str | None, typer.Option(help="last cycle date (default today in Asia/Shanghai)")
    ] = None,
    book_dir: Annotated[Path, typer.Option("--dir", help="where to write the sample book")] = Path(
        "demo-book"
    ),
    train_after: Annotated[
        int, typer.Option(min=0, help="cycle days before the book models are trained (0: never)")
    ] = 14,
) -> None:
    """Build a sample book, ingest it, run the daily cycle over several weeks and summarise.

    After the first ``--train-after`` cycle days the early-warning and cure models are trained
    on the book as it stood that day; the later days score every account with them.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from faircollect.samplebook import generate_book
    from faircollect.services.book_models import train_book_models

    with _platform() as platform:
        end = _date(until, "--until") if until else _today(platform)
        start = end - timedelta(days=days - 1)
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=out) as progress:
            task = progress.add_task("building the sample book", total=None)

            def step(stage: str, done: int, total: int) -> None:
                progress.update(task, description=f"sample book: {stage}", completed=done, total=total)

            stats = generate_book(
                book_dir,
                loans=loans,
                seed=seed,
                first_disbursal=end - timedelta(days=730),
                history_until=end,
                progress=step,
            )
            progress.update(task, description="sample book written", completed=1, total=1)
            ingest_task = progress.add_task("ingesting", total=1)
            report = ingest.ingest(
                uow=platform.uow(), raw=read_folder(book_dir), actor="cli:demo", now=platform.clock.now()
            )
            progress.update(ingest_task, completed=1)
            with platform.uow() as uow:
                ran = set(uow.views.cycle_dates())
            latest = max(ran) if ran else None
            todo = [start + timedelta(days=d) for d in range(days)]
            todo = [d for d in todo if d not in ran and (latest is None or d > latest)]
            with platform.uow() as uow:
                trained_already = bool(uow.risk.active_models())
            train_on = todo[train_after - 1] if 0 < train_after <= len(todo) and not trained_already else None
            cycle_task = progress.add_task("daily cycle", total=len(todo))
            last_report = None
            trained: list[TrainedModel] = []
            for day in todo:
                progress.update(cycle_task, description=f"daily cycle {day}")
                last_report = daily_cycle.run_day(
                    uow=platform.uow(),
                    as_of=day,
                    clock=platform.clock,
                    edges=platform.settings.bucket_edges,
                    models=platform.models,
                )
                progress.advance(cycle_task)
                if day == train_on:
                    progress.update(cycle_task, description=f"training the book models as of {day}")
                    trained = train_book_models(
                        uow=platform.uow(),
                        files=platform.models,
                        as_of=day,
                        now=platform.clock.now(),
                        dates=13,  # a year of dates four weeks apart: half the rows, the demo stays short
                        every=28,
                        actor="cli:demo",
                        progress=lambda message: progress.update(cycle_task, description=message),
                    )
        out.print(
            f"sample book: {stats.borrowers:,} borrowers, {stats.loans:,} loans, {stats.installments:,} "
            f"installments, {stats.payments:,} payments ({stats.reversals:,} reversals), {stats.charges:,} "
            f"charges, {stats.contacts:,} contacts -> {book_dir}"
        )
        new_rows = sum(c.new for c in report.counts.values())
        out.print(f"ingested: {new_rows:,} new rows; cycles run: {len(todo)} ({start} .. {end})")
        if last_report is None:
            last_report = daily_cycle.run_day(
                uow=platform.uow(),
                as_of=max(ran),
                clock=platform.clock,
                edges=platform.settings.bucket_edges,
                models=platform.models,
            )
        _print_buckets(last_report)
        _print_bucket_chart(last_report)
        with platform.uow() as uow:
            moves = uow.views.moves(since=start)
        _print_moves(moves, start, end)
        _print_trained(trained)
        _print_scoring(last_report)
        _print_band_chart(last_report)
        out.print(
            "[dim]The ops console and the borrower portal come with the API issue; "
            "this demo stops at the summary.[/dim]"
        )


def _print_trained(trained: list[TrainedModel]) -> None:
    """The book models the demo trained: out-of-time and held-out AUC and KS of each."""
    for t in trained:
        if t.skipped:
            out.print(f"{t.kind} model not trained: {t.skipped}", markup=False)
            continue
        e = t.evaluation
        if e is None or e.auc is None or e.test_dates is None or e.train_dates is None:
            oot = "no out-of-time figures (too few outcomes)"
        else:
            oot = (
                f"out of time (trained on {e.train_dates[0]} .. {e.train_dates[1]}, tested on "
                f"{e.rows:,} accounts of {e.test_dates[0]} .. {e.test_dates[1]}): AUC {e.auc:.3f}, "
                f"KS {e.ks or 0:.3f}"
            )
        held = "" if t.holdout_auc is None else f"; held-out fifth: AUC {t.holdout_auc:.3f}"
        out.print(f"{t.kind} model {t.version}, {t.rows:,} training rows; {oot}{held}", markup=False)


def _print_band_chart(report: daily_cycle.CycleReport) -> None:
    scoring = report.scoring
    if scoring is None or not scoring.kinds:
        return
    widest = max((n for k in scoring.kinds for n in k.bands.values()), default=1) or 1
    for k in scoring.kinds:
        out.print(f"[bold]{k.kind} bands on {report.as_of}[/bold]")
        for band, n in k.bands.items():
            bar = "█" * max(1, round(40 * n / widest)) if n else ""
            out.print(f"  {band:>9} {bar} {n:,}")


def _print_bucket_chart(report: daily_cycle.CycleReport) -> None:
    counts: dict[str, int] = {}
    for line in report.buckets:
        counts[line.bucket] = counts.get(line.bucket, 0) + line.accounts
    widest = max(counts.values(), default=1)
    out.print(f"[bold]accounts by bucket on {report.as_of}[/bold]")
    for bucket, n in counts.items():
        bar = "█" * max(1, round(40 * n / widest)) if n else ""
        out.print(f"  {bucket:>4} {bar} {n:,}")


def _print_moves(moves: pl.DataFrame, start: date, end: date) -> None:
    if moves.height == 0:
        out.print("no bucket moves in the period")
        return
    pairs = (
        moves.with_columns(pl.col("from_bucket").fill_null("new"))
        .group_by("from_bucket", "to_bucket", "cause")
        .agg(pl.len().alias("moves"))
        .sort("moves", descending=True)
    )
    table = Table(title=f"bucket moves {start} .. {end}")
    for col in ("from", "to", "cause", "moves"):
        table.add_column(col, justify="right" if col == "moves" else "left")
    for frm, to, cause, n in pairs.head(15).iter_rows():
        table.add_row(frm, to, cause, f"{n:,}")
    out.print(table)


def _fail(code: int, message: str) -> NoReturn:
    print(message, file=sys.stderr)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command, map errors to exit status and a reason on stderr."""
    try:
        # Typer's standalone mode handles usage errors (exit 2) and --help itself.
        app(args=argv, prog_name="faircollect")
    except BadInput as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        _fail(2, f"refused: {len(exc.problems)} problem(s); nothing was imported or changed")
    except (UsageProblem, Conflict) as exc:
        _fail(2, f"error: {exc}")
    except NotFound as exc:
        _fail(2, f"error: {exc}")
    except FaircollectError as exc:
        _fail(1, f"error: {exc}")
    except Exception as exc:
        if os.environ.get("FAIRCOLLECT_DEBUG"):
            raise
        _fail(1, f"error: {type(exc).__name__}: {exc} (set FAIRCOLLECT_DEBUG=1 for the traceback)")


if __name__ == "__main__":
    main()
