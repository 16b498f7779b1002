"""import throughput: names' cores on blocking keys, two redundant supplier indexes dropped

``dedup_key.cores`` lets a screening rule out a name candidate from its posting
alone; rows filed earlier keep "" and are loaded as before (``portal dedup sweep``
re-files them). ``ix_supplier_name_core`` is the prefix of
``ix_supplier_name_core_state``; ``ix_supplier_validated`` indexes a boolean that
most rows share. Each index costs every insert.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 02:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dedup_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cores", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("supplier", schema=None) as batch_op:
        batch_op.drop_index("ix_supplier_name_core")
        batch_op.drop_index("ix_supplier_validated")


def downgrade() -> None:
    with op.batch_alter_table("supplier", schema=None) as batch_op:
        batch_op.create_index("ix_supplier_validated", ["validated"], unique=False)
        batch_op.create_index("ix_supplier_name_core", ["name_core"], unique=False)
    with op.batch_alter_table("dedup_key", schema=None) as batch_op:
        batch_op.drop_column("cores")
