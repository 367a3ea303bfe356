"""How each account has behaved, as of a date: the features and labels of the book models.

Pure Polars over the whole book at once (``ledger.frames.BookFrames``); no I/O, no clock.

**No look-ahead.** ``features(book, as_of)`` reads only what was known on ``as_of``: loans
disbursed on or before it, payments and reversing rows with ``paid_on`` on or before it,
charges with ``posted_on`` on or before it (``interchange.md``: the dates that put them into
the as-of view), and the schedules (known from disbursal). Changing or adding any event
dated after ``as_of`` changes no feature; ``tests/risk/test_behaviour_lookahead.py`` holds
it to that. The labels are the opposite: ``labels_early_warning`` and ``labels_cure`` read
what happened *after* ``as_of``, so they exist only for dates at least a horizon in the past.

**DPD history without snapshots.** The worst days past due over a window is computed from
the as-of logic itself, not from stored snapshots (which exist only for days the cycle ran).
Days past due on day t (events dated on or before t) only moves in steps at events: between
two events the set of unpaid installments is fixed, so dpd grows by one a day (or stays 0).
An event can only lower it if it pays something (a payment) or forgives something (a
waiver); a reversing row or a new charge can only raise it. So the worst dpd over a window
is the larger of dpd on the window's last day and dpd on the day before each payment in the
window, and the best (lowest) dpd over a window is the smaller of dpd on its first day and
on each payment or waiver day. ``dpd_on`` evaluates dpd at any set of (loan, day) pairs
exactly as ``ledger.asof`` would, with as-of joins instead of one as-of view per day.

The history features (worst dpd over 3, 6 and 12 months, overdue installments) read the
*schedule's* days past due: the scheduled amounts (principal, interest, fee_due) against the
payments, charges left out. That is the contract's own delinquency, it is what the lender
and the borrower agreed, and it takes one as-of join per day looked at, where charges
(posted on their own dates, on any installment) need every installment of every day looked
at; on a million loans that is the difference between seconds and a minute. ``dpd`` itself
is the as-of view's (charges included), and so are the labels: going 30+ days past due and
curing are read exactly as the view reads them. ``tests/risk/test_behaviour.py`` checks
every feature and label against a day-by-day scalar reference built on ``domain.schedule``.

**Seam for events the book does not hold yet.** Promises to pay (kept, broken) and contact
outcomes (reached, refused, wrong number) come with the contact and negotiation work. Each
will be a per-loan frame computed from its own events dated on or before ``as_of``, passed
to ``features(..., extra=[...])`` (joined on ``loan_id``, missing loans get nulls), with its
names added to ``LABELS``; ``PLANNED_LABELS`` names the ones foreseen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl

from faircollect.ledger.asof import book_view
from faircollect.ledger.frames import BookFrames
from faircollect.risk import Label

#: Window lengths in days for the "last n months" features.
WINDOWS: dict[str, int] = {"3m": 90, "6m": 180, "12m": 365}
#: Average days in a month, for months on book.
_MONTH = 30.4375

#: Early warning: a current account going this many days past due within the horizon.
EARLY_WARNING_DPD = 30
EARLY_WARNING_HORIZON = 60
#: Cure: a delinquent account back to 0 days past due within the horizon.
CURE_HORIZON = 30

Kind = Literal["early_warning", "cure"]
KINDS: tuple[Kind, ...] = ("early_warning", "cure")

#: Plain names of every feature, in the order ``features`` returns them (after ``loan_id``).
LABELS: dict[str, Label] = {
    "dpd": Label("当前逾期天数", "days past due today", "天", "days"),
    "worst_dpd_3m": Label("近3个月最长逾期天数", "worst days past due in the last 3 months", "天", "days"),
    "worst_dpd_6m": Label("近6个月最长逾期天数", "worst days past due in the last 6 months", "天", "days"),
    "worst_dpd_12m": Label("近12个月最长逾期天数", "worst days past due in the last 12 months", "天", "days"),
    "overdue_installments": Label("当前逾期期数", "installments overdue today", "期", ""),
    "late_installments": Label(
        "未按期还清的期数", "installments not paid in full by their due date", "期", ""
    ),
    "late_installments_3m": Label(
        "近3个月未按期还清的期数", "installments due in the last 3 months not paid in full on time", "期", ""
    ),
    "installments_due": Label("已到期期数", "installments due so far", "期", ""),
    "share_paid": Label("已还金额占应还金额比例", "share of the amount due so far that was paid"),
    "partial_payments_6m": Label("近6个月部分还款次数", "part payments in the last 6 months", "次", ""),
    "payments_3m": Label("近3个月还款次数", "payments in the last 3 months", "次", ""),
    "days_since_payment": Label("距上次还款天数", "days since the last payment", "天", "days"),
    "reversals_12m": Label("近12个月扣款被退回次数", "bounced payments in the last 12 months", "次", ""),
    "charges_12m": Label(
        "近12个月滞纳金及罚息笔数", "late fees and penalties in the last 12 months", "笔", ""
    ),
    "months_on_book": Label("放款后月数", "months since the loan was paid out", "个月", "months"),
    "outstanding_share": Label("剩余本金占比", "share of the principal still outstanding"),
    "principal": Label("贷款金额", "loan amount", "元", ""),
    "term": Label("分期期数", "number of installments", "期", ""),
    "apr": Label("年化利率", "annual interest rate"),
    "product": Label("产品", "product"),
}

#: Features foreseen once promises and contact outcomes are recorded (see the module notes).
PLANNED_LABELS: dict[str, Label] = {
    "promises_6m": Label("近6个月承诺还款次数", "promises to pay in the last 6 months"),
    "broken_promises_6m": Label("近6个月未兑现的还款承诺", "broken promises to pay in the last 6 months"),
    "contacts_reached_share_3m": Label(
        "近3个月联系成功比例", "share of contact attempts that reached the borrower"
    ),
    "refusals_3m": Label("近3个月明确拒绝还款次数", "refusals to pay in the last 3 months"),
}

#: Column types of ``features`` (``loan_id`` first).
FEATURE_SCHEMA: dict[str, pl.DataType] = {
    "loan_id": pl.String(),
    "dpd": pl.Int32(),
    "worst_dpd_3m": pl.Int32(),
    "worst_dpd_6m": pl.Int32(),
    "worst_dpd_12m": pl.Int32(),
    "overdue_installments": pl.Int32(),
    "late_installments": pl.Int32(),
    "late_installments_3m": pl.Int32(),
    "installments_due": pl.Int32(),
    "share_paid": pl.Float64(),
    "partial_payments_6m": pl.Int32(),
    "payments_3m": pl.Int32(),
    "days_since_payment": pl.Int32(),
    "reversals_12m": pl.Int32(),
    "charges_12m": pl.Int32(),
    "months_on_book": pl.Float64(),
    "outstanding_share": pl.Float64(),
    "principal": pl.Float64(),
    "term": pl.Int32(),
    "apr": pl.Float64(),
    "product": pl.String(),
}

LABEL_SCHEMA: dict[str, pl.DataType] = {"loan_id": pl.String(), "target": pl.Int8()}

# Packed sort keys: (loan number k, day) as one Int64, so an as-of join needs no ``by`` groups.
_DAY_BITS = 22
_DAY_OFFSET = 2 ** (_DAY_BITS - 1)


def _days(expr: pl.Expr) -> pl.Expr:
    """A Date as days since 1970-01-01 (Int64)."""
    return expr.cast(pl.Int32).cast(pl.Int64)


def _day_key(k: pl.Expr, day: pl.Expr) -> pl.Expr:
    key: pl.Expr = k.cast(pl.Int64) * 2**_DAY_BITS + (day + _DAY_OFFSET)
    return key


def _number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


@dataclass(frozen=True, slots=True)
class _Ledger:
    """The book as integer columns, events up to ``until``, loans paid out by ``opened_by``.

    ``k`` numbers the loans in loan_id order (as ``ledger.asof`` does); days are day numbers.
    """

    #: k, loan_id, disbursed, principal, term, apr, product, total, smallest, offset.
    loans: pl.DataFrame
    #: k, seq, pos (1.. in seq order), due, base, cum_base, owing; sorted by k, seq.
    inst: pl.DataFrame
    #: day_key, fk, cum_paid: net paid per loan after each payment or reversing row, by day.
    flows: pl.DataFrame
    #: k, day, amount, reversal, day_key: payments and reversing rows up to ``until``, by day_key.
    payments: pl.DataFrame
    #: k, seq, day, amount: charges up to ``until``.
    charges: pl.DataFrame


def _running(expr: pl.Expr) -> pl.Expr:
    """Running sum of ``expr`` restarting at each loan (rows sorted by ``k``).

    The same trick as ``ledger.asof``: one running total over the whole frame, less its value
    just before each loan's first row (carried forward), instead of a window per loan.
    """
    total = expr.cum_sum()
    first = (pl.col("k") != pl.col("k").shift(1)).fill_null(True)
    running: pl.Expr = total - pl.when(first).then(total - expr).forward_fill()
    return running


def _ledger(book: BookFrames, *, opened_by: date, until: date) -> _Ledger:
    loans = (
        book.loans.lazy()
        .filter(pl.col("disbursed_on") <= opened_by)
        .sort("loan_id")
        .with_row_index("k")
        .select(
            pl.col("k").cast(pl.Int64),
            "loan_id",
            disbursed=_days(pl.col("disbursed_on")),
            principal=pl.col("principal"),
            term=pl.col("term").cast(pl.Int32),
            apr=pl.col("apr").cast(pl.Float64, strict=False),
            product=pl.col("product"),
        )
        .collect()
    )
    # k is the loan's place in loan_id order: its index in an Enum of the sorted ids. Each table
    # is read lazily, only the columns used, so the book's other columns are never copied.
    numbered = pl.Enum(loans["loan_id"])
    k = pl.col("loan_id").cast(numbered, strict=False).to_physical().cast(pl.Int64).alias("k")

    inst = (
        book.installments.lazy()
        .select(
            k,
            pl.col("seq").cast(pl.Int32),
            due=_days(pl.col("due_date")).cast(pl.Int32),
            base=pl.col("principal_due") + pl.col("interest_due") + pl.col("fee_due"),
        )
        .filter(pl.col("k").is_not_null())
        .sort(pl.col("k") * 2**32 + pl.col("seq"))
        .with_columns(pl.col("k").set_sorted())
        .with_columns(
            pos=_running(pl.col("k").is_not_null().cast(pl.Int32)),  # 1, 2, ... within each loan
            cum_base=_running(pl.col("base")),
            # Installments owing something, counted up to this one (one owing nothing is never overdue).
            owing=_running((pl.col("base") > 0).cast(pl.Int32)),
        )
        .collect()
    )
    per_loan = inst.group_by("k").agg(total=pl.col("base").sum(), smallest=pl.col("base").min())
    loans = (
        loans.join(per_loan, on="k", how="left", maintain_order="left")
        .with_columns(pl.col("total", "smallest").fill_null(0))
        # The loan's place on one line of amounts: loan k's cumulative amounts live in
        # [offset, offset + total], and the next loan starts above offset + total.
        .with_columns(offset=(pl.col("total") + 1).cum_sum() - (pl.col("total") + 1))
    )
    payments = (
        book.payments.lazy()
        .select(
            k,
            day=_days(pl.col("paid_on")),
            amount=pl.col("amount"),
            reversal=pl.col("reverses").is_not_null(),
        )
        .filter(pl.col("k").is_not_null() & (pl.col("day") <= _number(until)))
        .with_columns(day_key=_day_key(pl.col("k"), pl.col("day")))
        .sort("day_key")
        .with_columns(pl.col("k").set_sorted())
        .collect()
    )
    # The running net paid after each row; of a day's rows the as-of join takes the last.
    net = pl.when(pl.col("reversal")).then(-pl.col("amount")).otherwise(pl.col("amount"))
    flows = payments.select(pl.col("day_key").set_sorted(), fk="k", cum_paid=_running(net))
    charges = (
        book.charges.lazy()
        .select(k, pl.col("seq").cast(pl.Int32), day=_days(pl.col("posted_on")), amount=pl.col("amount"))
        .filter(pl.col("k").is_not_null() & (pl.col("day") <= _number(until)))
        .collect()
    )
    return _Ledger(loans=loans, inst=inst, flows=flows, payments=payments, charges=charges)


def _paid_at(ledger: _Ledger, queries: pl.LazyFrame, day: str, *, ordered: bool = False) -> pl.LazyFrame:
    """``queries`` (with ``k`` and a day column) plus ``paid``: the net paid total on that day.

    Sorted by (k, day) on return; ``ordered`` says they already are (no sort needed).
    """
    keyed = queries.with_columns(day_key=_day_key(pl.col("k"), pl.col(day)))
    keyed = keyed.with_columns(pl.col("day_key").set_sorted()) if ordered else keyed.sort("day_key")
    return (
        keyed.join_asof(ledger.flows.lazy(), on="day_key", strategy="backward")
        .with_columns(paid=pl.when(pl.col("fk") == pl.col("k")).then(pl.col("cum_paid")).otherwise(0))
        .drop("day_key", "fk", "cum_paid")
    )


def _dpd(
    ledger: _Ledger, queries: pl.DataFrame, *, charges: bool = True, ordered: bool = False
) -> pl.DataFrame:
    """Days past due and overdue installments of loan ``k`` on day ``t``, for each query row.

    ``queries`` holds (k, t), t a day number no later than the ledger's ``until``. Returns k,
    t, dpd, overdue (in no particular order). Exactly ``ledger.asof`` on day t: the first
    unpaid installment (the waterfall pays in seq order, charges included) is the oldest
    overdue one if its due date is before t. With ``charges=False``, days past due of the
    schedule alone: charges are left out of what is owed (``domain.schedule`` with no charges).
    """
    q = _paid_at(ledger, queries.lazy().select("k", "t"), "t", ordered=ordered)
    # How many installments fell due before t: the position of the last one due on or before t - 1.
    q = (
        q.with_columns(pl.col("k").set_sorted(), day_key=_day_key(pl.col("k"), pl.col("t") - 1))
        .join_asof(
            ledger.inst.lazy().select(
                _day_key(pl.col("k"), pl.col("due")).set_sorted().alias("day_key"),
                ik="k",
                n_due="pos",
                owing_due="owing",
            ),
            on="day_key",
            strategy="backward",
        )
        .with_columns(
            pl.when(pl.col("ik") == pl.col("k")).then(pl.col("n_due", "owing_due")).otherwise(0),
        )
        .drop("day_key", "ik")
    )
    if not charges or ledger.charges.height == 0:
        return _dpd_plain(ledger, q).collect()
    evaluated = q.collect()
    charged = ledger.charges.select("k").unique()
    plain = evaluated.lazy().join(charged.lazy(), on="k", how="anti")
    with_charges = evaluated.join(charged, on="k", how="semi")
    return pl.concat([_dpd_plain(ledger, plain).collect(), _dpd_charged(ledger, with_charges)])


def _dpd_plain(ledger: _Ledger, q: pl.LazyFrame) -> pl.LazyFrame:
    """Loans without charges: the first unpaid installment is where the paid total falls short
    of the scheduled running total; one forward as-of join on the loans' line of amounts."""
    loans = ledger.loans
    found = (
        q.select(
            "k",
            "t",
            "n_due",
            "owing_due",
            amount_key=pl.lit(loans["offset"]).gather(pl.col("k"))
            + pl.min_horizontal(pl.col("paid").clip(0), pl.lit(loans["total"]).gather(pl.col("k")))
            + 1,
        )
        .sort("amount_key")
        .join_asof(
            ledger.inst.lazy().select(
                # loan k's running totals, placed on one line of amounts after the loans before it
                (pl.col("cum_base") + pl.lit(loans["offset"]).gather(pl.col("k")))
                .set_sorted()
                .alias("amount_key"),
                fk="k",
                first="pos",
                first_due="due",
                owing_first="owing",
            ),
            on="amount_key",
            strategy="forward",
        )
    )
    # The first unpaid installment owes something, so it is the first of the owing ones counted.
    overdue = (pl.col("fk") == pl.col("k")) & (pl.col("first") <= pl.col("n_due"))
    return found.select(
        pl.col("k").set_sorted(),  # the line of amounts runs loan by loan
        "t",
        dpd=pl.when(overdue).then(pl.col("t") - pl.col("first_due")).otherwise(0).cast(pl.Int64),
        overdue=pl.when(overdue)
        .then(pl.col("owing_due") - pl.col("owing_first") + 1)
        .otherwise(0)
        .cast(pl.Int64),
    )


def _dpd_charged(ledger: _Ledger, q: pl.DataFrame) -> pl.DataFrame:
    """Loans with charges: each query against each installment due before t, with the charges
    posted on or before t added to the running total of what is owed."""
    q = q.with_row_index("qid")
    rows = (
        q.select("qid", "k", "t", "paid", "n_due")
        .join(ledger.inst.select("k", "seq", "pos", "due", "base", "cum_base"), on="k", how="inner")
        .filter(pl.col("pos") <= pl.col("n_due"))
    )
    posted = (
        q.select("qid", "k", "t")
        .join(ledger.charges, on="k", how="inner")
        .filter(pl.col("day") <= pl.col("t"))
        .group_by("qid", "seq")
        .agg(charged=pl.col("amount").sum())
    )
    owed = (
        rows.join(posted, on=["qid", "seq"], how="left")
        .sort("qid", "pos")
        .with_columns(pl.col("charged").fill_null(0))
        .with_columns(owed=pl.col("cum_base") + pl.col("charged").cum_sum().over("qid"))
        # Unpaid: the paid total falls short of the running total, and the installment owes something.
        .filter((pl.col("owed") > pl.col("paid")) & (pl.col("base") + pl.col("charged") > 0))
        .group_by("qid")
        .agg(first_due=pl.col("due").min(), overdue=pl.len())
    )
    return (
        q.join(owed, on="qid", how="left")
        .select(
            "k",
            "t",
            dpd=(pl.col("t") - pl.col("first_due")).fill_null(0),
            overdue=pl.col("overdue").fill_null(0),
        )
        .cast({"overdue": pl.Int64})
    )


def dpd_on(book: BookFrames, pairs: pl.DataFrame, *, charges: bool = True) -> pl.DataFrame:
    """Days past due of each (``loan_id``, ``on``) pair as the as-of view of that day says it.

    One row per distinct pair, sorted by loan_id and day, with ``dpd`` and
    ``overdue_installments``. Loans not in the book (or paid out after ``on``) are left out.
    With ``charges=False``, of the schedule alone (what the history features read).
    """
    if pairs.height == 0:
        return pl.DataFrame(
            schema={
                "loan_id": pl.String(),
                "on": pl.Date(),
                "dpd": pl.Int32(),
                "overdue_installments": pl.Int32(),
            }
        )
    last = pairs["on"].max()
    assert isinstance(last, date)
    ledger = _ledger(book, opened_by=last, until=last)
    keyed = (
        pairs.select("loan_id", "on")
        .unique()
        .join(ledger.loans.select("loan_id", "k", "disbursed"), on="loan_id", how="inner")
        .with_columns(t=_days(pl.col("on")))
        .filter(pl.col("disbursed") <= pl.col("t"))
    )
    result = _dpd(ledger, keyed.select("k", "t"), charges=charges)
    return (
        keyed.join(result, on=["k", "t"], how="left")
        .select(
            "loan_id",
            "on",
            pl.col("dpd").cast(pl.Int32),
            pl.col("overdue").cast(pl.Int32).alias("overdue_installments"),
        )
        .sort("loan_id", "on")
    )


def _relief_days(ledger: _Ledger, first: int, last: int, *, waivers: bool = True) -> pl.DataFrame:
    """(k, day) of every payment (and waiver) dated from ``first`` to ``last``: the only events
    that can lower days past due."""
    paid = ledger.payments.filter(~pl.col("reversal") & pl.col("day").is_between(first, last)).select(
        "k", "day"
    )
    if not waivers:
        return paid.unique()
    waived = ledger.charges.filter((pl.col("amount") < 0) & pl.col("day").is_between(first, last))
    return pl.concat([paid, waived.select("k", "day")]).unique()


def _worst_dpd(ledger: _Ledger, loans: pl.DataFrame, first: int, last: int) -> pl.DataFrame:
    """k, worst: the highest days past due of each loan of ``loans`` (column k) on any day first..last."""
    ends = loans.select("k", t=pl.lit(last, dtype=pl.Int64))
    before_relief = (
        _relief_days(ledger, first + 1, last)
        .join(loans.select("k"), on="k", how="semi")
        .select("k", t=pl.col("day") - 1)
    )
    queries = pl.concat([ends, before_relief]).unique()
    return _dpd(ledger, queries).group_by("k").agg(worst=pl.col("dpd").max())


def _best_dpd(ledger: _Ledger, loans: pl.DataFrame, first: int, last: int) -> pl.DataFrame:
    """k, best: the lowest days past due of each loan of ``loans`` on any day first..last."""
    starts = loans.select("k", t=pl.lit(first, dtype=pl.Int64))
    relief = (
        _relief_days(ledger, first + 1, last).join(loans.select("k"), on="k", how="semi").select("k", t="day")
    )
    queries = pl.concat([starts, relief]).unique()
    return _dpd(ledger, queries).group_by("k").agg(best=pl.col("dpd").min())


def features(
    book: BookFrames,
    as_of: date,
    *,
    view: pl.DataFrame | None = None,
    extra: Sequence[pl.DataFrame] = (),
) -> pl.DataFrame:
    """One row per loan paid out on or before ``as_of``: ``FEATURE_SCHEMA``, sorted by loan_id.

    ``view`` is ``ledger.asof.book_view(book, as_of)`` if the caller already has it (the daily
    cycle does); otherwise it is computed. ``extra`` frames (``loan_id`` and more columns, each
    from events dated on or before ``as_of``) are joined on: the seam for promises and contacts.
    """
    d = _number(as_of)
    ledger = _ledger(book, opened_by=as_of, until=as_of)
    loans = ledger.loans
    if view is None:
        view = book_view(book, as_of)
    longest = max(WINDOWS.values())
    # Days past due on the last day and on the day before each relief in the longest window.
    # Both parts are in (k, t) order; merged, so is the whole (no sort of the queries).
    today = loans.select("k", t=pl.lit(d, dtype=pl.Int64))
    paid_days = ledger.payments.filter(~pl.col("reversal") & (pl.col("day") >= d - longest + 2))
    before = paid_days.select("k", t=pl.col("day") - 1)
    order = _day_key(pl.col("k"), pl.col("t"))
    queries = (
        today.with_columns(order=order)
        .merge_sorted(before.with_columns(order=order), key="order")
        .drop("order")
    )
    history = _dpd(ledger, queries, charges=False, ordered=True)
    dpd = history.group_by("k").agg(
        overdue_installments=pl.col("overdue").filter(pl.col("t") == d).first(),
        **{
            f"worst_dpd_{name}": pl.col("dpd").filter(pl.col("t") >= d - days + 1).max()
            for name, days in WINDOWS.items()
        },
    )

    # Installments due so far: was the scheduled amount through each paid by its due date?
    due = _paid_at(
        ledger,
        ledger.inst.lazy().filter(pl.col("due") <= d).select("k", "due", "base", "cum_base"),
        "due",
        ordered=True,
    )
    late = (pl.col("due") < d) & (pl.col("paid") < pl.col("cum_base"))
    schedule = (
        due.with_columns(pl.col("k").set_sorted())
        .group_by("k")
        .agg(
            installments_due=(pl.col("due") < d).sum(),
            late_installments=late.sum(),
            late_installments_3m=(late & (pl.col("due") > d - WINDOWS["3m"])).sum(),
            due_amount=pl.col("base").sum(),
        )
        .collect()
    )

    paying = ~pl.col("reversal")
    smaller = pl.col("amount") < pl.lit(loans["smallest"]).gather(pl.col("k"))  # than any installment
    payment_counts = (
        ledger.payments.with_columns(partial=paying & smaller)
        .group_by("k")
        .agg(
            last_payment=pl.col("day").filter(paying).max(),
            payments_3m=(paying & (pl.col("day") > d - WINDOWS["3m"])).sum(),
            partial_payments_6m=(pl.col("partial") & (pl.col("day") > d - WINDOWS["6m"])).sum(),
            reversals_12m=(pl.col("reversal") & (pl.col("day") > d - WINDOWS["12m"])).sum(),
        )
    )
    charges = (
        ledger.charges.filter((pl.col("amount") > 0) & (pl.col("day") > d - WINDOWS["12m"]))
        .group_by("k")
        .agg(charges_12m=pl.len())
    )
    state = view.select("loan_id", "dpd", "paid_total", "outstanding_principal")

    counts = ["late_installments", "late_installments_3m", "installments_due", "payments_3m"]
    counts += ["partial_payments_6m", "reversals_12m", "charges_12m"]
    frame = (
        loans.join(dpd, on="k", how="left")
        .join(schedule, on="k", how="left")
        .join(payment_counts, on="k", how="left")
        .join(charges, on="k", how="left")
        .join(state, on="loan_id", how="left")
        .with_columns(pl.col(counts).fill_null(0))
        .with_columns(
            share_paid=pl.when(pl.col("due_amount").fill_null(0) > 0)
            .then(pl.col("paid_total") / pl.col("due_amount"))
            .otherwise(1.0),
            days_since_payment=pl.lit(d, dtype=pl.Int64)
            - pl.col("last_payment").fill_null(pl.col("disbursed")),
            months_on_book=(pl.lit(d, dtype=pl.Int64) - pl.col("disbursed")) / _MONTH,
            outstanding_share=pl.when(pl.col("principal") > 0)
            .then(pl.col("outstanding_principal") / pl.col("principal"))
            .otherwise(0.0),
        )
        .with_columns(principal=pl.col("principal") / 100)  # in yuan (dollars...): two minor digits
        .sort("loan_id")
        .select([pl.col(name).cast(dtype) for name, dtype in FEATURE_SCHEMA.items()])
    )
    for more in extra:
        frame = frame.join(more, on="loan_id", how="left", maintain_order="left")
    return frame


def _eligible(book: BookFrames, as_of: date, view: pl.DataFrame | None, status: str) -> pl.DataFrame:
    """loan_id of the loans paid out by ``as_of`` whose as-of status that day is ``status``."""
    if view is None:
        view = book_view(book, as_of)
    opened = book.loans.filter(pl.col("disbursed_on") <= as_of).select("loan_id")
    return view.filter(pl.col("status") == status).select("loan_id").join(opened, on="loan_id", how="semi")


def labels_early_warning(
    book: BookFrames, as_of: date, horizon: int = EARLY_WARNING_HORIZON, *, view: pl.DataFrame | None = None
) -> pl.DataFrame:
    """For each account current on ``as_of``: 1 if it is 30 or more days past due on some day of
    the next ``horizon`` days, else 0 (``LABEL_SCHEMA``, sorted by loan_id).

    Reads events up to ``as_of + horizon``: only for dates at least ``horizon`` days in the past.
    """
    end = as_of + timedelta(days=horizon)
    ledger = _ledger(book, opened_by=as_of, until=end)
    chosen = ledger.loans.join(_eligible(book, as_of, view, "current"), on="loan_id", how="semi")
    worst = _worst_dpd(ledger, chosen.select("k"), _number(as_of) + 1, _number(end))
    return (
        chosen.select("k", "loan_id")
        .join(worst, on="k", how="left")
        .select("loan_id", target=(pl.col("worst").fill_null(0) >= EARLY_WARNING_DPD).cast(pl.Int8))
        .sort("loan_id")
    )


def labels_cure(
    book: BookFrames, as_of: date, horizon: int = CURE_HORIZON, *, view: pl.DataFrame | None = None
) -> pl.DataFrame:
    """For each account delinquent on ``as_of``: 1 if it is back to 0 days past due (current or
    settled) on some day of the next ``horizon`` days, else 0 (``LABEL_SCHEMA``, by loan_id).

    Reads events up to ``as_of + horizon``: only for dates at least ``horizon`` days in the past.
    """
    end = as_of + timedelta(days=horizon)
    ledger = _ledger(book, opened_by=as_of, until=end)
    chosen = ledger.loans.join(_eligible(book, as_of, view, "delinquent"), on="loan_id", how="semi")
    best = _best_dpd(ledger, chosen.select("k"), _number(as_of) + 1, _number(end))
    return (
        chosen.select("k", "loan_id")
        .join(best, on="k", how="left")
        .select("loan_id", target=(pl.col("best") == 0).fill_null(False).cast(pl.Int8))
        .sort("loan_id")
    )


def horizon_of(kind: str) -> int:
    """Days after the as-of date that a label of ``kind`` reads."""
    return EARLY_WARNING_HORIZON if kind == "early_warning" else CURE_HORIZON


def eligible_status(kind: Kind) -> str:
    """The as-of status of the accounts a model of ``kind`` is for."""
    return "current" if kind == "early_warning" else "delinquent"


def training_set(book: BookFrames, *, kind: Kind, dates: Sequence[date]) -> pl.DataFrame:
    """Features and ``target`` of every eligible account on each of ``dates``, with ``as_of``.

    Columns: ``as_of``, then ``FEATURE_SCHEMA`` and ``target``. Each date must be at least the
    kind's horizon before the last day the book holds events for (the labels read that far).
    """
    label = labels_early_warning if kind == "early_warning" else labels_cure
    parts = []
    for day in sorted(set(dates)):
        view = book_view(book, day)
        rows = features(book, day, view=view).join(label(book, day, view=view), on="loan_id", how="inner")
        parts.append(rows.select(pl.lit(day).alias("as_of"), pl.all()))
    if not parts:
        return pl.DataFrame(schema={"as_of": pl.Date(), **FEATURE_SCHEMA, "target": pl.Int8()})
    return pl.concat(parts)
