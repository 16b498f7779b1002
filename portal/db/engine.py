"""Engine construction for SQLite (embedded default) and PostgreSQL.

PostgreSQL connections are not pinged at every checkout (a round trip on every request).
Dead connections are found otherwise: TCP keepalives close the ones whose server went away
while they idled, connections are replaced after :data:`RECYCLE_SECONDS`, and a statement
that meets a dead connection makes SQLAlchemy drop every connection opened before it, so one
request at most sees the failure; reads avoid even that by running once more (:func:`read`).

psycopg makes a statement a server-side prepared statement from its fifth run on a
connection, and PostgreSQL may then plan it once for any parameters (a generic plan). That
suits lookups by key; it does not suit a statement whose best plan depends on its values:
the name search's ``LIKE '%...%'`` can use the trigram index only when the planner sees the
pattern (a generic plan walks the whole name index instead: 25 ms rather than 1.4 ms at
20,000 suppliers). Such a statement carries the execution option :data:`UNPREPARED` and is
sent unprepared, planned for its values every time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
#: A pooled PostgreSQL connection is replaced after this many seconds.
RECYCLE_SECONDS = 1800
#: libpq's TCP keepalives: an idle connection whose server is gone is noticed in about a
#: minute (30 s idle, then 3 probes 10 s apart).
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
               "keepalives_count": 3}  # fmt: skip
#: Execution options of a statement PostgreSQL must plan for its parameters on every run
#: (never a prepared statement): ``statement.execution_options(**UNPREPARED)``.
UNPREPARED: dict[str, Any] = {"portal_unprepared": True}


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout, and its file is
    created owner-only (0600) first: SQLite gives its -wal and -shm files the database
    file's mode, so the three stay private whatever the umask."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        _private_file(engine.url.database)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA wal_autocheckpoint=10000")
            cursor.close()

        return engine
    engine = create_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        pool_recycle=RECYCLE_SECONDS,
        connect_args=_KEEPALIVES,
    )
    event.listen(engine, "do_execute", _unprepared)
    return engine


def _unprepared(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """Send a statement marked :data:`UNPREPARED` with psycopg's ``prepare=False``; True
    when done here, False to let SQLAlchemy execute it as usual."""
    if not context.execution_options.get("portal_unprepared"):
        return False
    cursor.execute(statement, parameters, prepare=False)
    return True


def read(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run read-only ``work`` on a pooled connection; if that connection was dead (the
    database restarted, or dropped it while idle), run it once more on a fresh one. Only for
    work that writes nothing, so running it twice changes nothing."""
    try:
        with engine.connect() as conn:
            return work(conn)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with engine.connect() as conn:
        return work(conn)


def _private_file(database: str | None) -> None:
    """Create the SQLite file 0600 (or make an existing one 0600) before SQLite opens it."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite will say it cannot open the file, naming it
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            sidecar.chmod(0o600)
