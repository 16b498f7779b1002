"""supplier contacts choose the language of their messages (zh or en)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.add_column(
            sa.Column(
                "language",
                sqlmodel.sql.sqltypes.AutoString(length=5),
                server_default="zh",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("language")
