"""The sample-book generator, read back with the csv module and checked against interchange v1."""

from __future__ import annotations

import calendar
import csv
import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import numpy as np
import polars as pl
import pytest

from faircollect.domain.money import parse_minor
from faircollect.domain.schedule import AccountView, Charge, Installment, Payment, account_view
from faircollect.samplebook import BEHAVIOURS, FILES, BookStats, generate_book, people

FIRST = date(2023, 1, 1)
UNTIL = date(2025, 6, 30)
SEED = 20240601
LOANS = 300

REQUIRED = {
    "borrowers.csv": {"borrower_id", "name", "phone"},
    "contacts.csv": {"contact_id", "borrower_id", "name", "phone", "relation"},
    "loans.csv": {"loan_id", "borrower_id", "currency", "principal", "disbursed_on", "term"},
    "installments.csv": {"loan_id", "seq", "due_date", "principal_due", "interest_due"},
    "charges.csv": {"charge_id", "loan_id", "seq", "posted_on", "amount"},
    "payments.csv": {"payment_id", "loan_id", "paid_on", "amount"},
}
AMOUNT_COLUMNS = {
    "loans.csv": ("principal",),
    "installments.csv": ("principal_due", "interest_due", "fee_due"),
    "charges.csv": ("amount",),
    "payments.csv": ("amount",),
}
TWO_DECIMALS = re.compile(r"^-?\d+\.\d\d$")
MOBILE = re.compile(r"^\+861[3-9]\d{9}$")
RELATIONS = {"emergency", "spouse", "parent", "relative", "colleague", "friend", "other"}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class Book:
    folder: Path
    stats: BookStats
    headers: dict[str, list[str]]
    rows: dict[str, list[dict[str, str]]]


def read_book(folder: Path) -> tuple[dict[str, list[str]], dict[str, list[dict[str, str]]]]:
    headers: dict[str, list[str]] = {}
    rows: dict[str, list[dict[str, str]]] = {}
    for name in FILES:
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows[name] = list(reader)
            headers[name] = list(reader.fieldnames or [])
    return headers, rows


def make_book(folder: Path, loans: int = LOANS, seed: int = SEED) -> Book:
    stats = generate_book(folder, loans=loans, seed=seed, first_disbursal=FIRST, history_until=UNTIL)
    headers, rows = read_book(folder)
    return Book(folder, stats, headers, rows)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    return make_book(tmp_path_factory.mktemp("book"))


def views_at(book: Book, as_of: date) -> dict[str, AccountView]:
    """The spec's as-of view of every loan, via the scalar domain calculation."""
    inst: dict[str, list[Installment]] = defaultdict(list)
    charges: dict[str, list[Charge]] = defaultdict(list)
    payments: dict[str, list[Payment]] = defaultdict(list)
    for r in book.rows["installments.csv"]:
        inst[r["loan_id"]].append(
            Installment(
                int(r["seq"]),
                date.fromisoformat(r["due_date"]),
                parse_minor(r["principal_due"]),
                parse_minor(r["interest_due"]),
                parse_minor(r["fee_due"]),
            )
        )
    for r in book.rows["charges.csv"]:
        charges[r["loan_id"]].append(
            Charge(
                r["charge_id"],
                int(r["seq"]),
                date.fromisoformat(r["posted_on"]),
                parse_minor(r["amount"], allow_negative=True),
                r["kind"],
            )
        )
    for r in book.rows["payments.csv"]:
        payments[r["loan_id"]].append(
            Payment(
                r["payment_id"],
                date.fromisoformat(r["paid_on"]),
                parse_minor(r["amount"]),
                r["reverses"] or None,
            )
        )
    return {
        loan["loan_id"]: account_view(
            loan_id=loan["loan_id"],
            installments=inst[loan["loan_id"]],
            charges=charges[loan["loan_id"]],
            payments=payments[loan["loan_id"]],
            as_of=as_of,
        )
        for loan in book.rows["loans.csv"]
    }


def test_every_file_has_its_required_columns_and_rows(book: Book) -> None:
    for name, required in REQUIRED.items():
        assert required <= set(book.headers[name]), name
    assert len(book.rows["loans.csv"]) == LOANS
    for name in FILES:
        assert book.rows[name], f"{name} is empty"


def test_files_are_plain_utf8_without_bom_and_quote_only_where_needed(book: Book) -> None:
    for name in FILES:
        raw = (book.folder / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8")
        assert "\r" not in text
        assert '"' not in text, f"{name} quotes cells that need no quoting"


def test_stats_match_the_files(book: Book) -> None:
    s = book.stats
    reversals = sum(1 for r in book.rows["payments.csv"] if r["reverses"])
    assert s.borrowers == len(book.rows["borrowers.csv"])
    assert s.contacts == len(book.rows["contacts.csv"])
    assert s.loans == len(book.rows["loans.csv"])
    assert s.installments == len(book.rows["installments.csv"])
    assert s.charges == len(book.rows["charges.csv"])
    assert s.reversals == reversals
    assert s.payments == len(book.rows["payments.csv"]) - reversals
    assert sum(s.behaviours.values()) == s.loans


@pytest.mark.parametrize(
    ("name", "column", "pattern"),
    [
        ("borrowers.csv", "borrower_id", r"^B\d{7}$"),
        ("contacts.csv", "contact_id", r"^C\d{7}$"),
        ("loans.csv", "loan_id", r"^L\d{7}$"),
        ("charges.csv", "charge_id", r"^F\d{7}$"),
        ("payments.csv", "payment_id", r"^P\d{8}$"),
    ],
)
def test_ids_are_unique_and_well_formed(book: Book, name: str, column: str, pattern: str) -> None:
    ids = [r[column] for r in book.rows[name]]
    assert len(set(ids)) == len(ids)
    assert all(re.match(pattern, i) for i in ids)


def test_references_resolve(book: Book) -> None:
    borrowers = {r["borrower_id"] for r in book.rows["borrowers.csv"]}
    loans = {r["loan_id"] for r in book.rows["loans.csv"]}
    installments = {(r["loan_id"], r["seq"]) for r in book.rows["installments.csv"]}
    assert {r["borrower_id"] for r in book.rows["loans.csv"]} <= borrowers
    assert {r["borrower_id"] for r in book.rows["contacts.csv"]} <= borrowers
    assert {r["loan_id"] for r in book.rows["installments.csv"]} == loans
    assert {r["loan_id"] for r in book.rows["payments.csv"]} <= loans
    assert {(r["loan_id"], r["seq"]) for r in book.rows["charges.csv"]} <= installments


def test_amounts_have_exactly_two_decimals_and_only_charges_go_negative(book: Book) -> None:
    for name, columns in AMOUNT_COLUMNS.items():
        for r in book.rows[name]:
            for column in columns:
                assert TWO_DECIMALS.match(r[column]), (name, column, r[column])
                if name != "charges.csv":
                    assert not r[column].startswith("-"), (name, column, r[column])
    assert all(parse_minor(r["amount"]) > 0 for r in book.rows["payments.csv"])
    assert all(parse_minor(r["principal"]) > 0 for r in book.rows["loans.csv"])


def test_schedules_run_seq_1_to_term_with_rising_due_dates_and_exact_principal(book: Book) -> None:
    by_loan: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in book.rows["installments.csv"]:
        by_loan[r["loan_id"]].append(r)
    for loan in book.rows["loans.csv"]:
        rows = sorted(by_loan[loan["loan_id"]], key=lambda r: int(r["seq"]))
        assert [int(r["seq"]) for r in rows] == list(range(1, int(loan["term"]) + 1))
        dues = [date.fromisoformat(r["due_date"]) for r in rows]
        assert all(a < b for a, b in itertools.pairwise(dues))
        assert sum(parse_minor(r["principal_due"]) for r in rows) == parse_minor(loan["principal"])
        assert all(parse_minor(r["interest_due"]) >= 0 for r in rows)
        disbursed = date.fromisoformat(loan["disbursed_on"])
        for seq, due in enumerate(dues, start=1):
            month = disbursed.month - 1 + seq
            year, month = disbursed.year + month // 12, month % 12 + 1
            day = min(disbursed.day, calendar.monthrange(year, month)[1])
            assert due == date(year, month, day)


def test_interest_follows_the_apr_and_fees_are_mostly_zero(book: Book) -> None:
    first = {r["loan_id"]: r for r in book.rows["installments.csv"] if r["seq"] == "1"}
    for loan in book.rows["loans.csv"]:
        expected = parse_minor(loan["principal"]) * float(loan["apr"]) / 12
        assert abs(parse_minor(first[loan["loan_id"]]["interest_due"]) - expected) <= 1
    fees = [parse_minor(r["fee_due"]) for r in book.rows["installments.csv"]]
    assert 0 < sum(1 for f in fees if f > 0) < len(fees) / 2


def test_loans_look_like_a_consumer_installment_book(book: Book) -> None:
    loans = book.rows["loans.csv"]
    assert {r["currency"] for r in loans} == {"CNY"}
    terms = [int(r["term"]) for r in loans]
    assert set(terms) <= {3, 6, 9, 12, 18, 24}
    assert 9 <= sum(terms) / len(terms) <= 15
    for r in loans:
        assert re.match(r"^0\.\d{4}$", r["apr"])
        assert 0 < float(r["apr"]) <= 0.36
        assert FIRST <= date.fromisoformat(r["disbursed_on"]) <= UNTIL
    assert len({r["product"] for r in loans}) >= 4
    per_borrower = Counter(r["borrower_id"] for r in loans)
    assert set(per_borrower.values()) == {1, 2}


def test_borrowers_have_e164_mobiles_valid_zones_regions_and_ids(book: Book) -> None:
    zones = available_timezones()
    borrowers = book.rows["borrowers.csv"]
    for r in borrowers:
        assert re.match(r"^[\u4e00-\u9fff]{2,4}$", r["name"]), r["name"]
        assert MOBILE.match(r["phone"]), r["phone"]
        assert r["timezone"] in zones
        ZoneInfo(r["timezone"])
        assert r["timezone"] in {"Asia/Shanghai", "Asia/Urumqi"}
        assert r["timezone"] == "Asia/Shanghai" or r["region"] == "CN-XJ"
        assert r["language"] in {"zh", "en"}
        assert re.match(r"^CN-[A-Z]{2}$", r["region"])
        assert not r["email"] or re.match(r"^[a-z0-9]+@[a-z0-9.]+\.com$", r["email"])
        number = r["id_number"]
        assert re.match(r"^\d{17}[\dX]$", number), number
        total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
        assert number[17] == "10X98765432"[total % 11]
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        assert 18 <= (FIRST - born).days / 365.25 <= 70
    assert len({r["region"] for r in borrowers}) >= 10
    assert 0 < sum(1 for r in borrowers if r["email"]) < len(borrowers)
    assert Counter(r["language"] for r in borrowers)["zh"] > 0.9 * len(borrowers)


def test_contacts_have_relations_consent_and_at_most_three_per_borrower(book: Book) -> None:
    contacts = book.rows["contacts.csv"]
    assert {r["relation"] for r in contacts} <= RELATIONS
    assert {r["consented"] for r in contacts} == {"true", "false"}
    assert all(MOBILE.match(r["phone"]) for r in contacts)
    assert max(Counter(r["borrower_id"] for r in contacts).values()) <= 3
    assert len({r["borrower_id"] for r in contacts}) < len(book.rows["borrowers.csv"])
    own_phone = {r["borrower_id"]: r["phone"] for r in book.rows["borrowers.csv"]}
    assert all(r["phone"] != own_phone[r["borrower_id"]] for r in contacts)


def test_a_contact_never_gets_the_borrowers_own_phone(monkeypatch: pytest.MonkeyPatch) -> None:
    # Force every drawn number onto the borrower's: the clash must be resolved, not kept.
    monkeypatch.setattr(
        people, "mobile_numbers", lambda _rng, count: np.full(count, 13800138000, dtype=np.int64)
    )
    frame = people.contacts(
        np.random.default_rng(5),
        first_number=1,
        borrower_ids=pl.Series(["B0000001", "B0000002"] * 20),
        borrower_phones=pl.Series(["+8613800138000", "+8613900139000"] * 20),
        surnames=np.zeros(40, dtype=np.int64),
    )
    own = dict(zip(["B0000001", "B0000002"], ["+8613800138000", "+8613900139000"], strict=True))
    assert frame.height > 0
    for borrower_id, phone in frame.select("borrower_id", "phone").iter_rows():
        assert phone != own[borrower_id]
        assert MOBILE.match(phone)


def test_payments_stop_at_history_until_and_reversals_follow_the_rules(book: Book) -> None:
    payments = {r["payment_id"]: r for r in book.rows["payments.csv"]}
    disbursed = {r["loan_id"]: date.fromisoformat(r["disbursed_on"]) for r in book.rows["loans.csv"]}
    reversed_ids: list[str] = []
    for r in payments.values():
        paid_on = date.fromisoformat(r["paid_on"])
        assert disbursed[r["loan_id"]] <= paid_on <= UNTIL
        if r["reverses"]:
            original = payments[r["reverses"]]
            assert original["loan_id"] == r["loan_id"]
            assert not original["reverses"], "a reversal of a reversal"
            assert date.fromisoformat(original["paid_on"]) <= paid_on
            assert original["amount"] == r["amount"]
            reversed_ids.append(r["reverses"])
    assert len(reversed_ids) == len(set(reversed_ids)), "a payment reversed twice"
    assert reversed_ids, "no bounced payment at all"
    assert len(reversed_ids) / len(payments) < 0.05


def test_charges_are_posted_late_up_to_history_until_and_waivers_never_go_below_zero(book: Book) -> None:
    due = {(r["loan_id"], r["seq"]): r for r in book.rows["installments.csv"]}
    kinds = Counter(r["kind"] for r in book.rows["charges.csv"])
    assert set(kinds) == {"late_fee", "penalty_interest", "waiver"}
    on_installment: dict[tuple[str, str], list[tuple[date, int]]] = defaultdict(list)
    for r in book.rows["charges.csv"]:
        posted = date.fromisoformat(r["posted_on"])
        amount = parse_minor(r["amount"], allow_negative=True)
        assert posted <= UNTIL
        assert posted > date.fromisoformat(due[(r["loan_id"], r["seq"])]["due_date"])
        assert (amount < 0) == (r["kind"] == "waiver")
        on_installment[(r["loan_id"], r["seq"])].append((posted, amount))
    for key, charges in on_installment.items():
        fee = parse_minor(due[key]["fee_due"])
        for day, _ in charges:
            assert fee + sum(a for d, a in charges if d <= day) >= 0, key


def test_same_seed_gives_identical_files_and_another_seed_different_ones(book: Book, tmp_path: Path) -> None:
    again = make_book(tmp_path / "again")
    other = make_book(tmp_path / "other", seed=SEED + 1)
    for name in FILES:
        assert (again.folder / name).read_bytes() == (book.folder / name).read_bytes(), name
        assert (other.folder / name).read_bytes() != (book.folder / name).read_bytes(), name
    assert again.stats == book.stats


def test_every_behaviour_occurs_and_shows_in_the_history(book: Book) -> None:
    assert set(book.stats.behaviours) == set(BEHAVIOURS)
    assert all(n > 0 for n in book.stats.behaviours.values()), book.stats.behaviours
    assert book.stats.behaviours["on_time"] == max(book.stats.behaviours.values())
    views = views_at(book, UNTIL)
    last_due = {r["loan_id"]: r["due_date"] for r in book.rows["installments.csv"]}
    settled_early = [k for k, v in views.items() if v.status == "settled" and last_due[k] > UNTIL.isoformat()]
    assert settled_early, "no prepaid loan"
    deep = [k for k, v in views.items() if v.dpd > 90]
    assert deep, "nobody stopped paying"


def test_late_share_at_history_until_is_plausible(book: Book) -> None:
    views = views_at(book, UNTIL)
    late = sum(1 for v in views.values() if v.dpd > 0) / len(views)
    settled = sum(1 for v in views.values() if v.status == "settled") / len(views)
    assert 0.05 <= late <= 0.40, late
    assert 0.05 <= settled <= 0.80, settled


def test_early_lateness_predicts_later_delinquency(tmp_path: Path) -> None:
    big = make_book(tmp_path / "big", loans=3000, seed=7)
    cut = UNTIL - timedelta(days=180)
    before, after = views_at(big, cut), views_at(big, UNTIL)
    fee_before = {
        r["loan_id"]
        for r in big.rows["charges.csv"]
        if r["kind"] == "late_fee" and r["posted_on"] <= cut.isoformat()
    }
    current = [k for k, v in before.items() if v.status == "current"]
    flagged = [after[k].dpd > 30 for k in current if k in fee_before]
    clean = [after[k].dpd > 30 for k in current if k not in fee_before]
    assert len(flagged) > 50
    assert len(clean) > 50
    assert sum(flagged) / len(flagged) > 2 * sum(clean) / len(clean)


def test_progress_reports_up_to_the_total(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate_book(
        tmp_path,
        loans=50,
        seed=1,
        first_disbursal=FIRST,
        history_until=UNTIL,
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    assert calls
    assert all(0 <= done <= total == 50 for _, done, total in calls)
    assert calls[-1][1] == 50


@pytest.mark.parametrize(
    ("loans", "seed", "first", "until", "message"),
    [
        (0, 1, FIRST, UNTIL, "at least one loan"),
        (10, -1, FIRST, UNTIL, "non-negative"),
        (10, 1, UNTIL, FIRST, "after history_until"),
    ],
)
def test_bad_arguments_are_refused(
    tmp_path: Path, loans: int, seed: int, first: date, until: date, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        generate_book(tmp_path, loans=loans, seed=seed, first_disbursal=first, history_until=until)
