"""dedup: blocking keys, open duplicate pairs and decisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dedup_key',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('supplier_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('key', 'supplier_id')
    )
    with op.batch_alter_table('dedup_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dedup_key_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('duplicate_decision',
    sa.Column('a_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('b_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['a_id'], ['supplier.id'], ),
    sa.ForeignKeyConstraint(['b_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('a_id', 'b_id')
    )
    with op.batch_alter_table('duplicate_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_decision_b_id'), ['b_id'], unique=False)

    op.create_table('duplicate_pair',
    sa.Column('a_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('b_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('matched', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('found_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['a_id'], ['supplier.id'], ),
    sa.ForeignKeyConstraint(['b_id'], ['supplier.id'], ),
    sa.PrimaryKeyConstraint('a_id', 'b_id', 'code')
    )
    with op.batch_alter_table('duplicate_pair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_pair_b_id'), ['b_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('duplicate_pair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_pair_b_id'))
    op.drop_table('duplicate_pair')
    with op.batch_alter_table('duplicate_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_decision_b_id'))
    op.drop_table('duplicate_decision')
    with op.batch_alter_table('dedup_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dedup_key_supplier_id'))
    op.drop_table('dedup_key')
