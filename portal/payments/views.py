"""What the finance API says about each bank account's version (additive fields)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from portal.payments.versions import VERSION, to_version

__all__ = ["UNVERSIONED", "account_versions"]

#: ``version_state`` of an account on file that no version covers (held as ``unversioned``).
UNVERSIONED = "unversioned"
_CHUNK = 500


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
        query = select(VERSION).where(VERSION.c.bank_account_id.in_(ids[start : start + _CHUNK]))
        for row in conn.execute(query):
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
