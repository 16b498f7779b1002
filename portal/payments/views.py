"""What the finance API says about each bank account's version (additive fields)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select

from crypto import mask_bank_account
from portal.db.auth_tables import UserAccountRow
from portal.db.keyed import ByKeys
from portal.db.payment_tables import OwnershipCheckRow
from portal.db.sealing import Sealer
from portal.db.supplier_store import BANK, SUPPLIER
from portal.db.tables import table_of
from portal.payments.attestation import AttestationKeys
from portal.payments.versions import VERSION, to_version

__all__ = ["UNVERSIONED", "account_versions", "attest_active_accounts", "version_rows"]

CHECK = table_of(OwnershipCheckRow)
USER = table_of(UserAccountRow)

#: ``version_state`` of an account on file that no version covers (held as ``unversioned``).
UNVERSIONED = "unversioned"
_CHUNK = 500
#: Built once: the finance API asks for the accounts of every page it serves.
_VERSIONS_OF = ByKeys(lambda among: select(VERSION).where(among(VERSION.c.bank_account_id)))


def account_versions(
    conn: Connection, account_ids: Iterable[str], now: datetime
) -> dict[str, dict[str, Any]]:
    """The newest version of each account: ``version_id``, ``version_state``,
    ``valid_from`` (when payments may start) and ``approvers``; accounts without one
    answer ``{"version_id": None, "version_state": "unversioned"}``."""
    ids = sorted(set(account_ids))
    found: dict[str, dict[str, Any]] = {
        aid: {"version_id": None, "version_state": UNVERSIONED, "valid_from": None,
              "approvers": []}
        for aid in ids
    }  # fmt: skip
    newest: dict[str, Any] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in conn.execute(_VERSIONS_OF.on(conn), {"ids": ids[start : start + _CHUNK]}):
            held = newest.get(row.bank_account_id)
            if held is None or row.number > held.number:
                newest[row.bank_account_id] = row
    for aid, row in newest.items():
        version = to_version(row)
        found[aid] = {
            "version_id": version.id,
            "version_state": version.state_at(now).value,
            "valid_from": version.valid_from.isoformat() if version.valid_from else None,
            "approvers": list(version.approvers),
        }
    return found


def attest_active_accounts(
    keys: AttestationKeys | None, views: Iterable[dict[str, Any]], now: datetime, *, revealed: bool
) -> None:
    """Give each account of these views (with :func:`account_versions`' fields) its
    ``attestation``: the same signed statement a passing payment line carries, on an
    ``active`` version whose number was revealed; ``None`` otherwise. A masked view carries
    none: the statement holds the SHA-256 of the number, which would undo the mask (the
    digits a mask hides are few enough to try them all)."""
    for view in views:
        for account in view["bank_accounts"]:
            account["attestation"] = None
            if keys is None or not revealed or account.get("version_state") != "active":
                continue
            if not account.get("account_number") or not account.get("valid_from"):
                continue
            account["attestation"] = keys.signer(now).attest_account(
                view["id"], view["uscc"], account["version_id"], account["approvers"],
                account["valid_from"], account["account_number"],
            )  # fmt: skip


def people_names(conn: Connection, ids: set[str]) -> dict[str, str]:
    """Display names of the people behind these ids (account id or provider subject)."""
    if not ids:
        return {}
    people = select(USER.c.id, USER.c.subject, USER.c.display_name).where(
        or_(USER.c.id.in_(sorted(ids)), USER.c.subject.in_(sorted(ids)))
    )
    names: dict[str, str] = {}
    for pid, subject, name in conn.execute(people):
        if name:
            names[pid] = names[subject] = name
    return names


def version_rows(
    conn: Connection,
    sealer: Sealer,
    now: datetime,
    *,
    supplier_id: str | None = None,
    open_only: bool = False,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Versions for the pages, newest first: the supplier's name, the masked account, the
    state at ``now`` and the last ownership check. ``open_only``: neither active nor
    retired (the ones someone must act on)."""
    query = (
        select(VERSION, SUPPLIER.c.name.label("supplier_name"),
               BANK.c.account_number_enc, CHECK.c.outcome, CHECK.c.provider,
               CHECK.c.checked_at, CHECK.c.retry_at, CHECK.c.challenge_bidx, CHECK.c.attempts,
               CHECK.c.challenge_provider, CHECK.c.challenge_reference)
        .join(SUPPLIER, SUPPLIER.c.id == VERSION.c.supplier_id)
        .join(BANK, BANK.c.id == VERSION.c.bank_account_id)
        .outerjoin(CHECK, CHECK.c.version_id == VERSION.c.id)
        .order_by(VERSION.c.proposed_at.desc(), VERSION.c.id)
    )  # fmt: skip
    if supplier_id is not None:
        query = query.where(VERSION.c.supplier_id == supplier_id)
    if open_only:
        query = query.where(VERSION.c.retired_at.is_(None)).where(
            or_(VERSION.c.cooling_until.is_(None), VERSION.c.cooling_until > now)
        )
    found = conn.execute(query.limit(limit)).all()
    newest: dict[str, int] = {}
    for row in found:
        newest[row.bank_account_id] = max(newest.get(row.bank_account_id, 0), row.number)
    names = people_names(conn, {a for row in found for a in to_version(row).approvers})
    rows = []
    for row in found:
        version = to_version(row)
        number = sealer.open(
            "bank_account", "account_number", version.bank_account_id, row.account_number_enc
        ).value
        current = version.number >= newest[version.bank_account_id]
        rows.append(
            {
                "version": version,
                "state": version.state_at(now).value,
                "supplier_name": row.supplier_name,
                # an earlier version's number is not kept in clear (only its blind index)
                "account": (mask_bank_account(number) if number else "****") if current else "",
                "approvers": [names.get(a, a) for a in version.approvers],
                "check": {
                    "outcome": row.outcome,
                    "provider": row.provider,
                    "checked_at": row.checked_at,
                    "retry_at": row.retry_at,
                    "challenge_open": row.challenge_bidx is not None
                    or row.challenge_reference is not None,
                    "challenge_provider": row.challenge_provider,
                    "attempts": row.attempts or 0,
                },
            }
        )
    return rows
