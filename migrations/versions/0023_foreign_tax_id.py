"""a supplier has a credit code or a foreign tax id (``<scheme>:<number>``, unique)

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-03 18:30:00

The credit code and the organisation code become optional (a foreign supplier has
neither). PostgreSQL drops the NOT NULL in place. SQLite cannot alter a column, and
a batch copy would drop the table every foreign key points at (see 0019), so its
stored ``CREATE TABLE`` text loses the two NOT NULLs through ``writable_schema``, the
procedure SQLite documents for removing a NOT NULL constraint
(https://sqlite.org/lang_altertable.html#otheralter, "simpler procedure").
"""

from __future__ import annotations

import re

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_OPTIONAL = ("uscc", "org_code")


def _sqlite_set_not_null(conn: sa.Connection, *, not_null: bool) -> None:
    sql = conn.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'supplier'")
    ).scalar_one()
    for column in _OPTIONAL:
        pattern = rf"(\b{column}\s+VARCHAR\(\d+\))(\s+NOT NULL)?"
        sql = re.sub(pattern, (r"\1 NOT NULL" if not_null else r"\1"), sql, count=1)
    version = conn.execute(sa.text("PRAGMA schema_version")).scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'supplier'"),
        {"sql": sql},
    )
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _sqlite_set_not_null(conn, not_null=False)
    else:
        for column in _OPTIONAL:
            op.alter_column("supplier", column, nullable=True, existing_type=sa.String())
    op.add_column(
        "supplier",
        sa.Column("foreign_tax_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    )
    op.create_index(
        op.f("ix_supplier_foreign_tax_id"), "supplier", ["foreign_tax_id"], unique=True
    )


def downgrade() -> None:
    conn = op.get_bind()
    foreign = conn.execute(
        sa.text("SELECT count(*) FROM supplier WHERE foreign_tax_id IS NOT NULL")
    ).scalar_one()
    if foreign:
        raise RuntimeError(
            f"{foreign} foreign suppliers have no credit code; archive or delete them before "
            "downgrading below 0023"
        )
    op.drop_index(op.f("ix_supplier_foreign_tax_id"), table_name="supplier")
    with op.batch_alter_table("supplier", recreate="never") as batch:
        batch.drop_column("foreign_tax_id")
    if conn.dialect.name == "sqlite":
        _sqlite_set_not_null(conn, not_null=True)
    else:
        for column in _OPTIONAL:
            op.alter_column("supplier", column, nullable=False, existing_type=sa.String())
