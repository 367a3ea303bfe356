"""loan book, views, cycle runs and evidence

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The evidence record is append-only: the database itself refuses UPDATE and DELETE.
_PG_UP = [
    """CREATE FUNCTION evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'evidence is append-only: % refused', TG_OP;
    END $$""",
    "CREATE TRIGGER evidence_no_update BEFORE UPDATE OR DELETE ON evidence "
    "FOR EACH ROW EXECUTE FUNCTION evidence_append_only()",
    "CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON evidence "
    "FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only()",
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS evidence_no_truncate ON evidence",
    "DROP TRIGGER IF EXISTS evidence_no_update ON evidence",
    "DROP FUNCTION IF EXISTS evidence_append_only()",
]
_SQLITE_UP = [
    "CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence "
    "BEGIN SELECT RAISE(ABORT, 'evidence is append-only: UPDATE refused'); END",
    "CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence "
    "BEGIN SELECT RAISE(ABORT, 'evidence is append-only: DELETE refused'); END",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS evidence_no_delete",
    "DROP TRIGGER IF EXISTS evidence_no_update",
]


def _triggers(up: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    pick = {
        (True, True): _SQLITE_UP,
        (True, False): _PG_UP,
        (False, True): _SQLITE_DOWN,
        (False, False): _PG_DOWN,
    }
    statements = pick[(up, sqlite)]
    for statement in statements:
        op.execute(statement)


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_snapshots",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=8), nullable=False),
        sa.Column("overdue_amount", sa.BigInteger(), nullable=False),
        sa.Column("outstanding_total", sa.BigInteger(), nullable=False),
        sa.Column("outstanding_principal", sa.BigInteger(), nullable=False),
        sa.Column("paid_total", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("as_of", "loan_id", name=op.f("pk_account_snapshots")),
    )
    op.create_table(
        "account_state",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=8), nullable=False),
        sa.Column("overdue_amount", sa.BigInteger(), nullable=False),
        sa.Column("outstanding_total", sa.BigInteger(), nullable=False),
        sa.Column("outstanding_principal", sa.BigInteger(), nullable=False),
        sa.Column("paid_total", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_account_state")),
    )
    with op.batch_alter_table("account_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_state_bucket"), ["bucket"], unique=False)

    op.create_table(
        "borrowers",
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("region", sa.String(length=8), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("borrower_id", name=op.f("pk_borrowers")),
    )
    op.create_table(
        "bucket_moves",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("from_bucket", sa.String(length=8), nullable=True),
        sa.Column("to_bucket", sa.String(length=8), nullable=False),
        sa.Column("cause", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bucket_moves")),
    )
    with op.batch_alter_table("bucket_moves", schema=None) as batch_op:
        batch_op.create_index("ix_bucket_moves_loan_day", ["loan_id", "moved_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_bucket_moves_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bucket_moves_moved_on"), ["moved_on"], unique=False)

    op.create_table(
        "charges",
        sa.Column("charge_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("charge_id", name=op.f("pk_charges")),
    )
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charges_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("consented", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_borrower_id"), ["borrower_id"], unique=False)

    op.create_table(
        "cycle_runs",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", sa.String(length=40), nullable=False),
        sa.Column("finished_at", sa.String(length=40), nullable=False),
        sa.Column("loans", sa.Integer(), nullable=False),
        sa.Column("moves", sa.Integer(), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("as_of", name=op.f("pk_cycle_runs")),
    )
    op.create_table(
        "evidence",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=96), nullable=False),
        sa.Column("actor", sa.String(length=96), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_subject"), ["subject"], unique=False)

    op.create_table(
        "installments",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("principal_due", sa.BigInteger(), nullable=False),
        sa.Column("interest_due", sa.BigInteger(), nullable=False),
        sa.Column("fee_due", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("loan_id", "seq", name=op.f("pk_installments")),
    )
    op.create_table(
        "loans",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("principal", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=False),
        sa.Column("term", sa.Integer(), nullable=False),
        sa.Column("apr", sa.String(length=16), nullable=True),
        sa.Column("product", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_loans")),
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loans_borrower_id"), ["borrower_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("payment_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reverses", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_loan_id"), ["loan_id"], unique=False)

    _triggers(up=True)


def downgrade() -> None:
    _triggers(up=False)
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_loan_id"))

    op.drop_table("payments")
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loans_borrower_id"))

    op.drop_table("loans")
    op.drop_table("installments")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_subject"))
        batch_op.drop_index(batch_op.f("ix_evidence_action"))

    op.drop_table("evidence")
    op.drop_table("cycle_runs")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_borrower_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charges_loan_id"))

    op.drop_table("charges")
    with op.batch_alter_table("bucket_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bucket_moves_moved_on"))
        batch_op.drop_index(batch_op.f("ix_bucket_moves_loan_id"))
        batch_op.drop_index("ix_bucket_moves_loan_day")

    op.drop_table("bucket_moves")
    op.drop_table("borrowers")
    with op.batch_alter_table("account_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_state_bucket"))

    op.drop_table("account_state")
    op.drop_table("account_snapshots")
