"""What an administrator manages on screen: API clients and their tokens, the people who
log in and their roles, and the approval policy in force.

Every act checks that an administrator is asking, opens its transaction and writes its
audit entry (``api_client.created`` / ``api_client.revoked``; the token is never
recorded, only shown once to the admin who created it). The role a person holds comes
from the identity provider at each login (:mod:`portal.identity.users`); this screen shows
it and what it may do, and disabling an account is the portal's own lever
(:func:`portal.identity.sessions.set_account_disabled`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update

from approvals.policy import ApprovalPolicy, ApprovalRule
from portal.audit.log import AuditContext, AuditLog
from portal.db.tables import ApiClientRow, table_of
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import MAY_REVEAL, Principal, Role
from portal.identity.api_clients import ApiClientError, insert_client, revoked

__all__ = [
    "ROLE_RIGHTS",
    "AdminOnlyError",
    "ApiClientView",
    "ApiTokenInputError",
    "PolicyRow",
    "client_id_named",
    "create_api_token",
    "list_api_clients",
    "policy_rows",
    "revoke_api_token",
]

CLIENT = table_of(ApiClientRow)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")

#: What each role may do, as the guards and use cases decide it (shown on the users screen).
ROLE_RIGHTS: dict[Role, tuple[str, ...]] = {
    Role.SUPPLIER: ("own_record", "propose"),
    Role.PURCHASING_CLERK: ("lists", "invite", "propose_for", "merge"),
    Role.PURCHASING_SUPERVISOR: ("lists", "invite", "propose_for", "approve", "block", "reveal"),
    Role.FINANCE: ("lists", "finance_api", "export", "reveal"),
    Role.AUDITOR: ("lists", "audit_log", "export"),
    Role.ADMIN: ("lists", "invite", "propose_for", "approve", "block", "accounts", "tokens"),
}


class AdminOnlyError(PortalError, PermissionError):
    kind = ErrorKind.FORBIDDEN
    code = "admin.only"

    def __init__(self) -> None:
        super().__init__(
            "only an administrator, logged in, may do this",
            message_zh="仅管理员（已登录）可执行此操作",
        )


class ApiTokenInputError(PortalError, ValueError):
    kind = ErrorKind.INVALID
    code = "api_client.invalid"


@dataclass(frozen=True)
class ApiClientView:
    id: str
    name: str
    role: Role
    can_reveal: bool
    created_at: datetime
    revoked_at: datetime | None


def _require_admin(by: Principal) -> None:
    if by.role is not Role.ADMIN or by.kind != "user":
        raise AdminOnlyError()


def list_api_clients(engine: Engine, by: Principal) -> list[ApiClientView]:
    """Every API client, active first, by name (admins only)."""
    _require_admin(by)
    with engine.connect() as conn:
        rows = conn.execute(
            select(CLIENT).order_by(CLIENT.c.revoked_at.is_not(None), CLIENT.c.name)
        ).all()
    return [
        ApiClientView(r.id, r.name, Role(r.role), r.can_reveal, r.created_at, r.revoked_at)
        for r in rows
    ]


def create_api_token(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    by: Principal,
    *,
    name: str,
    role: str,
    can_reveal: bool,
    now: datetime,
) -> str:
    """Create a client; return its token, which nobody can see again (admins only)."""
    _require_admin(by)
    name = name.strip()
    if not _NAME.match(name):
        raise ApiTokenInputError(
            "the name is 2 to 64 letters, digits, dots, dashes or underscores (e.g. erp-prod)",
            message_zh="名称为 2 至 64 个字母、数字、点、横线或下划线（如 erp-prod）",
            field="name",
        )
    try:
        granted = Role(role)
    except ValueError:
        granted = Role.SUPPLIER
    if granted is Role.SUPPLIER:
        raise ApiTokenInputError(
            "choose a staff role for the token", message_zh="请为令牌选择员工角色", field="role"
        )
    reveal = can_reveal and granted in MAY_REVEAL
    with engine.begin() as conn:
        try:
            client_id, token = insert_client(conn, name, granted, can_reveal=reveal, now=now)
        except ApiClientError as exc:
            raise ApiTokenInputError(
                str(exc), message_zh=f"已有名为 {name} 的接口客户端", field="name"
            ) from exc
        audit.record(
            conn, ctx, "api_client.created", subject_type="api_client", subject_id=client_id,
            field_name=granted.value, after=f"{name} reveal={'yes' if reveal else 'no'}", now=now,
        )  # fmt: skip
    return token


def client_id_named(engine: Engine, name: str) -> str | None:
    """The id of the active API client of this name (the CLI names clients)."""
    with engine.connect() as conn:
        found: str | None = conn.execute(
            select(CLIENT.c.id).where(CLIENT.c.name == name, CLIENT.c.revoked_at.is_(None))
        ).scalar_one_or_none()
    return found


def revoke_api_token(
    engine: Engine, audit: AuditLog, ctx: AuditContext, by: Principal, client_id: str, *,
    now: datetime,
) -> None:  # fmt: skip
    """Revoke a client's token at once (admins only)."""
    _require_admin(by)
    with engine.begin() as conn:
        done = conn.execute(
            update(CLIENT)
            .where(CLIENT.c.id == client_id, CLIENT.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if done.rowcount != 1:
            raise ApiTokenInputError(
                "no active API client with this id", message_zh="没有该有效的接口客户端"
            )
        audit.record(
            conn, ctx, "api_client.revoked", subject_type="api_client", subject_id=client_id,
            now=now,
        )  # fmt: skip
    revoked()


@dataclass(frozen=True)
class PolicyRow:
    """One rule of the approval policy as the admin screen lists it."""

    applies_to: str  # "default", a change kind, or entity.field
    scope: str  # default, kind or field
    approvals: int
    with_call_back: int
    call_back_required: bool
    roles: tuple[str, ...]


def _row(applies_to: str, scope: str, rule: ApprovalRule) -> PolicyRow:
    return PolicyRow(
        applies_to, scope, rule.approvals_required, rule.with_call_back,
        rule.call_back_required, tuple(sorted(rule.roles)),
    )  # fmt: skip


def policy_rows(by: Principal, policy: ApprovalPolicy) -> Sequence[PolicyRow]:
    """The policy in force, rule by rule (admins and auditors)."""
    if by.role not in (Role.ADMIN, Role.AUDITOR):
        raise AdminOnlyError()
    rows = [_row("default", "default", policy.default)]
    rows += [_row(kind.value, "kind", rule) for kind, rule in policy.by_kind.items()]
    rows += [_row(key, "field", rule) for key, rule in sorted(policy.by_field.items())]
    return rows
