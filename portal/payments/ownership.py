"""Acts on account versions outside the change flow: proving ownership, adopting the
accounts on file. Each owns its transaction and writes its audit entry."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from payments import AccountVersion
from portal.audit.log import AuditContext
from portal.db.supplier_store import BANK
from portal.domain.principal import Principal, Role
from portal.payments.deps import AccountVersionNotFoundError, PaymentDeps, PaymentForbiddenError
from portal.payments.versions import VERSION

__all__ = ["ADOPTERS", "VERIFIERS", "adopt_accounts", "record_ownership"]

#: Who may record that ownership was proven by hand (a supervisor who saw the bank's
#: confirmation); the verification services record it through the ownership port.
VERIFIERS = frozenset({Role.PURCHASING_SUPERVISOR, Role.ADMIN})
#: Who may adopt the accounts on file as active versions.
ADOPTERS = frozenset({Role.ADMIN})


def record_ownership(
    deps: PaymentDeps, ctx: AuditContext, viewer: Principal, version_id: str, method: str
) -> AccountVersion:
    """Ownership of the version's account proven by ``method``; audited."""
    if viewer.role not in VERIFIERS:
        raise PaymentForbiddenError("record account ownership", "确认账户归属")
    now = deps.clock()
    with deps.engine.begin() as conn:
        version = deps.versions.lock(conn, version_id)
        if version is None:
            raise AccountVersionNotFoundError(version_id)
        verified = version.verify(method, now, cooling_off=deps.cooling_off)
        deps.versions.save(conn, verified)
        deps.audit.record(
            conn,
            ctx,
            "account_version.verified",
            subject_type="supplier",
            subject_id=version.supplier_id,
            field_name=method,
            after=json.dumps({"version": version.id, "state": verified.state_at(now).value}),
            now=now,
        )
    return verified


def adopt_accounts(deps: PaymentDeps, ctx: AuditContext, viewer: Principal) -> int:
    """Accounts on file that no version covers become active versions, as the migration
    made them: a deliberate, audited decision by an administrator. Returns how many."""
    if viewer.role not in ADOPTERS:
        raise PaymentForbiddenError("adopt the accounts on file", "确认档案中的账户")
    now = deps.clock()
    adopted = 0
    with deps.engine.begin() as conn:
        covered = select(VERSION.c.bank_account_id)
        rows = conn.execute(select(BANK).where(BANK.c.id.not_in(covered))).all()
        for row in rows:
            version = AccountVersion.propose(
                str(uuid.uuid4()), row.supplier_id, row.id, 1, row.account_number_bidx,
                row.bank_name, row.holder_name, row.created_at,
            )  # fmt: skip
            version = version.approve((ctx.actor,), now, cooling_off=deps.cooling_off * 0)
            version = version.verify("adopted", now, cooling_off=deps.cooling_off * 0)
            if row.retired:
                version = version.retire(now)
            deps.versions.insert(conn, version)
            adopted += 1
        deps.audit.record(
            conn,
            ctx,
            "account_version.adopted",
            subject_type="account_version",
            after=json.dumps({"accounts": adopted}),
            now=now,
        )
    return adopted
