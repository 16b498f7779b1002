"""web import jobs: uploaded supplier lists checked, imported and verified off the request path

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    utc = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "import_job",
        sa.Column("id", _text(36), nullable=False),
        sa.Column("sha256", _text(64), nullable=False),
        sa.Column("filename", _text(200), nullable=False),
        sa.Column("sheet", _text(100), nullable=True),
        sa.Column("requested_by", _text(200), nullable=False),
        sa.Column("requested_role", _text(40), nullable=False),
        sa.Column("requested_name", _text(200), nullable=False),
        sa.Column("confirmed_by", _text(200), nullable=True),
        sa.Column("confirmed_role", _text(40), nullable=True),
        sa.Column("state", _text(16), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("verify_total", sa.Integer(), nullable=False),
        sa.Column("verify_done", sa.Integer(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("blob_size", sa.Integer(), nullable=False),
        sa.Column("blob_key", sa.LargeBinary(), nullable=False),
        sa.Column("blob_key_version", sa.Integer(), nullable=False),
        sa.Column("blob_algorithm", _text(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", utc(), nullable=False),
        sa.Column("lease_until", utc(), nullable=True),
        sa.Column("claimed_by", _text(64), nullable=True),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("phase_started_at", utc(), nullable=True),
        sa.Column("checked_at", utc(), nullable=True),
        sa.Column("imported_at", utc(), nullable=True),
        sa.Column("finished_at", utc(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_job_run_after"), ["run_after"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_job_state"), ["state"], unique=False)
    op.create_table(
        "import_job_supplier",
        sa.Column("job_id", _text(36), nullable=False),
        sa.Column("supplier_id", _text(36), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("outcome", _text(20), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["import_job.id"]),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"]),
        sa.PrimaryKeyConstraint("job_id", "supplier_id"),
    )
    with op.batch_alter_table("import_job_supplier", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_job_supplier_verified"), ["verified"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("import_job_supplier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_job_supplier_verified"))
    op.drop_table("import_job_supplier")
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_job_state"))
        batch_op.drop_index(batch_op.f("ix_import_job_run_after"))
    op.drop_table("import_job")
