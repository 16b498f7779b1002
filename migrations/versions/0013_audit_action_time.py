"""the auditor's screen: entries of one act in a time range, newest first, without a sort

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_entry_action_at", "audit_entry", ["action", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_entry_action_at", table_name="audit_entry")
