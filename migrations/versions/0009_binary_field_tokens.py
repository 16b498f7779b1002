"""binary field tokens: the five sealed master-data columns hold BLOB/bytea

On PostgreSQL the columns become ``bytea``; SQLite stores the BLOBs in the TEXT
columns as they are (it keeps each value's storage class).

A binary token carries the same ciphertext as the text token it replaces, under
the same AAD, so the conversion needs no key: ``v1:<alg>:<version>:<base64>``
becomes ``0x01 | alg code | version (4 bytes) | raw`` (see ``crypto/field.py``).
It saves the base64 work on every read and write and a third of the space.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 03:50:00.000000
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = (
    ("supplier", "legal_rep_id_number_enc", True),
    ("bank_account", "account_number_enc", False),
    ("contact", "phone_enc", True),
    ("invoicing_profile", "phone_enc", True),
    ("invoicing_profile", "account_number_enc", True),
)
_CODES = {"A256GCM": 1, "SM4GCM": 2}
_NAMES = {code: name for name, code in _CODES.items()}


def _to_binary(token: str) -> bytes:
    fmt, algorithm, version, body = token.split(":")
    if fmt != "v1" or algorithm not in _CODES:
        raise ValueError(f"not a v1 field token: {token[:16]!r}")
    header = bytes((1, _CODES[algorithm])) + int(version).to_bytes(4, "big")
    return header + binascii.a2b_base64(body, strict_mode=True)


def _to_text(token: bytes) -> str:
    if token[0] != 1 or token[1] not in _NAMES:
        raise ValueError("not a binary v1 field token")
    version = int.from_bytes(token[2:6], "big")
    body = binascii.b2a_base64(token[6:], newline=False).decode()
    return f"v1:{_NAMES[token[1]]}:{version}:{body}"


def _rewrite(table: str, column: str, convert: Callable[[Any], Any]) -> None:
    """Convert every value of ``table.column``, a thousand rows per statement."""
    conn = op.get_bind()
    t = sa.table(table, sa.column("id", sa.String()), sa.column(column))
    statement = sa.update(t).where(t.c.id == sa.bindparam("_id")).values({column: sa.bindparam("_v")})
    after = ""
    while True:
        rows = conn.execute(
            sa.select(t.c.id, t.c[column])
            .where(t.c[column].is_not(None), t.c.id > after)
            .order_by(t.c.id)
            .limit(1000)
        ).all()
        if not rows:
            return
        conn.execute(statement, [{"_id": i, "_v": convert(v)} for i, v in rows])
        after = rows[-1][0]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, nullable in COLUMNS:
        if postgres:
            op.alter_column(
                table,
                column,
                type_=sa.LargeBinary(),
                existing_type=sa.Text(),
                existing_nullable=nullable,
                postgresql_using=f"convert_to({column}, 'UTF8')",
            )
        # SQLite: the column keeps its declared TEXT and stores the BLOBs as they are
        # (see SEALED in portal/db/tables.py)
        _rewrite(
            table,
            column,
            lambda v: _to_binary(v.decode("ascii") if isinstance(v, bytes) else v),
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, nullable in COLUMNS:
        if postgres:
            _rewrite(table, column, lambda v: _to_text(bytes(v)).encode("ascii"))
            op.alter_column(
                table,
                column,
                type_=sa.Text(),
                existing_type=sa.LargeBinary(),
                existing_nullable=nullable,
                postgresql_using=f"convert_from({column}, 'UTF8')",
            )
        else:
            _rewrite(table, column, lambda v: _to_text(v) if isinstance(v, bytes) else v)
