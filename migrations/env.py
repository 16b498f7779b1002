"""Alembic environment: runs migrations on the connection or URL it is given."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool
from sqlmodel import SQLModel

import portal.db.all_tables  # noqa: F401  (registers every table on the metadata)

config = context.config
target_metadata = SQLModel.metadata


def _ddl_in_the_transaction(connection: Connection) -> None:
    """On SQLite, begin the transaction now. Python's sqlite3 opens one only before an
    INSERT, UPDATE or DELETE, so a CREATE or DROP that comes first (a batch copy's temporary
    table, a dropped column) is committed at once, and a downgrade that a later step refuses
    (0023 with foreign suppliers on file) would leave it behind under the old version."""
    raw = connection.connection.driver_connection
    if connection.dialect.name == "sqlite" and not getattr(raw, "in_transaction", True):
        connection.exec_driver_sql("BEGIN")


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            _ddl_in_the_transaction(connection)
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            _ddl_in_the_transaction(conn)
            context.run_migrations()


run_migrations()
