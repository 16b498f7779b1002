"""staff directory, delivery log, undeliverable messages; audit entries name people,
channels and the version of their hashed payload

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_name", _TEXT(length=200), nullable=True))
        batch_op.add_column(sa.Column("channel", _TEXT(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("payload_version", sa.Integer(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event", _TEXT(length=60), nullable=True))
        batch_op.add_column(sa.Column("recipient_name", _TEXT(length=200), nullable=True))
    op.create_table(
        "staff_member",
        sa.Column("id", _TEXT(length=36), nullable=False),
        sa.Column("display_name", _TEXT(length=200), nullable=False),
        sa.Column("email", _TEXT(length=320), nullable=False),
        sa.Column("wecom_userid", _TEXT(length=64), nullable=True),
        sa.Column("dingtalk_userid", _TEXT(length=64), nullable=True),
        sa.Column("roles", _TEXT(length=200), nullable=False),
        sa.Column("language", _TEXT(length=5), nullable=False),
        sa.Column("channels", _TEXT(length=60), nullable=False),
        sa.Column("muted_events", _TEXT(length=500), nullable=False),
        sa.Column("digest", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("oidc_subject", _TEXT(length=255), nullable=True),
        sa.Column("account_id", _TEXT(length=36), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("disabled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "delivery_attempt",
        sa.Column("id", _TEXT(length=36), nullable=False),
        sa.Column("message_id", _TEXT(length=36), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("channel", _TEXT(length=20), nullable=False),
        sa.Column("outcome", _TEXT(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["outbox_message.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_delivery_attempt_message_id", "delivery_attempt", ["message_id"])
    op.create_table(
        "undeliverable",
        sa.Column("id", _TEXT(length=36), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("event", _TEXT(length=60), nullable=False),
        sa.Column("audience", _TEXT(length=200), nullable=False),
        sa.Column("subject", _TEXT(length=300), nullable=False),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_undeliverable_created_at", "undeliverable", ["created_at"])
    op.create_table(
        "reminder_sent",
        sa.Column("key", _TEXT(length=200), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("reminder_sent")
    op.drop_index("ix_undeliverable_created_at", table_name="undeliverable")
    op.drop_table("undeliverable")
    op.drop_index("ix_delivery_attempt_message_id", table_name="delivery_attempt")
    op.drop_table("delivery_attempt")
    op.drop_table("staff_member")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("recipient_name")
        batch_op.drop_column("event")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("payload_version")
        batch_op.drop_column("channel")
        batch_op.drop_column("actor_name")
