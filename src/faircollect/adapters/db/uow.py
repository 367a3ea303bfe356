"""The SQL unit of work and its repositories: the book, the account views and the evidence log."""

from __future__ import annotations

import json
import zlib
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

import polars as pl
from sqlalchemy import Connection, Engine, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from faircollect.adapters.db import bulk, tables
from faircollect.domain.evidence import EvidenceEntry, make_entry
from faircollect.domain.schedule import AccountView, Charge, Installment, Payment
from faircollect.domain.scoring import ModelRecord
from faircollect.interchange.validate import typed_schema
from faircollect.ledger.frames import VIEW_SCHEMA, BookFrames

STATE_SCHEMA = {**VIEW_SCHEMA, "source": pl.String()}
MOVES_SCHEMA = {
    "loan_id": pl.String(),
    "moved_on": pl.Date(),
    "from_bucket": pl.String(),
    "to_bucket": pl.String(),
    "cause": pl.String(),
}
#: Stored daily scores (``risk_scores``), reasons as JSON lists.
SCORES_SCHEMA = {
    "as_of": pl.Date(),
    "loan_id": pl.String(),
    "kind": pl.String(),
    "score": pl.Float64(),
    "band": pl.String(),
    "reason_features": pl.String(),
    "reasons_zh": pl.String(),
    "reasons_en": pl.String(),
    "model_version": pl.String(),
}
_KEYS = {
    "borrowers": ["borrower_id"],
    "contacts": ["contact_id"],
    "loans": ["loan_id"],
    "installments": ["loan_id", "seq"],
    "charges": ["charge_id"],
    "payments": ["payment_id"],
}


@dataclass
class SqlLoanRecord:
    loan_id: str
    borrower_id: str
    currency: str
    installments: list[Installment] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)


def _cols(name: str) -> str:
    return ", ".join(typed_schema(name))


class SqlBookStore:
    def __init__(self, conn: Connection, engine: Engine) -> None:
        self._conn = conn
        self._engine = engine

    def is_empty(self) -> bool:
        return self._conn.execute(select(tables.loans.c.loan_id).limit(1)).first() is None and (
            self._conn.execute(select(tables.borrowers.c.borrower_id).limit(1)).first() is None
        )

    def load_table(self, name: str) -> pl.DataFrame:
        """A whole table as a typed frame, in storage order (callers sort where order matters)."""
        return bulk.read_frame(self._conn, f"SELECT {_cols(name)} FROM {name}", typed_schema(name))

    def load_book(self) -> BookFrames:
        return BookFrames(
            loans=self.load_table("loans"),
            installments=self.load_table("installments"),
            charges=self.load_table("charges"),
            payments=self.load_table("payments"),
        )

    def insert(self, name: str, frame: pl.DataFrame) -> int:
        return bulk.insert_frame(self._conn, tables.BOOK_TABLES[name], frame)

    def update(self, name: str, frame: pl.DataFrame) -> int:
        return bulk.update_frame(self._conn, tables.BOOK_TABLES[name], frame, _KEYS[name])

    def loan(self, loan_id: str) -> SqlLoanRecord | None:
        t = tables
        row = self._conn.execute(
            select(t.loans.c.loan_id, t.loans.c.borrower_id, t.loans.c.currency).where(
                t.loans.c.loan_id == loan_id
            )
        ).first()
        if row is None:
            return None
        record = SqlLoanRecord(row.loan_id, row.borrower_id, row.currency)
        i = t.installments.c
        for ir in self._conn.execute(
            select(i.seq, i.due_date, i.principal_due, i.interest_due, i.fee_due)
            .where(i.loan_id == loan_id)
            .order_by(i.seq)
        ):
            record.installments.append(Installment(*ir))
        c = t.charges.c
        for cr in self._conn.execute(
            select(c.charge_id, c.seq, c.posted_on, c.amount, c.kind).where(c.loan_id == loan_id)
        ):
            record.charges.append(Charge(*cr))
        p = t.payments.c
        for pr in self._conn.execute(
            select(p.payment_id, p.paid_on, p.amount, p.reverses).where(p.loan_id == loan_id)
        ):
            record.payments.append(Payment(*pr))
        return record

    def payment(self, payment_id: str) -> Payment | None:
        p = tables.payments.c
        r = self._conn.execute(
            select(p.payment_id, p.paid_on, p.amount, p.reverses).where(p.payment_id == payment_id)
        ).first()
        return None if r is None else Payment(*r)

    def payment_loan(self, payment_id: str) -> str | None:
        p = tables.payments.c
        return self._conn.execute(select(p.loan_id).where(p.payment_id == payment_id)).scalar()

    def reversal_of(self, payment_id: str) -> str | None:
        p = tables.payments.c
        return self._conn.execute(select(p.payment_id).where(p.reverses == payment_id)).scalar()

    def add_payment(self, *, loan_id: str, payment: Payment) -> None:
        self._conn.execute(
            insert(tables.payments).values(
                payment_id=payment.payment_id,
                loan_id=loan_id,
                paid_on=payment.paid_on,
                amount=payment.amount,
                reverses=payment.reverses,
            )
        )


class SqlAccountViews:
    def __init__(self, conn: Connection, engine: Engine) -> None:
        self._conn = conn
        self._engine = engine

    def state(self) -> pl.DataFrame:
        return bulk.read_frame(
            self._conn,
            f"SELECT {', '.join(STATE_SCHEMA)} FROM account_state",
            STATE_SCHEMA,
        )

    def state_of(self, loan_id: str) -> AccountView | None:
        s = tables.account_state.c
        r = self._conn.execute(select(*(s[c] for c in VIEW_SCHEMA)).where(s.loan_id == loan_id)).first()
        return None if r is None else AccountView(*r)

    def upsert_state(self, frame: pl.DataFrame, *, source: str) -> int:
        rows = frame.select(list(VIEW_SCHEMA)).with_columns(pl.lit(source).alias("source"))
        return bulk.upsert_frame(self._conn, tables.account_state, rows, ["loan_id"])

    def put_state(self, view: AccountView, *, source: str) -> None:
        values = {c: getattr(view, c) for c in VIEW_SCHEMA} | {"source": source}
        upsert = sqlite_insert if self._conn.dialect.name == "sqlite" else pg_insert
        stmt = upsert(tables.account_state).values(**values)
        self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["loan_id"], set_={k: v for k, v in values.items() if k != "loan_id"}
            )
        )

    def add_move(
        self, *, loan_id: str, on: date, from_bucket: str | None, to_bucket: str, cause: str
    ) -> None:
        self._conn.execute(
            insert(tables.bucket_moves).values(
                loan_id=loan_id, moved_on=on, from_bucket=from_bucket, to_bucket=to_bucket, cause=cause
            )
        )

    def write_snapshot(self, frame: pl.DataFrame) -> int:
        return bulk.insert_frame(self._conn, tables.account_snapshots, frame.select(list(VIEW_SCHEMA)))

    def snapshot(self, as_of: date) -> pl.DataFrame:
        return bulk.read_frame(
            self._conn,
            f"SELECT {', '.join(VIEW_SCHEMA)} FROM account_snapshots "
            f"WHERE as_of = '{as_of.isoformat()}' ORDER BY loan_id",
            VIEW_SCHEMA,
        )

    def add_moves(self, frame: pl.DataFrame) -> int:
        return bulk.insert_frame(self._conn, tables.bucket_moves, frame.select(list(MOVES_SCHEMA)))

    def moves(self, *, since: date | None = None) -> pl.DataFrame:
        where = f" WHERE moved_on >= '{since.isoformat()}'" if since else ""
        return bulk.read_frame(
            self._conn,
            f"SELECT {', '.join(MOVES_SCHEMA)} FROM bucket_moves{where} ORDER BY moved_on, loan_id, id",
            MOVES_SCHEMA,
        )

    def cycle_dates(self) -> list[date]:
        c = tables.cycle_runs.c
        return list(self._conn.execute(select(c.as_of).order_by(c.as_of)).scalars())

    def record_cycle(
        self,
        *,
        as_of: date,
        started_at: str,
        finished_at: str,
        loans: int,
        moves: int,
        forced: bool,
        digest: str,
    ) -> None:
        self._conn.execute(
            insert(tables.cycle_runs).values(
                as_of=as_of,
                started_at=started_at,
                finished_at=finished_at,
                loans=loans,
                moves=moves,
                forced=forced,
                digest=digest,
            )
        )


class SqlRiskStore:
    """Book models, the active one per kind, and the daily scores."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_model(self, record: ModelRecord) -> None:
        self._conn.execute(
            insert(tables.risk_models).values(
                version=record.version,
                kind=record.kind,
                trained_on=record.trained_on,
                path=record.path,
                cutoffs=json.dumps(list(record.cutoffs)),
                metrics=json.dumps(record.metrics, ensure_ascii=False, sort_keys=True),
                card=json.dumps(record.card, ensure_ascii=False, sort_keys=True, default=str),
                created_at=record.created_at,
            )
        )

    def activate(self, *, kind: str, version: str, at: str) -> None:
        t = tables.risk_active_models
        self._conn.execute(delete(t).where(t.c.kind == kind))
        self._conn.execute(insert(t).values(kind=kind, version=version, activated_at=at))

    @staticmethod
    def _record(row: Any) -> ModelRecord:
        low, mid, high = json.loads(row.cutoffs)
        return ModelRecord(
            version=row.version,
            kind=row.kind,
            trained_on=row.trained_on,
            path=row.path,
            cutoffs=(float(low), float(mid), float(high)),
            metrics=json.loads(row.metrics),
            card=json.loads(row.card),
            created_at=row.created_at,
        )

    def model(self, version: str) -> ModelRecord | None:
        m = tables.risk_models
        row = self._conn.execute(select(m).where(m.c.version == version)).first()
        return None if row is None else self._record(row)

    def models(self) -> list[ModelRecord]:
        m = tables.risk_models
        return [self._record(r) for r in self._conn.execute(select(m).order_by(m.c.created_at, m.c.version))]

    def active_models(self) -> dict[str, ModelRecord]:
        m, a = tables.risk_models, tables.risk_active_models
        rows = self._conn.execute(select(m).join(a, a.c.version == m.c.version).order_by(a.c.kind))
        return {r.kind: self._record(r) for r in rows}

    def write_scores(self, frame: pl.DataFrame) -> int:
        return bulk.insert_frame(self._conn, tables.risk_scores, frame.select(list(SCORES_SCHEMA)))

    def scores(self, *, as_of: date | None = None, since: date | None = None) -> pl.DataFrame:
        where = []
        if as_of is not None:
            where.append(f"as_of = '{as_of.isoformat()}'")
        if since is not None:
            where.append(f"as_of >= '{since.isoformat()}'")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return bulk.read_frame(
            self._conn,
            f"SELECT {', '.join(SCORES_SCHEMA)} FROM risk_scores{clause} ORDER BY as_of, loan_id",
            SCORES_SCHEMA,
        )

    def score_dates(self) -> list[date]:
        s = tables.risk_scores.c
        return list(self._conn.execute(select(s.as_of).distinct().order_by(s.as_of)).scalars())

    def band_counts(self, as_of: date) -> pl.DataFrame:
        s = tables.risk_scores.c
        rows = self._conn.execute(
            select(s.kind, s.band, s.model_version, func.count())
            .where(s.as_of == as_of)
            .group_by(s.kind, s.band, s.model_version)
        ).all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            schema={
                "kind": pl.String(),
                "band": pl.String(),
                "model_version": pl.String(),
                "accounts": pl.Int64(),
            },
            orient="row",
        )


class SqlEvidenceLog:
    """Appends hash-linked entries; the database's triggers refuse any change to old ones."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._head: EvidenceEntry | None = None
        self._head_known = False

    def head(self) -> EvidenceEntry | None:
        if not self._head_known:
            e = tables.evidence.c
            r = self._conn.execute(select(tables.evidence).order_by(e.seq.desc()).limit(1)).first()
            self._head = None if r is None else EvidenceEntry(*r)
            self._head_known = True
        return self._head

    def append(
        self, *, at: datetime, action: str, actor: str, subject: str, payload: Mapping[str, Any]
    ) -> EvidenceEntry:
        if self._conn.dialect.name == "postgresql" and not self._head_known:
            self._conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_lock_id("evidence"),))
        entry = make_entry(
            prev=self.head(), at=at, action=action, actor=actor, subject=subject, payload=payload
        )
        self._conn.execute(
            insert(tables.evidence).values(
                seq=entry.seq,
                at=entry.at,
                action=entry.action,
                actor=entry.actor,
                subject=entry.subject,
                payload=entry.payload,
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
        )
        self._head = entry
        return entry

    def entries(self) -> Generator[EvidenceEntry]:
        e = tables.evidence.c
        result = self._conn.execution_options(yield_per=5000).execute(select(tables.evidence).order_by(e.seq))
        try:
            for r in result:
                yield EvidenceEntry(*r)
        finally:
            result.close()

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(tables.evidence)).scalar_one())


def _lock_id(name: str) -> int:
    return zlib.crc32(f"faircollect:{name}".encode())


class SqlUnitOfWork:
    """One connection, one transaction. Rolled back unless ``commit`` is called."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> Self:
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        self.book = SqlBookStore(self._conn, self._engine)
        self.views = SqlAccountViews(self._conn, self._engine)
        self.risk = SqlRiskStore(self._conn)
        self.evidence = SqlEvidenceLog(self._conn)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._tx.is_active:
            self._tx.rollback()
        self._conn.close()

    def commit(self) -> None:
        self._tx.commit()
        self._tx = self._conn.begin()
        self.evidence = SqlEvidenceLog(self._conn)

    def rollback(self) -> None:
        self._tx.rollback()
        self._tx = self._conn.begin()
        self.evidence = SqlEvidenceLog(self._conn)

    def lock(self, name: str) -> None:
        """Serialise writers of ``name`` (PostgreSQL advisory lock; SQLite has one writer anyway)."""
        if self._conn.dialect.name == "postgresql":
            self._conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_lock_id(name),))
        else:
            # A write statement, even one that touches no row, takes SQLite's RESERVED lock now,
            # so a second writer waits here (busy_timeout) instead of failing at its first write.
            self._conn.exec_driver_sql("DELETE FROM cycle_runs WHERE 0")
