"""sealed outbox bodies; invitations bound to the invited address (one-time codes)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sealed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "code_account_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("code_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("code_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("codes_sent", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        for column in ("codes_sent", "code_attempts", "code_expires_at", "code_account_id"):
            batch_op.drop_column(column)
        batch_op.drop_column("code_hash")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("sealed")
