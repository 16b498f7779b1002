"""verification: runs, field states, findings, schedule, confirmations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 23:56:26.132739
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('confirmation_request',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('supplier_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('token_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('confirmed_from', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_sha256')
    )
    with op.batch_alter_table('confirmation_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confirmation_request_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_confirmation_request_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('field_state',
    sa.Column('supplier_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('field_path', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('checked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('against', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('run_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('supplier_id', 'field_path')
    )
    op.create_table('verification_run',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('supplier_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('needs_retry', sa.Boolean(), nullable=False),
    sa.Column('retry_after', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('supplier_version', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('verification_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_run_needs_retry'), ['needs_retry'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_run_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('verification_schedule',
    sa.Column('supplier_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('next_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('claimed_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_run_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_registry_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('last_tax_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('expiry_alerted_days', sa.Integer(), nullable=True),
    sa.Column('expiry_alerted_term_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('supplier_id')
    )
    with op.batch_alter_table('verification_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_schedule_next_due_at'), ['next_due_at'], unique=False)

    op.create_table('verification_finding',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('supplier_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('run_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('field_path', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('message_en', sa.Text(), nullable=False),
    sa.Column('message_zh', sa.Text(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('observed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['verification_run.id'], ),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('verification_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_finding_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_finding_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_finding_supplier_id'), ['supplier_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('verification_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_finding_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_verification_finding_status'))
        batch_op.drop_index(batch_op.f('ix_verification_finding_code'))

    op.drop_table('verification_finding')
    with op.batch_alter_table('verification_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_schedule_next_due_at'))

    op.drop_table('verification_schedule')
    with op.batch_alter_table('verification_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_run_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_verification_run_needs_retry'))

    op.drop_table('verification_run')
    op.drop_table('field_state')
    with op.batch_alter_table('confirmation_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confirmation_request_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_confirmation_request_created_at'))

    op.drop_table('confirmation_request')
