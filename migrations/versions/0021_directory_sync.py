"""directory sync: where a staff entry comes from (manual, SCIM, Keycloak), SCIM tokens,
the last sync per source; a portal user's own language

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("language", _TEXT(length=5), nullable=True))
    with op.batch_alter_table("staff_member") as batch:
        batch.add_column(
            sa.Column("source", _TEXT(length=20), server_default="manual", nullable=False)
        )
        batch.add_column(sa.Column("external_id", _TEXT(length=255), nullable=True))
        batch.add_column(sa.Column("user_name", _TEXT(length=320), nullable=True))
        batch.add_column(sa.Column("synced_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch.create_index("ix_staff_member_external_id", ["external_id"])
    op.create_table(
        "directory_token",
        sa.Column("id", _TEXT(length=36), primary_key=True),
        sa.Column("name", _TEXT(length=100), nullable=False, unique=True),
        sa.Column("token_sha256", _TEXT(length=64), nullable=False, unique=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_table(
        "directory_sync",
        sa.Column("source", _TEXT(length=120), primary_key=True),
        sa.Column("last_run_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_ok_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("summary", _TEXT(length=500), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("directory_sync")
    op.drop_table("directory_token")
    with op.batch_alter_table("staff_member") as batch:
        batch.drop_index("ix_staff_member_external_id")
        for column in ("removed_at", "synced_at", "user_name", "external_id", "source"):
            batch.drop_column(column)
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("language")
