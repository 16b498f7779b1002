"""Accounts filed outside the change flow (an import, a registration): each becomes a
*proposed* version, held ``proposed`` until its ownership is proven and two people
approve it (:func:`approve_filed_version`); never active by being filed.

:func:`propose_filed_accounts` runs in the transaction that stores the accounts, so no
account of a new supplier exists without its version. ``portal payments adopt-accounts``
stays for the accounts on file before versions existed (the migration of old data).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from payments import AccountVersion
from portal.audit.log import AuditContext
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role
from portal.payments.deps import AccountVersionNotFoundError, PaymentDeps, PaymentForbiddenError
from portal.payments.versions import VersionStore

__all__ = [
    "FILED_APPROVALS",
    "FILED_APPROVERS",
    "AlreadyApprovedByYouError",
    "approve_filed_version",
    "propose_filed_accounts",
]

#: Who approves an account filed by an import or a registration, and how many of them.
FILED_APPROVERS = frozenset({Role.PURCHASING_SUPERVISOR, Role.ADMIN})
FILED_APPROVALS = 2


class AlreadyApprovedByYouError(PortalError):
    """The second approval of a filed account must come from another person."""

    kind = ErrorKind.CONFLICT
    code = "account_version.approved_by_you"

    def __init__(self) -> None:
        super().__init__(
            "you approved this account already; a second person must approve it",
            message_zh="您已审批过该账户，须由另一位主管审批",
        )


def propose_filed_accounts(
    conn: Connection, accounts: Iterable[Mapping[str, Any]], now: datetime
) -> int:
    """A proposed version (number 1) for each bank-account row just stored (the
    caller's transaction); a retired account's version is retired. Returns how many."""
    versions = []
    for row in accounts:
        version = AccountVersion.propose(
            str(uuid.uuid4()), row["supplier_id"], row["id"], 1, row["account_number_bidx"],
            row["bank_name"], row["holder_name"], now,
        )  # fmt: skip
        versions.append(version.retire(now) if row.get("retired") else version)
    VersionStore.insert_many(conn, versions)
    return len(versions)


def approve_filed_version(
    deps: PaymentDeps, ctx: AuditContext, viewer: Principal, version_id: str
) -> AccountVersion:
    """One approval of a filed account's version (two distinct supervisors approve it;
    cooling-off starts once it is also proven); audited as ``account_version.approved``."""
    if viewer.role not in FILED_APPROVERS:
        raise PaymentForbiddenError("approve a bank account", "审批银行账户")
    now = deps.clock()
    with deps.engine.begin() as conn:
        version = deps.versions.lock(conn, version_id)
        if version is None or version.change_request_id is not None:
            # an account from a bank change is approved through that change, not here
            raise AccountVersionNotFoundError(version_id)
        if viewer.subject in version.approvers:
            raise AlreadyApprovedByYouError()
        approved = version.add_approval(
            viewer.subject, now, required=FILED_APPROVALS, cooling_off=deps.cooling_off
        )
        deps.versions.save(conn, approved)
        deps.audit.record(
            conn,
            ctx,
            "account_version.approved",
            subject_type="supplier",
            subject_id=version.supplier_id,
            after=json.dumps(
                {
                    "version": version.id,
                    "approvals": len(approved.approvers),
                    "state": approved.state_at(now).value,
                }
            ),
            now=now,
        )
    return approved
