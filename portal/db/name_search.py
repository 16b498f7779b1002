"""The index behind "suppliers whose name contains ...": trigrams, as people search Chinese names.

A name fragment (``科技有``, ``Trading``) is found anywhere in the name, so a B-tree on the
name cannot help; a trigram index can, once the fragment has three characters:

* **PostgreSQL**: a GIN index with ``pg_trgm``'s operator class on ``supplier.name``; the
  planner uses it for the same ``name LIKE '%...%'`` the store always sent, and PostgreSQL
  keeps it up to date on every write.
* **SQLite**: an FTS5 table with the ``trigram`` tokenizer (SQLite 3.34 or later), holding
  each supplier's name and id under the supplier's rowid, kept by triggers on ``supplier``
  (so every write path maintains it: the import's executemany, the change applier, merges).
  The store asks it for the ids whose name is ``LIKE`` the pattern and checks ``name LIKE``
  on the supplier rows again, so the answer is the one the plain scan gave.

Fragments of one or two characters have no trigram: they are answered by the plain scan of
the names (on a million suppliers, a few hundred milliseconds; such short fragments match
so many suppliers that the first page is found early in name order anyway).

:func:`install` creates all of it and fills the SQLite table from the rows already stored;
migration 0026 and ``create_all`` (through the ``after_create`` hook of the supplier table)
call it. A later migration that rebuilds the ``supplier`` table on SQLite (``batch_alter_table``
copies it, dropping its triggers and renumbering rowids) must call :func:`install` after it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, column, table, text

__all__ = ["FTS", "MIN_FRAGMENT", "install", "is_ours", "uninstall", "uses_index"]

#: The shortest fragment a trigram index can answer.
MIN_FRAGMENT = 3
#: The SQLite trigram table (not part of the SQLModel metadata: created by :func:`install`).
FTS = table("supplier_name_fts", column("name"), column("supplier_id"))

_SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS supplier_name_fts"
    " USING fts5(name, supplier_id UNINDEXED, tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS supplier_name_fts_insert AFTER INSERT ON supplier BEGIN"
    " INSERT INTO supplier_name_fts(rowid, name, supplier_id) VALUES (new.rowid, new.name, new.id);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS supplier_name_fts_delete AFTER DELETE ON supplier BEGIN"
    " DELETE FROM supplier_name_fts WHERE rowid = old.rowid;"
    " END",
    "CREATE TRIGGER IF NOT EXISTS supplier_name_fts_update AFTER UPDATE OF name, id ON supplier"
    " BEGIN"
    " DELETE FROM supplier_name_fts WHERE rowid = old.rowid;"
    " INSERT INTO supplier_name_fts(rowid, name, supplier_id) VALUES (new.rowid, new.name, new.id);"
    " END",
)
_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS supplier_name_fts_update",
    "DROP TRIGGER IF EXISTS supplier_name_fts_delete",
    "DROP TRIGGER IF EXISTS supplier_name_fts_insert",
    "DROP TABLE IF EXISTS supplier_name_fts",
)
_PG_INDEX = "ix_supplier_name_trgm"


def install(conn: Connection) -> None:
    """Create the index for this database (idempotent) and fill it from the stored rows."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_DROP:  # a rebuilt supplier table renumbers its rowids
            conn.exec_driver_sql(statement)
        for statement in _SQLITE:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(
            "INSERT INTO supplier_name_fts(rowid, name, supplier_id)"
            " SELECT rowid, name, id FROM supplier"
        )
    elif conn.dialect.name == "postgresql":
        # in the public schema, which outlives any one schema (tests give each its own)
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        schema = conn.execute(
            text(
                "SELECT n.nspname FROM pg_extension e"
                " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
            )
        ).scalar_one()
        opclass = f'"{schema}".gin_trgm_ops'
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {_PG_INDEX} ON supplier USING gin (name {opclass})"
        )


def uninstall(conn: Connection) -> None:
    """Drop the index (the extension stays: other schemas may use it)."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_DROP:
            conn.exec_driver_sql(statement)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {_PG_INDEX}")


def uses_index(conn: Connection, fragment: str) -> bool:
    """Whether the SQLite trigram table answers this fragment: three characters or more and
    no LIKE wildcard (FTS5 cannot use its index under an ``ESCAPE`` clause)."""
    return (
        conn.dialect.name == "sqlite"
        and len(fragment) >= MIN_FRAGMENT
        and not any(c in fragment for c in "%_\\")
    )


def is_ours(name: str | None) -> bool:
    """Whether a table or index of the database belongs to this index (the SQLModel
    metadata does not declare them: ``include_object`` of a schema comparison)."""
    return bool(name) and (name == _PG_INDEX or str(name).startswith("supplier_name_fts"))


def on_create(target: Table, connection: Connection, **_: Any) -> None:
    """``after_create`` hook of the supplier table (``create_all`` builds the index too)."""
    install(connection)
