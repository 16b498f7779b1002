"""SCIM 2.0 (RFC 7643/7644) Users, pushed by an identity provider (Entra ID, Okta, …).

Parsing, filters and PATCH come from ``scim2-models``: a request body becomes a
:class:`ScimUser`, a PATCH is applied to the stored person as a ``ScimUser``, and the
result goes through :func:`~portal.staff_directory.sync.write_synced` like a pulled entry.
Each act here is one transaction with its audit entry (channel ``scim:<token name>``)
and the token's row in ``directory_sync`` (last push, last error in words).

The provider sees only the entries it created (``source`` ``scim``); a manual entry with
the same e-mail is a 409 ``uniqueness`` in words, never taken over. DELETE disables the
entry and keeps it (a later GET is 404, as RFC 7644 §3.6 wants).

Attributes read: ``userName``, ``externalId``, ``displayName`` (else ``name.formatted``,
else family + given name), the primary (else first) of ``emails`` (else a ``userName``
that is an address), ``active``, ``preferredLanguage`` (else ``locale``), ``roles``
(``value`` or ``display``, through the role map) and this portal's extension
:data:`NOTIFY_URN` (``wecomUserId``, ``dingtalkUserId``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from scim2_models import (
    URN,
    Context,
    Email,
    EnterpriseUser,
    Extension,
    Meta,
    Name,
    PatchOp,
    SCIMException,
    ScimFilter,
    User,
)
from scim2_models import Role as ScimRole
from sqlalchemy import Connection, Engine, select

from portal.audit.log import AuditContext, AuditLog
from portal.staff_directory.directory import (
    STAFF_MEMBER,
    StaffDirectoryError,
    StaffMember,
    StaffNotFoundError,
    member_from,
)
from portal.staff_directory.pull import record_sync
from portal.staff_directory.sync import (
    DirectoryEntry,
    RoleMap,
    SyncOutcome,
    kept_row,
    language_of,
    remove_synced,
    write_synced,
)

__all__ = [
    "NOTIFY_URN",
    "NotifyUser",
    "ScimInputError",
    "ScimPage",
    "ScimUser",
    "scim_context",
    "scim_create",
    "scim_get",
    "scim_list",
    "scim_patch",
    "scim_remove",
    "scim_replace",
    "user_of",
]

SOURCE = "scim"
_CHANGE = {"created": "已新增 / created", "updated": "已更新 / updated",
           "unchanged": "无变化 / unchanged"}  # fmt: skip
NOTIFY_URN = "urn:supplier-portal:params:scim:schemas:extension:notifications:2.0:User"
MAX_COUNT = 200


class NotifyUser(Extension):
    """Where the portal reaches the person besides e-mail."""

    __schema__ = URN(NOTIFY_URN)

    wecom_user_id: str | None = None
    """The person's WeCom (企业微信) user id, for application messages."""

    dingtalk_user_id: str | None = None
    """The person's DingTalk (钉钉) user id, for work notifications."""


ScimUser = User[EnterpriseUser | NotifyUser]


class ScimInputError(SCIMException):
    """A body this endpoint cannot read (status 400, ``invalidValue``)."""

    status = 400
    scim_type = "invalidValue"


def scim_context(token_name: str, base: AuditContext) -> AuditContext:
    """The request's audit context, acting as the token (its name is the channel)."""
    return AuditContext(
        actor=f"scim:{token_name}",
        actor_role="system",
        ip=base.ip,
        user_agent=base.user_agent,
        request_id=base.request_id,
        device=base.device,
        actor_name=f"SCIM ({token_name})",
        channel=f"scim:{token_name}",
    )


def _parse(body: Mapping[str, Any], ctx: Context) -> Any:
    try:
        return ScimUser.model_validate(dict(body), scim_ctx=ctx)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ScimInputError(detail=f"{where}: {first['msg']}") from exc


def _display_name(user: Any) -> str:
    name = user.name
    if user.display_name:
        return str(user.display_name)
    if name is not None and name.formatted:
        return str(name.formatted)
    if name is not None and (name.family_name or name.given_name):
        family, given = name.family_name or "", name.given_name or ""
        joined = (
            family + given
            if any("\u4e00" <= c <= "\u9fff" for c in family + given)
            else (f"{given} {family}".strip())
        )
        return joined
    return str(user.user_name or "")


def _email(user: Any) -> str:
    emails = list(user.emails or [])
    chosen = next((e for e in emails if e.primary), emails[0] if emails else None)
    if chosen is not None and chosen.value:
        return str(chosen.value)
    return str(user.user_name or "") if "@" in str(user.user_name or "") else ""


def entry_of(user: Any, roles: RoleMap) -> DirectoryEntry:
    """A parsed SCIM user in the directory's words."""
    names = [str(r.value or r.display or "") for r in (user.roles or [])]
    notify = user[NotifyUser]
    return DirectoryEntry(
        external_id=user.external_id,
        user_name=str(user.user_name or ""),
        display_name=_display_name(user),
        email=_email(user),
        active=True if user.active is None else bool(user.active),
        language=language_of(user.preferred_language or user.locale),
        roles=roles.roles_of(names),
        wecom_userid=notify.wecom_user_id if notify is not None else None,
        dingtalk_userid=notify.dingtalk_user_id if notify is not None else None,
    )


def user_of(member: StaffMember, base_url: str) -> Any:
    """A directory entry as the SCIM User the provider sees."""
    user = ScimUser(
        id=member.id,
        external_id=member.external_id,
        user_name=member.user_name or member.email,
        display_name=member.display_name,
        name=Name(formatted=member.display_name),
        emails=[Email(value=member.email, primary=True, type=Email.Type.work)],
        active=not member.disabled,
        preferred_language="zh-CN" if member.language == "zh" else "en",
        roles=[ScimRole(value=r.value, primary=False) for r in member.roles] or None,
        meta=Meta(
            resource_type="User",
            created=member.created_at,
            last_modified=member.synced_at or member.created_at,
            location=f"{base_url.rstrip('/')}/scim/v2/Users/{member.id}",
        ),
    )
    if member.wecom_userid or member.dingtalk_userid:
        user[NotifyUser] = NotifyUser(
            wecom_user_id=member.wecom_userid, dingtalk_user_id=member.dingtalk_userid
        )
    return user


def _one(conn: Connection, member_id: str) -> StaffMember | None:
    row = kept_row(conn, SOURCE, member_id)
    return member_from(row) if row is not None else None


def scim_get(engine: Engine, member_id: str) -> StaffMember | None:
    """One person the provider keeps, or None (404)."""
    with engine.connect() as conn:
        return _one(conn, member_id)


@dataclass(frozen=True)
class ScimPage:
    """One page of a query: the people on it and how many matched in all."""

    members: list[StaffMember]
    total: int
    start_index: int


def scim_list(
    engine: Engine, base_url: str, *, filter_text: str | None, start_index: int, count: int
) -> ScimPage:
    """The provider's people matching ``filter`` (``userName eq "…"`` and the rest of
    RFC 7644 §3.4.2.2), 1-based ``startIndex``, at most ``count`` (≤ 200) per page."""
    matcher = ScimFilter[ScimUser](filter_text) if filter_text else None
    with engine.connect() as conn:
        rows = conn.execute(
            select(STAFF_MEMBER)
            .where(STAFF_MEMBER.c.source == SOURCE, STAFF_MEMBER.c.removed_at.is_(None))
            .order_by(STAFF_MEMBER.c.created_at, STAFF_MEMBER.c.id)
        ).all()
    members = [member_from(r) for r in rows]
    if matcher is not None:
        members = [m for m in members if matcher.match(user_of(m, base_url))]
    start = max(start_index, 1)
    size = min(max(count, 0), MAX_COUNT)
    return ScimPage(members[start - 1 : start - 1 + size], len(members), start)


def _write(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    token_name: str,
    entry: DirectoryEntry,
    *,
    now: datetime,
    member_id: str | None = None,
) -> SyncOutcome:
    try:
        with engine.begin() as conn:
            outcome = write_synced(conn, audit, ctx, SOURCE, entry, now=now, member_id=member_id)
            done = f"{_CHANGE[outcome.change]}: {outcome.member.display_name}"
            record_sync(conn, f"scim:{token_name}", now=now, summary=done)
    except StaffDirectoryError as exc:
        if not isinstance(exc, StaffNotFoundError):
            with engine.begin() as conn:
                record_sync(conn, f"scim:{token_name}", now=now,
                            error=f"{exc} / {exc.message_zh}")  # fmt: skip
        raise
    return outcome


def scim_create(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    token_name: str,
    body: Mapping[str, Any],
    roles: RoleMap,
    *,
    now: datetime,
) -> StaffMember:
    """POST /Users: a new person (409 when the e-mail is already in the directory)."""
    entry = entry_of(_parse(body, Context.RESOURCE_CREATION_REQUEST), roles)
    return _write(engine, audit, ctx, token_name, entry, now=now).member


def scim_replace(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    token_name: str,
    member_id: str,
    body: Mapping[str, Any],
    roles: RoleMap,
    *,
    now: datetime,
) -> StaffMember:
    """PUT /Users/{id}: the person as the provider now describes them."""
    entry = entry_of(_parse(body, Context.RESOURCE_REPLACEMENT_REQUEST), roles)
    return _write(engine, audit, ctx, token_name, entry, now=now, member_id=member_id).member


def scim_patch(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    token_name: str,
    member_id: str,
    body: Mapping[str, Any],
    roles: RoleMap,
    *,
    base_url: str,
    now: datetime,
) -> StaffMember | None:
    """PATCH /Users/{id}: the operations applied to the stored person (None: no such id)."""
    try:
        patch = PatchOp[ScimUser].model_validate(
            dict(body), scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ScimInputError(detail=f"Operations: {first['msg']}") from exc
    member = scim_get(engine, member_id)
    if member is None:
        return None
    user = user_of(member, base_url)
    patch.patch(user)
    entry = entry_of(user, roles)
    return _write(engine, audit, ctx, token_name, entry, now=now, member_id=member_id).member


def scim_remove(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    token_name: str,
    member_id: str,
    *,
    now: datetime,
) -> StaffMember:
    """DELETE /Users/{id}: disabled and kept; the provider no longer sees it."""
    with engine.begin() as conn:
        member = remove_synced(conn, audit, ctx, SOURCE, member_id, now=now)
        record_sync(conn, f"scim:{token_name}", now=now,
                    summary=f"已移除 / removed: {member.display_name}")  # fmt: skip
    return member
