"""Columnar checks of interchange v1: cell formats per file, then the rules across files.

Input frames hold the raw cells as strings plus ``__line`` (where the row sits
in its file). Nothing stops at the first problem: every problem of every file
is returned, each naming file, line, column and reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import polars as pl

from faircollect.domain.money import CURRENCIES
from faircollect.interchange.spec import (
    CHARGE_KINDS,
    FILE_BY_NAME,
    FILES,
    LANGUAGES,
    RELATIONS,
    FileSpec,
    Kind,
)

LINE = "__line"
MAX_ID_LENGTH = 64

_STRING_KINDS = {
    Kind.ID,
    Kind.TEXT,
    Kind.PHONE,
    Kind.EMAIL,
    Kind.REGION,
    Kind.TIMEZONE,
    Kind.LANGUAGE,
    Kind.RELATION,
    Kind.CURRENCY,
    Kind.RATE,
    Kind.CHARGE_KIND,
    Kind.SENSITIVE,
}


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A problem with one cell or row; ``file`` is the spec name (``loans``), line 1 the header."""

    file: str
    line: int | None
    column: str | None
    reason: str


def dtype_of(kind: Kind) -> pl.DataType:
    if kind in _STRING_KINDS:
        return pl.String()
    if kind in (Kind.AMOUNT, Kind.AMOUNT_SIGNED, Kind.AMOUNT_POSITIVE):
        return pl.Int64()
    if kind is Kind.DATE:
        return pl.Date()
    if kind is Kind.COUNT:
        return pl.Int32()
    return pl.Boolean()


def typed_schema(name: str) -> dict[str, pl.DataType]:
    """The typed columns of a book table, as stored and as the ledger reads them."""
    return {c.name: dtype_of(c.kind) for c in FILE_BY_NAME[name].columns}


@cache
def _timezones() -> list[str]:
    return sorted(available_timezones())


def _quote(expr: pl.Expr) -> pl.Expr:
    return pl.lit("'") + expr.str.slice(0, 40) + pl.lit("'")


def _amount(s: pl.Expr, kind: Kind) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    ok = s.str.contains(r"^-?\d{1,15}(\.\d{1,2})?$")
    whole = s.str.extract(r"^-?(\d+)", 1).cast(pl.Int64, strict=False)
    frac = s.str.extract(r"\.(\d+)$", 1).str.pad_end(2, "0").cast(pl.Int64, strict=False).fill_null(0)
    sign = pl.when(s.str.starts_with("-")).then(-1).otherwise(1)
    value = pl.when(ok).then(sign * (whole * 100 + frac)).otherwise(None)
    bad_format = (
        pl.when(s.str.contains(r"^-?\d+\.\d{3,}$"))
        .then(_quote(s) + pl.lit(" has more than two decimals"))
        .when(s.str.contains(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$"))
        .then(_quote(s) + pl.lit(" has a thousands separator"))
        .when(s.str.contains(r"(?i)^-?[\d.]+e[+-]?\d+$"))
        .then(_quote(s) + pl.lit(" has an exponent"))
        .when(s.str.contains(r"^-?\d{16,}"))
        .then(_quote(s) + pl.lit(" is too large"))
        .otherwise(_quote(s) + pl.lit(" is not a decimal amount like 1234.50"))
    )
    error: Any = pl.when(s.is_not_null() & ~ok).then(bad_format)
    fine = s.is_null() | ok
    if kind is Kind.AMOUNT:
        error = error.when(value < 0).then(_quote(s) + pl.lit(" is negative; only charges may be negative"))
        fine = fine & (s.is_null() | (value >= 0))
    elif kind is Kind.AMOUNT_POSITIVE:
        error = error.when(value <= 0).then(_quote(s) + pl.lit(" must be greater than zero"))
        fine = fine & (s.is_null() | (value > 0))
    return value, fine, error.otherwise(None)


def _parse(col: str, kind: Kind) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """One column's parsed value, whether each cell is fine (cheap, for every row) and the
    error message (None where fine; built only for the rows that have a problem)."""
    s = pl.col(col)
    if kind in (Kind.AMOUNT, Kind.AMOUNT_SIGNED, Kind.AMOUNT_POSITIVE):
        return _amount(s, kind)
    if kind is Kind.DATE:
        value = s.str.to_date("%Y-%m-%d", strict=False)
        shape = s.str.contains(r"^\d{4}-\d{2}-\d{2}$")
        bad = s.is_not_null() & (~shape | value.is_null())
        error = pl.when(bad).then(_quote(s) + pl.lit(" is not a date YYYY-MM-DD")).otherwise(None)
        return pl.when(shape).then(value), ~bad, error
    if kind is Kind.COUNT:
        value = s.cast(pl.Int32, strict=False)
        bad = s.is_not_null() & (~s.str.contains(r"^\d{1,6}$") | (value < 1))
        error = pl.when(bad).then(_quote(s) + pl.lit(" is not a whole number of at least 1")).otherwise(None)
        return value, ~bad, error
    if kind is Kind.BOOL:
        low = s.str.to_lowercase()
        value = pl.when(low == "true").then(True).when(low == "false").then(False)
        bad = s.is_not_null() & ~low.is_in(["true", "false"])
        error = pl.when(bad).then(_quote(s) + pl.lit(" is not true or false")).otherwise(None)
        return value, ~bad, error
    checks: dict[Kind, tuple[pl.Expr, str]] = {
        Kind.ID: (
            s.str.len_chars() <= MAX_ID_LENGTH,
            f" is longer than {MAX_ID_LENGTH} characters",
        ),
        Kind.TEXT: (s.str.strip_chars() != "", " is blank"),
        Kind.SENSITIVE: (s.str.contains(r"^[0-9A-Za-z-]{4,32}$"), ""),
        Kind.PHONE: (
            s.str.contains(r"^\+[1-9]\d{6,14}$"),
            " is not an E.164 number like +8613800138000",
        ),
        Kind.EMAIL: (s.str.contains(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), " is not an e-mail address"),
        Kind.REGION: (
            s.str.contains(r"^[A-Z]{2}-[A-Z0-9]{1,3}$"),
            " is not an ISO 3166-2 code like CN-GD",
        ),
        Kind.TIMEZONE: (s.is_in(_timezones()), " is not an IANA timezone name"),
        Kind.LANGUAGE: (s.is_in(list(LANGUAGES)), " is not zh or en"),
        Kind.RELATION: (s.is_in(list(RELATIONS)), " is not one of " + ", ".join(RELATIONS)),
        Kind.CURRENCY: (
            s.is_in(sorted(CURRENCIES)),
            " is not a currency of interchange v1 (" + ", ".join(sorted(CURRENCIES)) + ")",
        ),
        Kind.RATE: (s.str.contains(r"^\d{1,3}(\.\d{1,8})?$"), " is not a decimal rate like 0.2399"),
        Kind.CHARGE_KIND: (
            s.is_in(list(CHARGE_KINDS)),
            " is not one of " + ", ".join(CHARGE_KINDS),
        ),
    }
    ok, reason = checks[kind]
    if kind is Kind.SENSITIVE:
        message: pl.Expr = pl.lit("is not a national id number (value withheld)")
    else:
        message = _quote(s) + pl.lit(reason)
    bad = s.is_not_null() & ~ok
    return s, ~bad, pl.when(bad).then(message).otherwise(None)


def parse_file(spec: FileSpec, raw: pl.DataFrame) -> tuple[pl.DataFrame | None, list[RowProblem]]:
    """Check and type one file's cells; None when its header lacks a required column."""
    present = set(raw.columns)
    missing = [c.name for c in spec.columns if c.required and c.name not in present]
    if missing:
        return None, [RowProblem(spec.name, 1, m, "required column missing") for m in missing]

    def column(name: str, default: str | None) -> pl.Expr:
        expr = pl.col(name) if name in present else pl.lit(None, pl.String)
        return (expr.fill_null(pl.lit(default)) if default is not None else expr).alias(name)

    filled = raw.with_columns([column(c.name, c.default) for c in spec.columns])
    values, fines, errors = [], [], []
    for c in spec.columns:
        value, fine, error = _parse(c.name, c.kind)
        if c.required:
            error = pl.when(pl.col(c.name).is_null()).then(pl.lit("required value missing")).otherwise(error)
            fine = fine & pl.col(c.name).is_not_null()
        values.append(value.cast(dtype_of(c.kind)).alias(c.name))
        fines.append(fine)
        errors.append(error.alias(c.name))
    # Messages are built only for the rows with a problem: on a clean file, none.
    error_frame = filled.filter(~pl.all_horizontal(fines)).select(pl.col(LINE), *errors)
    problems = _collect(spec.name, error_frame)
    typed = filled.select(pl.col(LINE), *values)
    key = list(spec.key)
    repeated = typed.filter(pl.struct(key).is_duplicated())
    dupes = repeated.join(
        repeated.group_by(key).agg(pl.col(LINE).min().alias("__first")), on=key, how="left"
    ).filter(pl.col(LINE) != pl.col("__first"))
    key_name = "+".join(spec.key)
    for row in dupes.select(LINE, "__first").iter_rows():
        problems.append(
            RowProblem(
                spec.name,
                row[0],
                spec.key[-1] if len(spec.key) == 1 else key_name,
                f"duplicate {key_name}: already on line {row[1]}",
            )
        )
    return typed, problems


def _collect(file: str, error_frame: pl.DataFrame) -> list[RowProblem]:
    cols = [c for c in error_frame.columns if c != LINE]
    long = (
        error_frame.unpivot(index=LINE, on=cols, variable_name="column", value_name="reason")
        .drop_nulls("reason")
        .sort(LINE)
    )
    return [RowProblem(file, line, col, reason) for line, col, reason in long.iter_rows()]


def merge(incoming: pl.DataFrame | None, existing: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Existing rows overlaid by incoming ones (same key: the incoming row wins)."""
    base = existing.with_columns(pl.lit(None, pl.Int64).alias(LINE))
    if incoming is None:
        return base
    keep = base.join(incoming.select(key), on=key, how="anti")
    return pl.concat([keep, incoming.select(base.columns)], how="vertical_relaxed")


def check_book(
    incoming: dict[str, pl.DataFrame | None], existing: dict[str, pl.DataFrame]
) -> list[RowProblem]:
    """The referential rules, on the book as it would be once ``incoming`` lands."""
    merged = {f.name: merge(incoming.get(f.name), existing[f.name], list(f.key)) for f in FILES}
    problems: list[RowProblem] = []

    def unknown(child: str, col: str, parent: str, pcol: str, what: str) -> None:
        frame = incoming.get(child)
        if frame is None:
            return
        bad = frame.join(merged[parent].select(pl.col(pcol).alias(col)), on=col, how="anti")
        for line, value in bad.select(LINE, col).iter_rows():
            problems.append(RowProblem(child, line, col, f"{what} '{value}'"))

    unknown("contacts", "borrower_id", "borrowers", "borrower_id", "unknown borrower")
    unknown("loans", "borrower_id", "borrowers", "borrower_id", "loan of an unknown borrower")
    unknown("installments", "loan_id", "loans", "loan_id", "installment of an unknown loan")
    unknown("charges", "loan_id", "loans", "loan_id", "charge of an unknown loan")
    unknown("payments", "loan_id", "loans", "loan_id", "payment of an unknown loan")
    problems += _charges_on_installments(incoming, merged)
    problems += _schedules(incoming, merged)
    problems += _reversals(incoming, merged)
    problems += _waivers(incoming, merged)
    return problems


def _charges_on_installments(
    incoming: dict[str, pl.DataFrame | None], merged: dict[str, pl.DataFrame]
) -> list[RowProblem]:
    charges = incoming.get("charges")
    if charges is None:
        return []
    known_loans = merged["loans"].select("loan_id")
    bad = charges.join(known_loans, on="loan_id", how="semi").join(
        merged["installments"].select("loan_id", "seq"), on=["loan_id", "seq"], how="anti"
    )
    return [
        RowProblem(
            "charges",
            line,
            "seq",
            f"charge on an unknown installment: loan '{loan}' has no seq {seq}",
        )
        for line, loan, seq in bad.select(LINE, "loan_id", "seq").iter_rows()
    ]


def _loan_locations(incoming: dict[str, pl.DataFrame | None]) -> pl.DataFrame:
    """Where to point at a loan-level problem: its loans.csv line, else its first installment line."""
    parts = []
    loans = incoming.get("loans")
    if loans is not None:
        parts.append(
            loans.select("loan_id", pl.lit("loans").alias("file"), pl.col(LINE), pl.lit(0).alias("rank"))
        )
    inst = incoming.get("installments")
    if inst is not None:
        parts.append(
            inst.group_by("loan_id")
            .agg(pl.col(LINE).min())
            .select(
                "loan_id",
                pl.lit("installments").alias("file"),
                pl.col(LINE),
                pl.lit(1).alias("rank"),
            )
        )
    if not parts:
        return pl.DataFrame(
            schema={"loan_id": pl.String, "file": pl.String, LINE: pl.Int64, "rank": pl.Int32}
        )
    return (
        pl.concat(parts, how="vertical_relaxed")
        .sort("rank", LINE)
        .group_by("loan_id", maintain_order=True)
        .first()
    )


def _schedules(incoming: dict[str, pl.DataFrame | None], merged: dict[str, pl.DataFrame]) -> list[RowProblem]:
    where = _loan_locations(incoming)
    if where.height == 0:
        return []
    loans = merged["loans"].select("loan_id", "term", "principal").join(where, on="loan_id", how="inner")
    inst = merged["installments"].join(loans.select("loan_id", "term"), on="loan_id", how="inner")
    problems: list[RowProblem] = []
    beyond = inst.filter(pl.col("seq") > pl.col("term"))
    for loan, seq, term, line in beyond.select("loan_id", "seq", "term", LINE).iter_rows():
        problems.append(
            RowProblem(
                "installments" if line is not None else "loans",
                line,
                "seq",
                f"seq {seq} of loan '{loan}' is beyond its term {term}",
            )
        )
    ordered = inst.sort("loan_id", "seq").with_columns(prev_due=pl.col("due_date").shift(1).over("loan_id"))
    for loan, seq, line in (
        ordered.filter(pl.col("due_date") <= pl.col("prev_due")).select("loan_id", "seq", LINE).iter_rows()
    ):
        problems.append(
            RowProblem(
                "installments",
                line,
                "due_date",
                f"due_date of loan '{loan}' seq {seq} is not after the previous installment's",
            )
        )
    per_loan = (
        inst.filter(pl.col("seq") <= pl.col("term"))
        .group_by("loan_id")
        .agg(
            pl.col("seq").n_unique().alias("n"),
            pl.col("principal_due").sum().alias("sum_principal"),
            pl.col("seq").alias("seqs"),
        )
    )
    summary = loans.join(per_loan, on="loan_id", how="left").with_columns(
        pl.col("n").fill_null(0), pl.col("sum_principal").fill_null(0)
    )
    for loan, term, _n, seqs, file, line in (
        summary.filter(pl.col("n") != pl.col("term"))
        .select("loan_id", "term", "n", "seqs", "file", LINE)
        .iter_rows()
    ):
        present = set(seqs or [])
        gaps = [s for s in range(1, term + 1) if s not in present]
        shown = ", ".join(map(str, gaps[:10])) + (" ..." if len(gaps) > 10 else "")
        problems.append(
            RowProblem(
                file,
                line,
                "term" if file == "loans" else "seq",
                f"seq gaps: loan '{loan}' (term {term}) has no installment for seq {shown}",
            )
        )
    for loan, principal, total, file, line in (
        summary.filter((pl.col("n") == pl.col("term")) & (pl.col("sum_principal") != pl.col("principal")))
        .select("loan_id", "principal", "sum_principal", "file", LINE)
        .iter_rows()
    ):
        problems.append(
            RowProblem(
                file,
                line,
                "principal" if file == "loans" else "principal_due",
                f"installments of loan '{loan}' have principal_due summing to "
                f"{_money(total)}, not the principal {_money(principal)}",
            )
        )
    return problems


def _money(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def _reversals(incoming: dict[str, pl.DataFrame | None], merged: dict[str, pl.DataFrame]) -> list[RowProblem]:
    pays = incoming.get("payments")
    if pays is None:
        return []
    rev = pays.filter(pl.col("reverses").is_not_null())
    if rev.height == 0:
        return []
    targets = merged["payments"].select(
        pl.col("payment_id").alias("reverses"),
        pl.col("loan_id").alias("t_loan"),
        pl.col("paid_on").alias("t_paid_on"),
        pl.col("amount").alias("t_amount"),
        pl.col("reverses").alias("t_reverses"),
    )
    joined = rev.join(targets, on="reverses", how="left")
    problems: list[RowProblem] = []
    for line, pid, target, loan, paid_on, amount, t_loan, t_paid, t_amount, t_rev in joined.select(
        LINE,
        "payment_id",
        "reverses",
        "loan_id",
        "paid_on",
        "amount",
        "t_loan",
        "t_paid_on",
        "t_amount",
        "t_reverses",
    ).iter_rows():
        if t_loan is None:
            reason = f"reversal of an unknown payment '{target}'"
        elif target == pid or t_rev is not None:
            reason = f"reversal of a reversal: '{target}' is itself a reversing row"
        elif t_loan != loan:
            reason = f"reverses payment '{target}' of another loan ('{t_loan}')"
        elif t_paid is not None and paid_on is not None and t_paid > paid_on:
            reason = f"reverses payment '{target}' paid later ({t_paid}) than this row"
        elif t_amount != amount:
            reason = f"amount differs from the reversed payment '{target}' ({_money(t_amount)})"
        else:
            continue
        problems.append(
            RowProblem("payments", line, "reverses" if "amount" not in reason else "amount", reason)
        )
    all_rev = merged["payments"].filter(pl.col("reverses").is_not_null())
    twice = (
        all_rev.sort(pl.col(LINE).fill_null(-1))
        .with_columns(rank=pl.int_range(pl.len()).over("reverses"))
        .filter((pl.col("rank") > 0) & pl.col(LINE).is_not_null())
    )
    for line, target in twice.select(LINE, "reverses").iter_rows():
        problems.append(RowProblem("payments", line, "reverses", f"payment '{target}' reversed twice"))
    return problems


def _waivers(incoming: dict[str, pl.DataFrame | None], merged: dict[str, pl.DataFrame]) -> list[RowProblem]:
    charges = incoming.get("charges")
    if charges is None or charges.filter(pl.col("amount") < 0).height == 0:
        return []
    touched = charges.filter(pl.col("amount") < 0).select("loan_id", "seq").unique()
    daily = (
        merged["charges"]
        .join(touched, on=["loan_id", "seq"], how="semi")
        .group_by("loan_id", "seq", "posted_on")
        .agg(pl.col("amount").sum())
        .sort("loan_id", "seq", "posted_on")
        .join(
            merged["installments"].select("loan_id", "seq", "fee_due"),
            on=["loan_id", "seq"],
            how="inner",
        )
        .with_columns(level=pl.col("fee_due") + pl.col("amount").cum_sum().over("loan_id", "seq"))
    )
    first_bad = daily.filter(pl.col("level") < 0).group_by("loan_id", "seq").agg(pl.col("posted_on").min())
    culprits = (
        charges.filter(pl.col("amount") < 0)
        .join(first_bad, on=["loan_id", "seq"], how="inner", suffix="_bad")
        .filter(pl.col("posted_on") <= pl.col("posted_on_bad"))
        .group_by("loan_id", "seq")
        .agg(pl.col(LINE).max())
    )
    return [
        RowProblem(
            "charges",
            line,
            "amount",
            f"waiver would take the fees and charges of loan '{loan}' seq {seq} below zero",
        )
        for loan, seq, line in culprits.select("loan_id", "seq", LINE).sort(LINE).iter_rows()
    ]
