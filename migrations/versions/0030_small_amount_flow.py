"""a small-amount challenge can be a provider's flow (e签宝 对公打款): its provider and reference

Revision ID: 0030
Revises: 0026
Create Date: 2026-12-04 16:45:00

When a small-amount provider sends the amount, the portal never knows it: the check keeps
the provider's name and flow id, and the supplier's answer is checked by the provider.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0030"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column, length in (("challenge_provider", 40), ("challenge_reference", 100)):
        op.add_column(
            "ownership_check",
            sa.Column(column, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=True),
        )


def downgrade() -> None:
    with op.batch_alter_table("ownership_check") as batch:
        batch.drop_column("challenge_reference")
        batch.drop_column("challenge_provider")
