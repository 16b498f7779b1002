"""a trigram index on supplier names (pg_trgm GIN on PostgreSQL, FTS5 trigram on SQLite)

Revision ID: 0026
Revises: 0020
Create Date: 2026-12-03 18:00:00

Searching by a name fragment (the finance API's ``q``) scanned every name. See
:mod:`portal.db.name_search`; the existing rows are indexed here.
"""

from __future__ import annotations

from alembic import op

from portal.db import name_search

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    name_search.install(op.get_bind())


def downgrade() -> None:
    name_search.uninstall(op.get_bind())
