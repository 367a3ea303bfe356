"""``faircollect risk train|score``: default-risk models on any CSV table (forms fixed by spec/cli.md).

Mounted by ``cli.py`` as ``app.add_typer(risk_cli.app, name="risk")``; runs on its own too
(``python -m faircollect.entrypoints.risk_cli train ...``). Exit status: 0 ok, 2 bad input
(the message names the file and column), 1 anything else.

CSV files are read with every row used to guess column types; empty cells and the usual
spellings of "missing" (NA, N/A, NaN, null, NULL, ?) are missing values.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from faircollect.domain.errors import BadInput, InputProblem
from faircollect.entrypoints import risk_book_cli
from faircollect.risk import Label, RiskModel, join_reasons, train

app = typer.Typer(
    help="Default-risk models: train a scorecard and a LightGBM challenger on any table, score with reasons.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(risk_book_cli.app)  # train-book, scores, models: the book models (risk_book_cli)

out = Console()  # results: the metrics table, what was written
err = Console(stderr=True)  # progress

NULLS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"]


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _fail(message: str, status: int = 2) -> NoReturn:
    _say(message)
    raise typer.Exit(status)


def _bad(exc: BadInput, source: Path) -> NoReturn:
    for problem in exc.problems:
        where = dataclasses.replace(problem, file=str(source)) if problem.file == "data" else problem
        _say(f"error: {where}")
    raise typer.Exit(2)


def read_table(path: Path) -> pl.DataFrame:
    """A CSV file as a frame; an unreadable file is ``BadInput`` naming it."""
    if not path.is_file():
        raise BadInput(InputProblem(file=str(path), line=None, column=None, reason="no such file"))
    try:
        frame = pl.read_csv(path, infer_schema_length=None, null_values=NULLS, encoding="utf8-lossy")
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadInput(
            InputProblem(file=str(path), line=None, column=None, reason=f"not a readable CSV: {first}")
        ) from None
    if frame.height == 0:
        raise BadInput(InputProblem(file=str(path), line=None, column=None, reason="no data rows"))
    return frame


def _labels(path: Path | None) -> dict[str, Label] | None:
    if path is None:
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {
            str(name): Label(
                zh=str(v["zh"]),
                en=str(v["en"]),
                unit_zh=str(v.get("unit_zh", "")),
                unit_en=str(v.get("unit_en", "")),
            )
            for name, v in raw.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadInput(
            InputProblem(
                file=str(path),
                line=None,
                column=None,
                reason=f'labels must be JSON {{"column": {{"zh": "...", "en": "..."}}}}: {type(exc).__name__}: {exc}',
            )
        ) from None


def _pct(x: Any) -> str:
    return "-" if x is None else f"{x:.3f}"


def metrics_table(card: dict[str, Any]) -> Table:
    """Cross-validated and held-out figures of both models, the champion marked."""
    cv, hold = card["cross_validation"], card["holdout"]
    table = Table(
        title=f"{card['data']['rows']:,} rows, target {card['target']!r} "
        f"({card['data']['positive_rate']:.1%} ones); held out: {card['data']['holdout_rows']:,} rows"
    )
    for col in ("model", "CV AUC", "held-out AUC [95% CI]", "KS", "Gini", "Brier", "calib. error"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for name in ("scorecard", "challenger"):
        h = hold[name]
        mark = " (champion)" if card["champion"] == name else ""
        table.add_row(
            f"{name}{mark}",
            f"{cv[name]['auc_mean']:.3f} ± {cv[name]['auc_sd']:.3f}",
            f"{h['auc']:.3f} [{h['auc_ci95'][0]:.3f}, {h['auc_ci95'][1]:.3f}]",
            _pct(h["ks"]),
            _pct(h["gini"]),
            _pct(h["brier"]),
            _pct(h["calibration_error"]),
        )
    return table


@app.command("train")
def train_cmd(
    data: Annotated[Path, typer.Option("--data", help="a CSV table with a header row")],
    target: Annotated[str, typer.Option("--target", help="the 0/1 column to predict (1 = default)")],
    out_path: Annotated[Path, typer.Option("--out", help="the model file to write")],
    seed: Annotated[int, typer.Option(help="seed of the splits and the trees")] = 0,
    folds: Annotated[int, typer.Option(min=2, max=20, help="cross-validation folds")] = 5,
    champion: Annotated[
        str, typer.Option(help="auto (by cross-validated AUC), scorecard or challenger")
    ] = "auto",
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="a column not to use (repeatable)")
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(help='JSON {"column": {"zh": "...", "en": "..."}} naming features in reasons'),
    ] = None,
    trained_on: Annotated[
        str | None, typer.Option("--trained-on", help="the date the card records (default today, UTC)")
    ] = None,
) -> None:
    """Train a scorecard and a LightGBM challenger, keep the better one calibrated, print its figures."""
    if champion not in ("auto", "scorecard", "challenger"):
        _fail(f"error: --champion: {champion!r} is not auto, scorecard or challenger")
    try:
        day = date.fromisoformat(trained_on) if trained_on else datetime.now(UTC).date()
    except ValueError:
        _fail(f"error: --trained-on: {trained_on!r} is not a date YYYY-MM-DD")
    try:
        frame = read_table(data)
        unknown = [c for c in ignore or [] if c not in frame.columns]
        if unknown:
            raise BadInput(
                [
                    InputProblem(file="data", line=None, column=c, reason="--ignore names no column")
                    for c in unknown
                ]
            )
        frame = frame.drop(ignore or [])
        names = _labels(labels)
        with err.status("training", spinner="dots") as status:

            def progress(message: str) -> None:
                status.update(message)
                err.log(message)

            model = train(
                frame,
                target,
                trained_on=day,
                seed=seed,
                labels=names,
                progress=progress,
                folds=folds,
                champion=champion,  # type: ignore[arg-type]
            )
    except BadInput as exc:
        _bad(exc, data)
    model.save(out_path)
    card = model.card
    out.print(metrics_table(card))
    h = card["holdout"]["champion"]
    used = [f["name"] for f in card["features"] if f["in_model"]]
    out.print(
        f"champion: {card['champion']}; held-out AUC {h['auc']:.3f} "
        f"(95% CI {h['auc_ci95'][0]:.3f}-{h['auc_ci95'][1]:.3f}), KS {h['ks']:.3f}, Gini {h['gini']:.3f}, "
        f"Brier {h['brier']:.3f}; {len(used)} features used; left out: "
        + (", ".join(f"{k} ({v})" for k, v in card["data"]["excluded"].items()) or "none"),
        markup=False,
    )
    out.print(f"wrote {out_path} (model {card['model_id']}, format {card['format_version']})", markup=False)


@app.command("score")
def score_cmd(
    model_path: Annotated[Path, typer.Option("--model", help="a model file from 'risk train'")],
    data: Annotated[Path, typer.Option("--data", help="a CSV table with the model's feature columns")],
    out_path: Annotated[Path, typer.Option("--out", help="the CSV file to write")],
    top: Annotated[int, typer.Option(min=0, max=20, help="reasons per row")] = 3,
    keep: Annotated[
        list[str] | None,
        typer.Option("--keep", help="an input column to copy to the output first (repeatable)"),
    ] = None,
) -> None:
    """Write one row per input row: score (the probability of the target) and reasons (zh / en)."""
    try:
        model = RiskModel.load(model_path)
    except BadInput as exc:
        _bad(exc, model_path)
    try:
        frame = read_table(data)
        unknown = [c for c in keep or [] if c not in frame.columns]
        if unknown:
            raise BadInput(
                [
                    InputProblem(file="data", line=None, column=c, reason="--keep names no column")
                    for c in unknown
                ]
            )
        with err.status(f"scoring {frame.height:,} rows", spinner="dots"):
            scores, reasons = model.explain(frame, top=top)
    except BadInput as exc:
        _bad(exc, data)
    cache: dict[tuple[int, ...], str] = {}
    texts = []
    for row in reasons:
        key = tuple(id(r) for r in row)
        text = cache.get(key)
        if text is None:
            text = cache[key] = join_reasons(row)
        texts.append(text)
    scored = pl.DataFrame([pl.Series("score", scores).round(6), pl.Series("reasons", texts, dtype=pl.String)])
    result = frame.select(keep).hstack(scored) if keep else scored
    out_path.parent.mkdir(parents=True, exist_ok=True)
    result.write_csv(out_path)
    out.print(
        f"wrote {result.height:,} scores to {out_path} (model {model.card.get('model_id', '?')})",
        markup=False,
    )


if __name__ == "__main__":
    app()
