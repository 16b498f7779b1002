"""The SQL side of the keyring: wrapped data keys in the ``data_key`` table.

Only wrapped keys are stored; the KEK that unwraps them stays with the
customer (a key file outside the database, or an HSM).
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from crypto import KeyConflictError, WrappedDataKey
from crypto.errors import KeyStoreError
from crypto.model import Algorithm, KeyState, Purpose
from portal.db.tables import DataKeyRow, table_of

_T = table_of(DataKeyRow)


class SqlDataKeyStore:
    """``crypto.DataKeyStore`` on the application database; each call is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def list_keys(self) -> list[WrappedDataKey]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(_T).order_by(_T.c.purpose, _T.c.version)).all()
        return [
            WrappedDataKey(
                purpose=Purpose(r.purpose),
                version=r.version,
                algorithm=Algorithm(r.algorithm),
                wrapped=bytes(r.wrapped),
                kek_id=r.kek_id,
                state=KeyState(r.state),
                created_at=r.created_at,
            )
            for r in rows
        ]

    def add_key(self, key: WrappedDataKey) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(_T).values(
                        purpose=key.purpose.value,
                        version=key.version,
                        algorithm=key.algorithm.value,
                        wrapped=key.wrapped,
                        kek_id=key.kek_id,
                        state=key.state.value,
                        created_at=key.created_at,
                    )
                )
        except IntegrityError as exc:
            raise KeyConflictError(
                f"data key {key.purpose.value} v{key.version} already exists"
            ) from exc

    def update_key(self, key: WrappedDataKey) -> None:
        with self._engine.begin() as conn:
            result = conn.execute(
                update(_T)
                .where(_T.c.purpose == key.purpose.value, _T.c.version == key.version)
                .values(wrapped=key.wrapped, kek_id=key.kek_id, state=key.state.value)
            )
        if result.rowcount != 1:
            raise KeyStoreError(f"data key {key.purpose.value} v{key.version} is not stored")
