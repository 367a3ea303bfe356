"""Table definitions (SQLAlchemy Core). Migrations are generated from these, then reviewed."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(64)
MONEY = BigInteger  # integer minor units

borrowers = Table(
    "borrowers",
    metadata,
    Column("borrower_id", ID, primary_key=True),
    Column("name", Text, nullable=False),
    Column("phone", String(20), nullable=False),
    Column("email", Text),
    Column("address", Text),
    Column("region", String(8)),
    Column("timezone", String(64), nullable=False),
    Column("language", String(2), nullable=False),
    Column("id_number", String(32)),
)

contacts = Table(
    "contacts",
    metadata,
    Column("contact_id", ID, primary_key=True),
    Column("borrower_id", ID, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("phone", String(20), nullable=False),
    Column("relation", String(16), nullable=False),
    Column("consented", Boolean, nullable=False),
)

loans = Table(
    "loans",
    metadata,
    Column("loan_id", ID, primary_key=True),
    Column("borrower_id", ID, nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("principal", MONEY, nullable=False),
    Column("disbursed_on", Date, nullable=False),
    Column("term", Integer, nullable=False),
    Column("apr", String(16)),
    Column("product", Text),
)

installments = Table(
    "installments",
    metadata,
    Column("loan_id", ID, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("due_date", Date, nullable=False),
    Column("principal_due", MONEY, nullable=False),
    Column("interest_due", MONEY, nullable=False),
    Column("fee_due", MONEY, nullable=False),
)

charges = Table(
    "charges",
    metadata,
    Column("charge_id", ID, primary_key=True),
    Column("loan_id", ID, nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("posted_on", Date, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("kind", String(24)),
)

payments = Table(
    "payments",
    metadata,
    Column("payment_id", ID, primary_key=True),
    Column("loan_id", ID, nullable=False, index=True),
    Column("paid_on", Date, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("reverses", ID),
)

#: The view of each account as the latest cycle or real-time re-grade left it.
account_state = Table(
    "account_state",
    metadata,
    Column("loan_id", ID, primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("dpd", Integer, nullable=False),
    Column("bucket", String(8), nullable=False, index=True),
    Column("overdue_amount", MONEY, nullable=False),
    Column("outstanding_total", MONEY, nullable=False),
    Column("outstanding_principal", MONEY, nullable=False),
    Column("paid_total", MONEY, nullable=False),
    Column("status", String(12), nullable=False),
    Column("source", String(12), nullable=False),  # cycle | payment
)

#: One row per loan per cycle date: the day's snapshot, never changed afterwards.
account_snapshots = Table(
    "account_snapshots",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("loan_id", ID, primary_key=True),
    Column("dpd", Integer, nullable=False),
    Column("bucket", String(8), nullable=False),
    Column("overdue_amount", MONEY, nullable=False),
    Column("outstanding_total", MONEY, nullable=False),
    Column("outstanding_principal", MONEY, nullable=False),
    Column("paid_total", MONEY, nullable=False),
    Column("status", String(12), nullable=False),
)

bucket_moves = Table(
    "bucket_moves",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("loan_id", ID, nullable=False, index=True),
    Column("moved_on", Date, nullable=False, index=True),
    Column("from_bucket", String(8)),
    Column("to_bucket", String(8), nullable=False),
    Column("cause", String(12), nullable=False),  # cycle | payment | reversal
)

cycle_runs = Table(
    "cycle_runs",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40), nullable=False),
    Column("loans", Integer, nullable=False),
    Column("moves", Integer, nullable=False),
    Column("forced", Boolean, nullable=False),
    Column("digest", String(64), nullable=False),
)

#: The tamper-evident record. Append-only: triggers refuse UPDATE and DELETE.
evidence = Table(
    "evidence",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("action", String(96), nullable=False, index=True),
    Column("actor", String(96), nullable=False),
    Column("subject", String(128), nullable=False, index=True),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

#: Every book model trained (early warning, cure): its file, band cut-offs, figures and card (JSON).
risk_models = Table(
    "risk_models",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("kind", String(16), nullable=False, index=True),
    Column("trained_on", Date, nullable=False),
    Column("path", Text, nullable=False),
    Column("cutoffs", Text, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("card", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)

#: The model of each kind the daily cycle scores with.
risk_active_models = Table(
    "risk_active_models",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("activated_at", String(40), nullable=False),
)

#: One score per account per cycle date: the model's probability, its band, and why (JSON lists).
risk_scores = Table(
    "risk_scores",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("loan_id", ID, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("band", String(12), nullable=False),
    Column("reason_features", Text, nullable=False),
    Column("reasons_zh", Text, nullable=False),
    Column("reasons_en", Text, nullable=False),
    Column("model_version", String(64), nullable=False),
)

Index("ix_bucket_moves_loan_day", bucket_moves.c.loan_id, bucket_moves.c.moved_on)
Index("ix_risk_scores_loan_day", risk_scores.c.loan_id, risk_scores.c.as_of)

BOOK_TABLES = {
    "borrowers": borrowers,
    "contacts": contacts,
    "loans": loans,
    "installments": installments,
    "charges": charges,
    "payments": payments,
}
