"""One migration runner at a time, however many start together.

PostgreSQL: a transaction-level advisory lock taken on the migration's own
connection, so it is released by the commit (or the rollback, or the
connection dying). SQLite: an exclusive ``flock`` on a file beside the
database, released when the runner ends, however it ends. A second runner
waits on the lock, then reads the revision the first one left.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text

__all__ = ["MIGRATION_LOCK_KEY", "locked_migration_transaction", "sqlite_lock_file"]

#: A constant 64-bit key; every portal database uses the same one.
MIGRATION_LOCK_KEY = 0x706F7274616C6462  # "portaldb"


def sqlite_lock_file(engine: Engine) -> Path | None:
    """The lock file beside a SQLite database file (None for in-memory databases)."""
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".migrate.lock")


@contextmanager
def locked_migration_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that no other runner's migration overlaps; commits when the block ends.

    On SQLite the file lock is taken before the transaction begins and released
    after it commits, so the next runner's first read sees the committed schema.
    """
    if engine.url.get_backend_name() == "postgresql":
        with engine.begin() as connection:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            yield connection
        return
    lock_path = sqlite_lock_file(engine)
    if lock_path is None:
        with engine.begin() as connection:
            yield connection
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            with engine.begin() as connection:
                yield connection
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
