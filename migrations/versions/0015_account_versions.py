"""bank-account versions (every account already on file becomes one); the attestation key; ownership checks

Accounts approved before versions existed become active versions (their approval is
recorded as ``before-versions``, their ownership as proven by that approval); retired
accounts become retired versions.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 13:50:00
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    table = op.create_table(
        "account_version",
        sa.Column("id", _S(length=36), nullable=False),
        sa.Column("supplier_id", _S(length=36), nullable=False),
        sa.Column("bank_account_id", _S(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("account_bidx", _S(length=64), nullable=False),
        sa.Column("bank_name", _S(length=200), nullable=False),
        sa.Column("holder_name", _S(length=200), nullable=False),
        sa.Column("proposed_at", _T(), nullable=False),
        sa.Column("verified_at", _T(), nullable=True),
        sa.Column("verification_method", _S(length=40), nullable=True),
        sa.Column("approvers", sa.Text(), nullable=False),
        sa.Column("approved_at", _T(), nullable=True),
        sa.Column("cooling_until", _T(), nullable=True),
        sa.Column("retired_at", _T(), nullable=True),
        sa.Column("change_request_id", _S(length=36), nullable=True),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bank_account_id", "number"),
    )
    with op.batch_alter_table("account_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_version_supplier_id"), ["supplier_id"])
        batch_op.create_index(batch_op.f("ix_account_version_bank_account_id"), ["bank_account_id"])
        batch_op.create_index(batch_op.f("ix_account_version_account_bidx"), ["account_bidx"])
    assert table is not None
    op.create_table(
        "attestation_key",
        sa.Column("id", _S(length=36), nullable=False),
        sa.Column("algorithm", _S(length=20), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("wrapped_private", sa.LargeBinary(), nullable=False),
        sa.Column("kek_id", _S(length=100), nullable=False),
        sa.Column("created_at", _T(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ownership_check",
        sa.Column("version_id", _S(length=36), nullable=False),
        sa.Column("provider", _S(length=40), nullable=True),
        sa.Column("outcome", _S(length=20), nullable=True),
        sa.Column("reference", _S(length=100), nullable=True),
        sa.Column("checked_at", _T(), nullable=True),
        sa.Column("retry_at", _T(), nullable=True),
        sa.Column("challenge_bidx", _S(length=64), nullable=True),
        sa.Column("challenge_sent_at", _T(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["account_version.id"]),
        sa.PrimaryKeyConstraint("version_id"),
    )
    with op.batch_alter_table("ownership_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ownership_check_retry_at"), ["retry_at"])
    conn = op.get_bind()
    now = datetime.now(UTC)
    bank = sa.table(
        "bank_account",
        sa.column("id"), sa.column("supplier_id"), sa.column("account_number_bidx"),
        sa.column("bank_name"), sa.column("holder_name"), sa.column("retired"),
        sa.column("created_at", _T()),
    )  # fmt: skip
    rows = [
        {
            "id": str(uuid.uuid4()),
            "supplier_id": r.supplier_id,
            "bank_account_id": r.id,
            "number": 1,
            "account_bidx": r.account_number_bidx,
            "bank_name": r.bank_name,
            "holder_name": r.holder_name,
            "proposed_at": r.created_at,
            "verified_at": r.created_at,
            "verification_method": "before-versions",
            "approvers": '["before-versions"]',
            "approved_at": r.created_at,
            "cooling_until": r.created_at,
            "retired_at": now if r.retired else None,
            "change_request_id": None,
        }
        for r in conn.execute(sa.select(bank))
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("ownership_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ownership_check_retry_at"))
    op.drop_table("ownership_check")
    op.drop_table("attestation_key")
    with op.batch_alter_table("account_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_version_account_bidx"))
        batch_op.drop_index(batch_op.f("ix_account_version_bank_account_id"))
        batch_op.drop_index(batch_op.f("ix_account_version_supplier_id"))
    op.drop_table("account_version")
