"""Importing a loan book: whole or nothing, every problem named by file, line, column and reason."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from faircollect.adapters.db import tables
from faircollect.adapters.interchange.reader import read_folder
from faircollect.bootstrap import Platform
from faircollect.domain.errors import BadInput, InputProblem
from faircollect.services.export import export_accounts
from faircollect.services.ingest import ingest
from tests.builders import Book
from tests.conftest import FIXTURES, NOW


def _ingest(platform: Platform, folder: Path):  # type: ignore[no-untyped-def]
    return ingest(uow=platform.uow(), raw=read_folder(folder), actor="test", now=NOW)


def _counts(platform: Platform) -> dict[str, int]:
    with platform.engine.connect() as conn:
        names = [*tables.BOOK_TABLES, "evidence"]
        return {
            n: conn.execute(select(func.count()).select_from(tables.metadata.tables[n])).scalar_one()
            for n in names
        }


def _refused(platform: Platform, folder: Path) -> list[InputProblem]:
    before = _counts(platform)
    with pytest.raises(BadInput) as info:
        _ingest(platform, folder)
    assert _counts(platform) == before, "a refused import must leave the database as it was"
    return info.value.problems


def _one(problems: list[InputProblem], file: str, line: int | None, column: str | None) -> str:
    hits = [p for p in problems if (p.file, p.line, p.column) == (file, line, column)]
    assert hits, f"no problem at {file}:{line} [{column}] among {[str(p) for p in problems]}"
    return hits[0].reason


def test_the_basic_book_lands_and_exports_as_checked_by_hand(platform: Platform) -> None:
    report = _ingest(platform, FIXTURES / "books" / "basic")
    assert report.counts["installments"].new == 10
    assert report.counts["payments"].new == 7
    from datetime import date

    for day in ("2026-03-01", "2026-03-20", "2026-07-01"):
        frame = export_accounts(
            uow=platform.uow(), as_of=date.fromisoformat(day), edges=(30, 60, 90, 120, 150, 180)
        )
        expected = (FIXTURES / "expected" / f"basic_{day}.csv").read_text()
        assert frame.write_csv() == expected


def test_reimporting_the_same_rows_changes_nothing(platform: Platform) -> None:
    _ingest(platform, FIXTURES / "books" / "basic")
    before = _counts(platform)
    report = _ingest(platform, FIXTURES / "books" / "basic")
    assert not report.changed_anything
    assert all(c.unchanged > 0 and c.new == 0 and c.changed == 0 for c in report.counts.values())
    assert _counts(platform) == before


def test_a_changed_row_is_an_update_recorded_as_evidence(platform: Platform, tmp_path: Path) -> None:
    _ingest(platform, FIXTURES / "books" / "basic")
    book = Book.basic(tmp_path).set("borrowers.csv", 2, "phone", "+8613800138999")
    book.set("borrowers.csv", 2, "id_number", "440305199001019999")
    book.append("payments.csv", payment_id="P8", loan_id="L3", paid_on="2026-03-25", amount="100.00")
    report = _ingest(platform, book.folder)
    assert report.counts["borrowers"].changed == 1
    assert report.counts["payments"].new == 1
    with platform.engine.connect() as conn:
        phone = conn.execute(
            select(tables.borrowers.c.phone).where(tables.borrowers.c.borrower_id == "B1")
        ).scalar_one()
        entries = conn.execute(
            select(tables.evidence.c.action, tables.evidence.c.subject, tables.evidence.c.payload).order_by(
                tables.evidence.c.seq
            )
        ).all()
    assert phone == "+8613800138999"
    updates = [e for e in entries if e.action == "faircollect.book.row_updated"]
    assert len(updates) == 1
    assert updates[0].subject == "borrowers:B1"
    assert '"phone":["+8613800138000","+8613800138999"]' in updates[0].payload
    assert "440305199001019999" not in updates[0].payload, "a national id is never logged"
    assert "withheld" in updates[0].payload


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "reason"),
    [
        ("loans.csv", 2, "principal", "3000.001", "more than two decimals"),
        ("loans.csv", 2, "principal", "3,000.00", "thousands separator"),
        ("loans.csv", 3, "principal", "1e3", "has an exponent"),
        ("loans.csv", 3, "principal", "abc", "is not a decimal amount"),
        ("loans.csv", 2, "principal", "-3000.00", "only charges may be negative"),
        ("installments.csv", 4, "interest_due", "-1.00", "only charges may be negative"),
        ("payments.csv", 2, "amount", "0.00", "greater than zero"),
        ("payments.csv", 2, "amount", "-5.00", "greater than zero"),
        ("payments.csv", 3, "paid_on", "2026-02-30", "not a date"),
        ("payments.csv", 3, "paid_on", "05/03/2026", "not a date"),
        ("loans.csv", 2, "term", "three", "whole number"),
        ("loans.csv", 2, "currency", "JPY", "not a currency of interchange v1"),
        ("borrowers.csv", 2, "phone", "13800138000", "E.164"),
        ("borrowers.csv", 3, "timezone", "Asia/Beijing", "IANA timezone"),
        ("borrowers.csv", 4, "language", "fr", "zh or en"),
        ("borrowers.csv", 2, "region", "Guangdong", "ISO 3166-2"),
        ("contacts.csv", 2, "relation", "boss", "not one of"),
        ("contacts.csv", 2, "consented", "yes", "true or false"),
        ("charges.csv", 2, "kind", "fine", "not one of"),
        ("borrowers.csv", 2, "name", "", "required value missing"),
        ("loans.csv", 4, "disbursed_on", "", "required value missing"),
    ],
)
def test_a_bad_cell_is_named_by_file_line_column_and_reason(
    platform: Platform, tmp_path: Path, file: str, line: int, column: str, value: str, reason: str
) -> None:
    book = Book.basic(tmp_path).set(file, line, column, value)
    problems = _refused(platform, book.folder)
    assert reason in _one(problems, file, line, column)


def test_a_national_id_is_never_echoed_in_an_error(platform: Platform, tmp_path: Path) -> None:
    book = Book.basic(tmp_path).set("borrowers.csv", 2, "id_number", "44030519900101123!")
    problems = _refused(platform, book.folder)
    assert "44030519900101123" not in " ".join(str(p) for p in problems)
    assert "withheld" in _one(problems, "borrowers.csv", 2, "id_number")


@pytest.mark.parametrize(
    ("edit", "where", "reason"),
    [
        (
            lambda b: b.set("loans.csv", 2, "borrower_id", "B9"),
            ("loans.csv", 2, "borrower_id"),
            "unknown borrower",
        ),
        (
            lambda b: b.append(
                "installments.csv",
                loan_id="L9",
                seq="1",
                due_date="2026-02-01",
                principal_due="1.00",
                interest_due="0",
            ),
            ("installments.csv", 12, "loan_id"),
            "installment of an unknown loan",
        ),
        (
            lambda b: b.append(
                "charges.csv", charge_id="F9", loan_id="L9", seq="1", posted_on="2026-03-01", amount="5.00"
            ),
            ("charges.csv", 5, "loan_id"),
            "charge of an unknown loan",
        ),
        (
            lambda b: b.append(
                "charges.csv", charge_id="F9", loan_id="L1", seq="7", posted_on="2026-03-01", amount="5.00"
            ),
            ("charges.csv", 5, "seq"),
            "charge on an unknown installment",
        ),
        (
            lambda b: b.append(
                "payments.csv", payment_id="P9", loan_id="L9", paid_on="2026-03-01", amount="5.00"
            ),
            ("payments.csv", 9, "loan_id"),
            "payment of an unknown loan",
        ),
        (lambda b: b.drop_row("installments.csv", 3), ("loans.csv", 2, "term"), "seq gaps"),
        (
            lambda b: b.set("installments.csv", 4, "seq", "4"),
            ("installments.csv", 4, "seq"),
            "beyond its term 3",
        ),
        (
            lambda b: b.set("installments.csv", 3, "due_date", "2026-02-15"),
            ("installments.csv", 3, "due_date"),
            "not after the previous",
        ),
        (
            lambda b: b.set("installments.csv", 2, "principal_due", "999.99"),
            ("loans.csv", 2, "principal"),
            "summing to 2999.99, not the principal 3000.00",
        ),
        (
            lambda b: b.set("payments.csv", 6, "reverses", "P99"),
            ("payments.csv", 6, "reverses"),
            "reversal of an unknown payment",
        ),
        (
            lambda b: b.set("payments.csv", 6, "amount", "600.00"),
            ("payments.csv", 6, "amount"),
            "amount differs",
        ),
        (
            lambda b: b.append(
                "payments.csv",
                payment_id="P9",
                loan_id="L2",
                paid_on="2026-03-20",
                amount="620.00",
                reverses="P5",
            ),
            ("payments.csv", 9, "reverses"),
            "reversal of a reversal",
        ),
        (
            lambda b: b.append(
                "payments.csv",
                payment_id="P9",
                loan_id="L2",
                paid_on="2026-03-20",
                amount="620.00",
                reverses="P4",
            ),
            ("payments.csv", 9, "reverses"),
            "reversed twice",
        ),
        (
            lambda b: b.set("payments.csv", 6, "paid_on", "2026-03-11"),
            ("payments.csv", 6, "reverses"),
            "paid later",
        ),
        (
            lambda b: b.set("payments.csv", 6, "loan_id", "L1").set("payments.csv", 6, "amount", "620.00"),
            ("payments.csv", 6, "reverses"),
            "of another loan",
        ),
        (
            lambda b: b.set("charges.csv", 3, "amount", "-40.00"),
            ("charges.csv", 3, "amount"),
            "below zero",
        ),
        (
            lambda b: b.set("payments.csv", 3, "payment_id", "P1"),
            ("payments.csv", 3, "payment_id"),
            "duplicate",
        ),
        (
            lambda b: b.set("installments.csv", 3, "seq", "1"),
            ("installments.csv", 3, "loan_id+seq"),
            "duplicate loan_id+seq: already on line 2",
        ),
        (
            lambda b: b.drop_column("loans.csv", "principal"),
            ("loans.csv", 1, "principal"),
            "required column missing",
        ),
    ],
)
def test_each_rejection_class_of_the_spec(platform: Platform, tmp_path: Path, edit, where, reason) -> None:  # type: ignore[no-untyped-def]
    book = Book.basic(tmp_path)
    edit(book)
    problems = _refused(platform, book.folder)
    assert reason in _one(problems, *where)


def test_a_waiver_posted_before_its_fee_is_refused(platform: Platform, tmp_path: Path) -> None:
    book = Book.basic(tmp_path).set("charges.csv", 3, "posted_on", "2026-02-19")
    problems = _refused(platform, book.folder)
    assert "below zero" in _one(problems, "charges.csv", 3, "amount")


def test_every_problem_of_every_file_is_reported_at_once(platform: Platform, tmp_path: Path) -> None:
    book = Book.basic(tmp_path)
    book.set("borrowers.csv", 2, "phone", "bad").set("loans.csv", 3, "principal", "1.234")
    book.set("payments.csv", 4, "amount", "x").set("payments.csv", 5, "paid_on", "yesterday")
    problems = _refused(platform, book.folder)
    where = {(p.file, p.line, p.column) for p in problems}
    assert {
        ("borrowers.csv", 2, "phone"),
        ("loans.csv", 3, "principal"),
        ("payments.csv", 4, "amount"),
        ("payments.csv", 5, "paid_on"),
    } <= where


def test_a_missing_required_file_is_refused(platform: Platform, tmp_path: Path) -> None:
    book = Book.basic(tmp_path)
    (book.folder / "payments.csv").unlink()
    problems = _refused(platform, book.folder)
    assert _one(problems, "payments.csv", None, None) == "required file missing"


def test_optional_files_may_be_absent(platform: Platform, tmp_path: Path) -> None:
    book = Book.basic(tmp_path)
    (book.folder / "contacts.csv").unlink()
    (book.folder / "charges.csv").unlink()
    report = _ingest(platform, book.folder)
    assert "charges" not in report.counts
    assert report.counts["loans"].new == 4


def test_an_error_in_the_second_import_keeps_the_first(platform: Platform, tmp_path: Path) -> None:
    _ingest(platform, FIXTURES / "books" / "basic")
    book = Book.basic(tmp_path).append(
        "payments.csv", payment_id="P8", loan_id="L3", paid_on="2026-03-25", amount="100.00"
    )
    book.set("loans.csv", 2, "principal", "oops")
    _refused(platform, book.folder)
    with platform.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.payments)).scalar_one() == 7


def test_a_later_import_is_checked_against_the_stored_book(platform: Platform, tmp_path: Path) -> None:
    _ingest(platform, FIXTURES / "books" / "basic")
    delta = tmp_path / "delta"
    delta.mkdir()
    for name in ("borrowers", "loans", "installments"):
        (delta / f"{name}.csv").write_text((FIXTURES / "books" / "basic" / f"{name}.csv").read_text())
    (delta / "payments.csv").write_text(
        "payment_id,loan_id,paid_on,amount,reverses\nP8,L2,2026-03-16,620.00,P4\n"
    )
    problems = _refused(platform, delta)
    assert "reversed twice" in _one(problems, "payments.csv", 2, "reverses")


def test_bom_quotes_crlf_and_unknown_columns_are_tolerated(platform: Platform, tmp_path: Path) -> None:
    book = Book.basic(tmp_path)
    text = (book.folder / "borrowers.csv").read_text(encoding="utf-8")
    text = text.replace("广东省深圳市南山区科技园路1号", '"广东省深圳市, 南山区\n科技园路1号"')
    text = text.replace("borrower_id,name", "borrower_id,nickname_unused,name", 1)
    lines = text.split("\n")
    fixed = [lines[0]] + [
        ln.replace(",", ",x,", 1) if ln and not ln.startswith("科技园") else ln for ln in lines[1:]
    ]
    (book.folder / "borrowers.csv").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(fixed).encode())
    raw = read_folder(book.folder)
    assert any("nickname_unused" in w for w in raw.warnings)
    report = ingest(uow=platform.uow(), raw=raw, actor="test", now=NOW)
    assert report.counts["borrowers"].new == 3
    with platform.engine.connect() as conn:
        address = conn.execute(
            select(tables.borrowers.c.address).where(tables.borrowers.c.borrower_id == "B1")
        ).scalar_one()
    assert address == "广东省深圳市, 南山区\r\n科技园路1号"


def test_line_numbers_stay_exact_after_a_field_spanning_lines(platform: Platform, tmp_path: Path) -> None:
    book = Book.basic(tmp_path)
    rows = book.rows("borrowers.csv")
    rows[0]["address"] = "line one\nline two\nline three"
    rows[2]["phone"] = "not-a-phone"
    book.write("borrowers.csv", rows)
    problems = _refused(platform, book.folder)
    # B1 spans lines 2-4, B2 is line 5, B3 line 6.
    assert "E.164" in _one(problems, "borrowers.csv", 6, "phone")


def test_a_ragged_line_and_bad_utf8_are_named(platform: Platform, tmp_path: Path) -> None:
    book = Book.basic(tmp_path)
    text = (book.folder / "loans.csv").read_text()
    (book.folder / "loans.csv").write_text(
        text.replace("L3,B3,USD,500.00,2026-02-01,2,,", "L3,B3,USD,500.00")
    )
    book.raw(
        "contacts.csv",
        b"contact_id,borrower_id,name,phone,relation,consented\nC1,B1,"
        + b"\xff\xfe"
        + b",+8613700137000,spouse,true\n",
    )
    problems = _refused(platform, book.folder)
    assert "has 4 fields, the header has 8" in _one(problems, "loans.csv", 4, None)
    assert "UTF-8" in _one(problems, "contacts.csv", 2, None)


def test_parquet_and_csv_give_the_same_book(platform: Platform, tmp_path: Path) -> None:
    from datetime import date

    folder = tmp_path / "pq"
    folder.mkdir()
    for name in ("borrowers", "contacts", "loans", "installments", "charges", "payments"):
        frame = pl.read_csv(FIXTURES / "books" / "basic" / f"{name}.csv", infer_schema=False)
        if name == "payments":
            frame = frame.with_columns(pl.col("paid_on").str.to_date())
        frame.write_parquet(folder / f"{name}.parquet")
    _ingest(platform, folder)
    frame = export_accounts(uow=platform.uow(), as_of=date(2026, 3, 20), edges=(30, 60, 90, 120, 150, 180))
    assert frame.write_csv() == (FIXTURES / "expected" / "basic_2026-03-20.csv").read_text()
