"""Statements that read the rows of many keys at once (``WHERE supplier_id IN (...)``).

A page of the finance API reads the accounts, contacts, invoicing profiles, versions and
payment holds of up to 500 suppliers, a statement each. Written as ``column.in_(bindparam(...,
expanding=True))``, each call of such a statement is rendered anew (one placeholder per
key, with its type cast on PostgreSQL), and its text differs with the number of keys, so
psycopg converts it every time and PostgreSQL plans it every time. Built here instead:

* **PostgreSQL**: one array parameter, ``column = ANY(:ids)``: the same text whatever the
  number of keys, compiled once by SQLAlchemy, converted once by psycopg and prepared once
  per connection by the server;
* **other databases** (SQLite has no arrays): the expanding ``IN``.

:class:`ByKeys` holds both forms, built once at import; :meth:`ByKeys.on` picks the one for
a connection's database. Both answer the same rows. :func:`member_of` is the same condition
for a statement built on the spot with its values (the import's screening and its lookups
of codes on file, thousands of keys per statement: psycopg parses a statement of more than
50 parameters again on every execution, a third of the client's screening CPU for a batch
of 5,000).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Executable, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

__all__ = ["Among", "ByKeys", "member_of"]

#: ``among(column)``: the condition "column is one of the keys", in one database's form.
Among = Callable[[ColumnElement[Any]], ColumnElement[bool]]


class ByKeys:
    """One statement over a list of keys (the parameter ``name``), in each database's form.

    ``build`` receives ``among`` and returns the statement, e.g.
    ``ByKeys(lambda among: select(BANK).where(among(BANK.c.supplier_id)))``; execute
    ``statement.on(conn)`` with ``{"ids": [...]}``.
    """

    def __init__(self, build: Callable[[Among], Executable], name: str = "ids") -> None:
        def array(column: ColumnElement[Any]) -> ColumnElement[bool]:
            return column == any_(bindparam(name, type_=ARRAY(column.type)))

        def expanding(column: ColumnElement[Any]) -> ColumnElement[bool]:
            return column.in_(bindparam(name, expanding=True))

        self.postgresql = build(array)
        self.portable = build(expanding)

    def on(self, conn: Connection) -> Executable:
        """The form for this connection's database."""
        return self.postgresql if conn.dialect.name == "postgresql" else self.portable


def member_of(conn: Connection, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(<one text[] parameter>)``."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]
