"""invitations record their revocation, suppliers their block, the approval policy is
editable (a table of versions; the policy file stays the default)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitation") as batch:
        batch.add_column(
            sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch.add_column(
            sa.Column("revoked_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    # revoked before this column: the expiry was set back to the creation time
    op.execute(
        "UPDATE invitation SET revoked_at = expires_at "
        "WHERE accepted_at IS NULL AND expires_at <= created_at"
    )
    with op.batch_alter_table("supplier") as batch:
        batch.add_column(
            sa.Column("blocked_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch.add_column(
            sa.Column("blocked_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch.add_column(
            sa.Column("blocked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    _blocks_from_the_audit_log()
    op.create_table(
        "approval_policy",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("edited_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("edited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )


def _blocks_from_the_audit_log() -> None:
    """Suppliers blocked before this revision: their reason, who and when, from the newest
    ``supplier.blocked`` entry (where the pages read it until now)."""
    conn = op.get_bind()
    blocked = conn.execute(
        sa.text("SELECT id FROM supplier WHERE lifecycle_state = 'blocked'")
    ).scalars()
    for supplier_id in list(blocked):
        row = conn.execute(
            sa.text(
                "SELECT after, actor, at FROM audit_entry WHERE action = 'supplier.blocked' "
                "AND subject_id = :id ORDER BY seq DESC LIMIT 1"
            ),
            {"id": supplier_id},
        ).first()
        if row is None:
            continue
        try:
            reason = str(json.loads(row.after or "{}").get("reason", ""))[:500]
        except ValueError:
            continue
        if reason:
            conn.execute(
                sa.text(
                    "UPDATE supplier SET blocked_reason = :reason, blocked_by = :by, "
                    "blocked_at = :at WHERE id = :id"
                ),
                {"reason": reason, "by": row.actor, "at": row.at, "id": supplier_id},
            )


def downgrade() -> None:
    op.drop_table("approval_policy")
    # ALTER TABLE … DROP COLUMN, never a batch copy of the supplier table: on SQLite a copy
    # drops the table every other table points at, which its foreign keys refuse
    for column in ("blocked_at", "blocked_by", "blocked_reason"):
        op.drop_column("supplier", column)
    with op.batch_alter_table("invitation") as batch:
        batch.drop_column("revoked_by")
        batch.drop_column("revoked_at")
