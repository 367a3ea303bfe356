"""``faircollect risk train-book | scores | report``: the book models inside the product.

A Typer app whose commands the ``risk`` command group mounts (``app.add_typer(risk_book_cli.app)``
in ``entrypoints/risk_cli.py``). Errors are raised as the platform's own (``Conflict``,
``BadInput``...) and mapped to exit status and a reason by ``entrypoints.cli.main``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from faircollect.adapters.model_files import ModelDirectory
from faircollect.bootstrap import Platform, bootstrap
from faircollect.domain.errors import Conflict
from faircollect.domain.scoring import BANDS

app = typer.Typer(help="Book models: early warning for current accounts, cure for delinquent ones.")

out = Console()
err = Console(stderr=True)


def _date(text: str, option: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date YYYY-MM-DD", param_hint=option) from None


@contextmanager
def _platform() -> Iterator[Platform]:
    platform = bootstrap()
    try:
        yield platform
    finally:
        platform.close()


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@app.command("train-book")
def train_book(
    as_of: Annotated[str, typer.Option("--as-of", help="train on what the book knew on this date")],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="directory for the model files (default FAIRCOLLECT_MODELS_DIR)"),
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of the learner and of the loan sample")] = 0,
    dates: Annotated[int, typer.Option(min=2, help="past dates to take accounts and outcomes from")] = 26,
    every: Annotated[int, typer.Option(min=1, help="days between those dates")] = 14,
    backtest: Annotated[
        bool, typer.Option(help="also train on the earlier dates only and test on the latest (out of time)")
    ] = True,
    folds: Annotated[
        int | None, typer.Option(min=2, help="cross-validation folds of the risk library (default 5)")
    ] = None,
    activate: Annotated[bool, typer.Option(help="make the new models the ones the daily cycle uses")] = True,
) -> None:
    """Train the early-warning and cure models on the ingested book; print their held-out AUC and KS."""
    from faircollect.services.book_models import train_book_models

    day = _date(as_of, "--as-of")
    with _platform() as platform:
        files = ModelDirectory(out_dir) if out_dir is not None else platform.models
        results = train_book_models(
            uow=platform.uow(),
            files=files,
            as_of=day,
            now=platform.clock.now(),
            seed=seed,
            dates=dates,
            every=every,
            backtest=backtest,
            folds=folds,
            activate=activate,
            actor="cli:risk",
            progress=lambda message: err.print(f"[dim]{message}[/dim]"),
        )
    table = Table(title=f"book models trained on the book as of {day}")
    columns = (
        "kind",
        "version",
        "rows",
        "bad outcomes",
        "held-out AUC",
        "KS",
        "out-of-time AUC",
        "KS ",
        "tested on",
    )
    for col in columns:
        table.add_column(col, justify="left" if col in ("kind", "version", "tested on") else "right")
    for r in results:
        if r.skipped:
            table.add_row(r.kind, "not trained", "-", "-", "-", "-", "-", "-", r.skipped)
            continue
        e = r.evaluation
        span = f"{e.test_dates[0]} .. {e.test_dates[1]} ({e.rows:,} rows)" if e and e.test_dates else "-"
        table.add_row(
            r.kind,
            r.version or "-",
            f"{r.rows:,}",
            f"{r.positives:,}",
            _figure(r.holdout_auc),
            _figure(r.holdout_ks),
            _figure(e.auc if e else None),
            _figure(e.ks if e else None),
            span,
        )
    out.print(table)
    out.print(
        "held-out: the stored model on a random fifth of its rows, set aside before training; "
        "out of time: a model trained on the earlier dates only, scored on the latest dates "
        "(early warning: 30+ days past due within 60 days; cure: not cured within 30 days)",
        style="dim",
    )
    for r in results:
        if r.version:
            state = "active" if r.active else "stored, not active"
            out.print(f"{r.kind}: {r.path} ({state})", markup=False)
    if not any(r.version for r in results):
        raise Conflict(
            f"no book model could be trained as of {day}: " + "; ".join(r.skipped or "" for r in results)
        )


@app.command("scores")
def scores(
    as_of: Annotated[str, typer.Option("--as-of", help="the cycle date")],
    out_file: Annotated[Path | None, typer.Option("--out", help="write the scores as CSV")] = None,
) -> None:
    """Accounts per model and band on one cycle date; with --out, every score and its reasons."""
    day = _date(as_of, "--as-of")
    with _platform() as platform, platform.uow() as uow:
        frame = uow.risk.scores(as_of=day)
    if frame.height == 0:
        out.print(f"no scores stored for {day}")
        return
    table = Table(title=f"accounts scored on {day}")
    table.add_column("kind")
    table.add_column("model")
    for band in BANDS:
        table.add_column(band, justify="right")
    counts = frame.group_by("kind", "model_version", "band").len()
    for (kind, version), part in counts.group_by("kind", "model_version", maintain_order=True):
        mine = dict(part.select("band", "len").iter_rows())
        table.add_row(str(kind), str(version), *(f"{mine.get(b, 0):,}" for b in BANDS))
    out.print(table)
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        frame.write_csv(out_file)
        out.print(f"wrote {frame.height:,} scores to {out_file}")


@app.command("models")
def models() -> None:
    """Every book model stored, newest last, and which one of each kind is active."""
    with _platform() as platform, platform.uow() as uow:
        records = uow.risk.models()
        active = {r.version for r in uow.risk.active_models().values()}
    if not records:
        out.print("no book model is trained yet (run 'faircollect risk train-book --as-of DATE')")
        return
    table = Table(title="book models")
    for col in ("version", "kind", "trained on", "held-out AUC", "cut-offs", "active"):
        table.add_column(col)
    for r in records:
        held = r.metrics.get("held_out", {})
        table.add_row(
            r.version,
            r.kind,
            r.trained_on.isoformat(),
            _figure(held.get("auc")),
            json.dumps(list(r.cutoffs)),
            "yes" if r.version in active else "",
        )
    out.print(table)


def _bar(value: float, top: float, width: int = 30) -> str:
    return "█" * max(1, round(width * value / top)) if top > 0 and value > 0 else ""


@app.command("report")
def report(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="the cycle date to look at (default: the latest scored)")
    ] = None,
    weeks: Annotated[int, typer.Option(min=1, help="weeks of AUC, among those whose outcomes arrived")] = 12,
    out_file: Annotated[Path, typer.Option("--out", help="the HTML page with the charts")] = Path(
        "risk-report.html"
    ),
) -> None:
    """Drift of the active book models (PSI of score and features) and their AUC by week; warns past thresholds."""
    from faircollect.entrypoints.risk_report_html import render
    from faircollect.risk.drift import PSI_WARNING
    from faircollect.services.risk_report import risk_report

    day = _date(as_of, "--as-of") if as_of else None
    with _platform() as platform:
        result = risk_report(uow=platform.uow(), as_of=day, weeks=weeks)
    if result.note:
        out.print(result.note, markup=False)
    for k in result.kinds:
        out.print(
            f"[bold]{k.kind}[/bold] model {k.version} (trained on {k.trained_on}), {k.accounts:,} accounts"
        )
        if k.score is not None:
            out.print(f"  score PSI {k.score.psi:.3f} ({k.score.level})")
        top = max([PSI_WARNING, *(s.psi for s in k.features)])
        for s in k.features[:8]:
            out.print(f"  {s.name:>22} {s.psi:6.3f} {_bar(s.psi, top)}", markup=False)
        if not k.weeks:
            out.print("  AUC by week: no week has outcomes yet")
        for w in k.weeks:
            figure = "-" if w.auc is None else f"{w.auc:.3f}"
            bar = _bar((w.auc or 0.5) - 0.5, 0.5)
            out.print(f"  week of {w.week}: AUC {figure} {bar} ({w.rows:,} accounts)", markup=False)
        expected = "-" if k.expected_auc is None else f"{k.expected_auc:.3f}"
        out.print(f"  AUC when trained (out of time): {expected}")
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False)
    if result.kinds and not result.warnings:
        out.print("no drift past its threshold")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(render(result), encoding="utf-8")
    out.print(f"charts written to {out_file}")
