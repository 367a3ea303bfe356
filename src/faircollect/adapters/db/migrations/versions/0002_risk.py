"""book models (early warning, cure), the active one per kind, and daily risk scores

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_active_models",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("activated_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_risk_active_models")),
    )
    op.create_table(
        "risk_models",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("trained_on", sa.Date(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("cutoffs", sa.Text(), nullable=False),
        sa.Column("metrics", sa.Text(), nullable=False),
        sa.Column("card", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_risk_models")),
    )
    with op.batch_alter_table("risk_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_models_kind"), ["kind"], unique=False)

    op.create_table(
        "risk_scores",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=12), nullable=False),
        sa.Column("reason_features", sa.Text(), nullable=False),
        sa.Column("reasons_zh", sa.Text(), nullable=False),
        sa.Column("reasons_en", sa.Text(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("as_of", "loan_id", name=op.f("pk_risk_scores")),
    )
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.create_index("ix_risk_scores_loan_day", ["loan_id", "as_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_scores_loan_day")

    op.drop_table("risk_scores")
    with op.batch_alter_table("risk_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_models_kind"))

    op.drop_table("risk_models")
    op.drop_table("risk_active_models")
