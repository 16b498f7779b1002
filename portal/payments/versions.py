"""The account-version rows, and what creates and moves them.

* :func:`version_applied_bank_change`: a bank change reached the master record (called
  from :mod:`portal.changes.effects` on ``ChangeApplied``, in that transaction): each bank
  account whose number, bank or holder changed gets a new version approved by the
  request's approvers (the previous version retires); a retired account retires its
  version. Ownership is not proven by an approval, so the new version waits for it.
* :func:`record_ownership`: ownership proven (a verification service or small amounts);
  cooling-off starts once both facts are in.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from approvals import ChangeRequest, Entity, FieldChange
from payments import AccountVersion
from portal.db.bulk import insert_rows
from portal.db.payment_tables import AccountVersionRow
from portal.db.supplier_store import BANK
from portal.db.tables import table_of

__all__ = ["VERSION", "VersionStore", "to_version", "version_applied_bank_change"]

VERSION = table_of(AccountVersionRow)
#: Changing one of these makes a new version; purpose or department do not.
_VERSIONED = frozenset({"account_number", "bank_name", "holder_name"})
_CHUNK = 500


def to_version(row: Any) -> AccountVersion:
    return AccountVersion(
        id=row.id,
        supplier_id=row.supplier_id,
        bank_account_id=row.bank_account_id,
        number=row.number,
        account_bidx=row.account_bidx,
        bank_name=row.bank_name,
        holder_name=row.holder_name,
        proposed_at=row.proposed_at,
        verified_at=row.verified_at,
        verification_method=row.verification_method,
        approvers=tuple(json.loads(row.approvers)),
        approved_at=row.approved_at,
        cooling_until=row.cooling_until,
        retired_at=row.retired_at,
        change_request_id=row.change_request_id,
    )


def _to_row(version: AccountVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "supplier_id": version.supplier_id,
        "bank_account_id": version.bank_account_id,
        "number": version.number,
        "account_bidx": version.account_bidx,
        "bank_name": version.bank_name,
        "holder_name": version.holder_name,
        "proposed_at": version.proposed_at,
        "verified_at": version.verified_at,
        "verification_method": version.verification_method,
        "approvers": json.dumps(list(version.approvers), ensure_ascii=False),
        "approved_at": version.approved_at,
        "cooling_until": version.cooling_until,
        "retired_at": version.retired_at,
        "change_request_id": version.change_request_id,
    }


class VersionStore:
    """Reads and writes ``account_version`` rows; callers own the transaction."""

    @staticmethod
    def get(conn: Connection, version_id: str) -> AccountVersion | None:
        row = conn.execute(select(VERSION).where(VERSION.c.id == version_id)).first()
        return None if row is None else to_version(row)

    @staticmethod
    def lock(conn: Connection, version_id: str) -> AccountVersion | None:
        query = select(VERSION).where(VERSION.c.id == version_id).with_for_update()
        row = conn.execute(query).first()
        return None if row is None else to_version(row)

    @staticmethod
    def of_supplier(conn: Connection, supplier_id: str) -> list[AccountVersion]:
        query = (
            select(VERSION)
            .where(VERSION.c.supplier_id == supplier_id)
            .order_by(VERSION.c.bank_account_id, VERSION.c.number)
        )
        return [to_version(r) for r in conn.execute(query)]

    @staticmethod
    def latest_of_account(conn: Connection, bank_account_id: str) -> AccountVersion | None:
        query = (
            select(VERSION)
            .where(VERSION.c.bank_account_id == bank_account_id)
            .order_by(VERSION.c.number.desc())
            .limit(1)
        )
        row = conn.execute(query).first()
        return None if row is None else to_version(row)

    @staticmethod
    def by_index(conn: Connection, indexes: Iterable[str]) -> dict[str, list[AccountVersion]]:
        """Every version (of any supplier) whose account has one of these blind indexes."""
        found: dict[str, list[AccountVersion]] = {}
        values = sorted(set(indexes))
        for start in range(0, len(values), _CHUNK):
            chunk = values[start : start + _CHUNK]
            for row in conn.execute(select(VERSION).where(VERSION.c.account_bidx.in_(chunk))):
                found.setdefault(row.account_bidx, []).append(to_version(row))
        return found

    @staticmethod
    def insert(conn: Connection, version: AccountVersion) -> None:
        conn.execute(insert(VERSION).values(**_to_row(version)))

    @staticmethod
    def insert_many(conn: Connection, versions: Iterable[AccountVersion]) -> None:
        """One multi-row INSERT (the bulk paths: an import's batch)."""
        insert_rows(conn, VERSION, [_to_row(v) for v in versions])

    @staticmethod
    def save(conn: Connection, version: AccountVersion) -> None:
        row = _to_row(version)
        conn.execute(update(VERSION).where(VERSION.c.id == version.id).values(**row))


def _accounts_touched(changes: Sequence[FieldChange]) -> dict[str, set[str]]:
    touched: dict[str, set[str]] = {}
    for change in changes:
        if change.entity == Entity.BANK_ACCOUNT:
            touched.setdefault(change.entity_id, set()).add(change.field_name)
    return touched


def version_applied_bank_change(
    conn: Connection,
    request: ChangeRequest,
    applied: Sequence[FieldChange],
    now: datetime,
    *,
    cooling_off: timedelta,
) -> list[AccountVersion]:
    """The versions an applied request creates or retires (returned, already stored)."""
    store = VersionStore()
    out: list[AccountVersion] = []
    approvers = tuple(a.approver_id for a in request.approvals)
    for account_id, names in _accounts_touched(applied).items():
        latest = store.latest_of_account(conn, account_id)
        account = conn.execute(select(BANK).where(BANK.c.id == account_id)).first()
        if account is None:
            continue
        if account.retired:
            if latest is not None and latest.retired_at is None:
                retired = latest.retire(now)
                store.save(conn, retired)
                out.append(retired)
            continue
        if latest is not None and not (names & _VERSIONED):
            continue
        if latest is not None and latest.retired_at is None:
            retired = latest.retire(now)
            store.save(conn, retired)
            out.append(retired)
        proposed = AccountVersion.propose(
            str(uuid.uuid4()),
            request.supplier_id,
            account_id,
            (latest.number if latest else 0) + 1,
            account.account_number_bidx,
            account.bank_name,
            account.holder_name,
            request.submitted_at or now,
            change_request_id=request.id,
        )
        version = proposed.approve(
            approvers or (request.requested_by,), now, cooling_off=cooling_off
        )
        store.insert(conn, version)
        out.append(version)
    return out
