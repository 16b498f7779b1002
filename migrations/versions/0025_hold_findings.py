"""findings that hold payments: registry events seen by monitoring, invoices whose seller
differs from the master record (with the draft change request asking the supplier); the
blind index of the seller's account printed on an invoice

Revision ID: 0025
Revises: 0020
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "hold_finding",
        sa.Column("id", text(length=36), primary_key=True),
        sa.Column("supplier_id", text(length=36), sa.ForeignKey("supplier.id"), nullable=False),
        sa.Column("code", text(length=60), nullable=False),
        sa.Column("subject_id", text(length=36), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("status", text(length=10), nullable=False),
        sa.Column("change_request_id", text(length=36), nullable=True),
    )
    op.create_index("ix_hold_finding_supplier_id", "hold_finding", ["supplier_id"])
    op.create_index("ix_hold_finding_opened_at", "hold_finding", ["opened_at"])
    op.create_index("ix_hold_finding_status", "hold_finding", ["status"])
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(sa.Column("seller_account_bidx", text(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoice") as batch:
        batch.drop_column("seller_account_bidx")
    op.drop_index("ix_hold_finding_status", table_name="hold_finding")
    op.drop_index("ix_hold_finding_opened_at", table_name="hold_finding")
    op.drop_index("ix_hold_finding_supplier_id", table_name="hold_finding")
    op.drop_table("hold_finding")
