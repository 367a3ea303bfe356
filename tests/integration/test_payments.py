"""Real-time re-grading: one payment moves its account at once, without rerunning the book."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from faircollect.adapters.db import tables
from faircollect.adapters.interchange.reader import read_folder
from faircollect.bootstrap import Platform
from faircollect.domain.errors import BadInput, Conflict, NotFound
from faircollect.domain.schedule import DEFAULT_BUCKET_EDGES
from faircollect.services import daily_cycle, payments
from faircollect.services.ingest import ingest
from tests.conftest import FIXTURES, NOW

AS_OF = date(2026, 3, 20)


@pytest.fixture
def cycled(platform: Platform) -> Platform:
    ingest(uow=platform.uow(), raw=read_folder(FIXTURES / "books" / "basic"), actor="test", now=NOW)
    daily_cycle.run_day(uow=platform.uow(), as_of=AS_OF, clock=platform.clock, edges=DEFAULT_BUCKET_EDGES)
    return platform


def _post(platform: Platform, loan: str, pid: str, amount: int, paid_on: date = AS_OF) -> payments.Regrade:
    return payments.post_payment(
        uow=platform.uow(),
        loan_id=loan,
        payment_id=pid,
        paid_on=paid_on,
        amount=amount,
        as_of=AS_OF,
        now=NOW,
        actor="agent:A1",
        edges=DEFAULT_BUCKET_EDGES,
    )


def _state(platform: Platform, loan: str) -> tuple[str, int, str]:
    s = tables.account_state.c
    with platform.engine.connect() as conn:
        row = conn.execute(select(s.bucket, s.overdue_amount, s.source).where(s.loan_id == loan)).one()
    return row.bucket, row.overdue_amount, row.source


def test_paying_the_overdue_amount_cures_the_account_at_once(cycled: Platform) -> None:
    assert _state(cycled, "L2") == ("M1", 64000, "cycle")
    result = _post(cycled, "L2", "P100", 64000)
    assert result.before is not None
    assert result.before.bucket == "M1"
    assert (result.after.bucket, result.after.status, result.after.outstanding_total) == ("M0", "settled", 0)
    assert _state(cycled, "L2") == ("M0", 0, "payment")
    with cycled.engine.connect() as conn:
        move = conn.execute(
            select(
                tables.bucket_moves.c.from_bucket,
                tables.bucket_moves.c.to_bucket,
                tables.bucket_moves.c.cause,
            )
            .where(tables.bucket_moves.c.loan_id == "L2")
            .order_by(tables.bucket_moves.c.id.desc())
        ).first()
        last = conn.execute(select(tables.evidence.c.action).order_by(tables.evidence.c.seq.desc())).first()
    assert tuple(move or ()) == ("M1", "M0", "payment")
    assert last is not None
    assert last.action == "faircollect.payment.posted"


def test_a_partial_payment_keeps_the_bucket_and_records_no_move(cycled: Platform) -> None:
    result = _post(cycled, "L3", "P101", 10000)
    assert not result.moved
    assert _state(cycled, "L3") == ("M1", 16000, "payment")


def test_reversing_a_payment_sends_the_account_back(cycled: Platform) -> None:
    _post(cycled, "L2", "P100", 64000)
    result = payments.reverse_payment(
        uow=cycled.uow(),
        payment_id="P100",
        reversal_id="P100-R",
        paid_on=AS_OF,
        as_of=AS_OF,
        now=NOW,
        actor="system:bank-return",
        edges=DEFAULT_BUCKET_EDGES,
    )
    assert (result.after.bucket, result.after.overdue_amount) == ("M1", 64000)
    assert _state(cycled, "L2")[0] == "M1"


def test_payment_mistakes_are_refused_and_change_nothing(cycled: Platform) -> None:
    with pytest.raises(NotFound):
        _post(cycled, "L404", "P100", 100)
    with pytest.raises(Conflict, match="already exists"):
        _post(cycled, "L2", "P1", 100)
    with pytest.raises(BadInput):
        _post(cycled, "L2", "P100", 0)
    with pytest.raises(BadInput, match="after the as-of date"):
        _post(cycled, "L2", "P100", 100, paid_on=date(2026, 3, 21))
    kwargs = dict(uow=None, paid_on=AS_OF, as_of=AS_OF, now=NOW, actor="t", edges=DEFAULT_BUCKET_EDGES)
    with pytest.raises(Conflict, match="already reversed"):
        payments.reverse_payment(**{**kwargs, "uow": cycled.uow()}, payment_id="P4", reversal_id="R1")  # type: ignore[arg-type]
    with pytest.raises(Conflict, match="itself a reversal"):
        payments.reverse_payment(**{**kwargs, "uow": cycled.uow()}, payment_id="P5", reversal_id="R1")  # type: ignore[arg-type]
    assert _state(cycled, "L2") == ("M1", 64000, "cycle")


def test_the_next_cycle_agrees_with_the_real_time_grade(cycled: Platform) -> None:
    _post(cycled, "L2", "P100", 64000)
    report = daily_cycle.run_day(
        uow=cycled.uow(), as_of=date(2026, 3, 21), clock=cycled.clock, edges=DEFAULT_BUCKET_EDGES
    )
    assert report.moves == 0, "the payment's move was already recorded; the cycle must not repeat it"
