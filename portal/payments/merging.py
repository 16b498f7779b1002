"""What a merge of two suppliers does to the absorbed supplier's account versions
(:func:`repoint_versions`, called by :func:`portal.changes.apply_merge` in its transaction).

Every version moves to the survivor, so the account's history stays whole. A merge must
not make an unproven account payable, nor keep one payable that was proven for another
company: a version that is not retired stays as it was only when its account belongs to
the surviving legal entity (the same credit code, or the account holder is the
survivor's registered name). Otherwise it is retired and the account gets a new
*proposed* version under the survivor, held ``proposed`` until its ownership is proven
for the survivor and two supervisors approve it. An account the survivor already had
(moved retired by the merge) retires its version.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection, select, update

from approvals.risk import normalise_company_name
from payments import AccountVersion, VersionState
from portal.db.supplier_store import BANK, SUPPLIER
from portal.payments.versions import VERSION, VersionStore

__all__ = ["RepointedVersions", "repoint_versions"]


@dataclass
class RepointedVersions:
    """What moved, for the merge's audit entry: counts and the version ids re-proposed."""

    moved: int = 0
    kept: int = 0
    retired: int = 0
    reproposed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "versions_moved": self.moved,
            "versions_kept": self.kept,
            "versions_retired": self.retired,
            "versions_reproposed": list(self.reproposed),
        }


def repoint_versions(
    conn: Connection, survivor_id: str, absorbed_id: str, now: datetime
) -> RepointedVersions:
    """Move the absorbed supplier's versions to the survivor (after the bank accounts
    moved); see the module docstring for which stay payable."""
    store = VersionStore()
    done = RepointedVersions()
    survivor = conn.execute(
        select(SUPPLIER.c.uscc, SUPPLIER.c.name).where(SUPPLIER.c.id == survivor_id)
    ).one()
    absorbed_uscc = conn.scalar(select(SUPPLIER.c.uscc).where(SUPPLIER.c.id == absorbed_id))
    retired_accounts = set(
        conn.scalars(
            select(BANK.c.id).where(BANK.c.supplier_id == survivor_id, BANK.c.retired.is_(True))
        )
    )
    versions = store.of_supplier(conn, absorbed_id)
    done.moved = conn.execute(
        update(VERSION).where(VERSION.c.supplier_id == absorbed_id).values(supplier_id=survivor_id)
    ).rowcount
    newest: dict[str, AccountVersion] = {}
    for v in versions:
        if v.bank_account_id not in newest or v.number > newest[v.bank_account_id].number:
            newest[v.bank_account_id] = v
    same_entity = absorbed_uscc == survivor.uscc
    for account_id, v in newest.items():
        if v.state_at(now) is VersionState.RETIRED:
            continue
        if account_id in retired_accounts:
            store.save(conn, replace(v.retire(now), supplier_id=survivor_id))
            done.retired += 1
            continue
        holder_is_survivor = normalise_company_name(v.holder_name) == normalise_company_name(
            survivor.name
        )
        if same_entity or holder_is_survivor:
            done.kept += 1
            continue
        store.save(conn, replace(v.retire(now), supplier_id=survivor_id))
        fresh = AccountVersion.propose(
            str(uuid.uuid4()), survivor_id, account_id, v.number + 1, v.account_bidx,
            v.bank_name, v.holder_name, now,
        )  # fmt: skip
        store.insert(conn, fresh)
        done.reproposed.append(fresh.id)
    return done
