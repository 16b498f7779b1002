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
a connection's database. Both answer the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Executable, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

__all__ = ["Among", "ByKeys"]

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
