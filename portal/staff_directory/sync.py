"""People the identity provider keeps: pushed by SCIM, pulled from Keycloak.

The provider is the source of truth for the entries it created (``source`` ``scim`` or
``keycloak``): it creates and updates them (name, e-mail, WeCom/DingTalk ids, language,
roles), deactivates them (``active`` false) and removes them. Removal *disables* the entry
(``disabled_at`` and ``removed_at``), never deletes it: history and audit keep their names.
A disabled person gets no message and holds no role for :func:`holders_of`.

An entry registered by hand is never taken over by a sync, unless it is linked: its
``external_id`` (or its OpenID subject, which is the Keycloak user id) is the provider's id
of the person. A provider entry whose e-mail belongs to an unlinked manual entry is a
conflict, reported in words (the SCIM answer, the admin page), not a silent overwrite.

Every change is one audit entry whose channel names who pushed it (``scim:<token name>``)
or ``directory sync``.

>>> RoleMap.parse("Purchasing Leads=purchasing_supervisor; Finance=finance").roles_of(
...     ["Finance", "admin", "Visitors"])
(<Role.FINANCE: 'finance'>, <Role.ADMIN: 'admin'>)
>>> language_of("zh-Hans-CN"), language_of("en-US"), language_of("fr"), language_of(None)
('zh', 'en', None, None)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, and_, insert, or_, select, update

from portal.audit.log import AuditContext, AuditLog
from portal.domain.errors import ErrorKind
from portal.domain.principal import STAFF, Role
from portal.staff_directory.directory import (
    LANGUAGES,
    STAFF_MEMBER,
    StaffDirectoryError,
    StaffMember,
    StaffNotFoundError,
    check_email,
    check_name,
    check_user_id,
    member_from,
)

__all__ = [
    "DirectoryEntry",
    "RoleMap",
    "StaffSyncConflictError",
    "SyncOutcome",
    "kept_row",
    "language_of",
    "remove_synced",
    "write_synced",
]

Change = Literal["created", "updated", "unchanged"]


class StaffSyncConflictError(StaffDirectoryError):
    """The provider's person collides with an entry it does not keep (same e-mail)."""

    code = "staff.sync_conflict"

    kind = ErrorKind.CONFLICT

    def __init__(self, email: str, source: str) -> None:
        source = "Keycloak" if source == "keycloak" else source.upper()
        super().__init__(
            f"{email} is already in the staff directory, registered by hand or by another "
            f"source; {source} does not overwrite it. Link it (give the entry the provider's "
            "id as its OpenID subject) or remove it, then sync again.",
            message_zh=f"{email} 已在员工名录中（手工登记或来自其他来源），{source} 不会覆盖它。"
            "请将该条目的 OpenID subject 设为身份提供方中的用户 ID 以关联，或删除后再同步。",
            field="email",
        )


@dataclass(frozen=True)
class RoleMap:
    """The provider's group or role names to staff roles (``PORTAL_DIRECTORY_ROLE_MAP``,
    ``name=role`` pairs separated by ``;``). A staff role's own value is always understood;
    names neither mapped nor a staff role are ignored (they grant nothing here)."""

    names: Mapping[str, Role] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> RoleMap:
        """Read ``name=role; name=role``; a role that is not a staff role is refused."""
        names: dict[str, Role] = {}
        for pair in text.split(";"):
            if not pair.strip():
                continue
            name, sep, value = pair.rpartition("=")
            try:
                role = Role(value.strip())
            except ValueError:
                role = None
            if not sep or not name.strip() or role is None or role not in STAFF:
                raise ValueError(f"{pair.strip()!r} is not 'group name=staff role'")
            names[name.strip().casefold()] = role
        return cls(names)

    def roles_of(self, names: Iterable[str]) -> tuple[Role, ...]:
        """The staff roles these provider names stand for, in order, once each."""
        found: list[Role] = []
        for name in names:
            role = self.names.get(name.strip().casefold())
            if role is None:
                try:
                    role = Role(name.strip())
                except ValueError:
                    continue
            if role in STAFF and role not in found:
                found.append(role)
        return tuple(found)


def language_of(tag: str | None) -> str | None:
    """``zh``/``en`` from a language tag (``zh-CN``, ``en_US``), else None."""
    primary = (tag or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


@dataclass(frozen=True)
class DirectoryEntry:
    """One person as the provider describes them (already in our words)."""

    external_id: str | None
    user_name: str
    display_name: str
    email: str
    active: bool = True
    language: str | None = None
    roles: tuple[Role, ...] = ()
    wecom_userid: str | None = None
    dingtalk_userid: str | None = None


@dataclass(frozen=True)
class SyncOutcome:
    """What one write did."""

    member: StaffMember
    change: Change


def _values(entry: DirectoryEntry) -> dict[str, Any]:
    values: dict[str, Any] = {
        "display_name": check_name(entry.display_name),
        "email": check_email(entry.email),
        "user_name": entry.user_name.strip() or None,
        "external_id": (entry.external_id or "").strip() or None,
        "roles": ",".join(r.value for r in entry.roles),
        "wecom_userid": check_user_id(entry.wecom_userid, "wecom_userid"),
        "dingtalk_userid": check_user_id(entry.dingtalk_userid, "dingtalk_userid"),
    }
    if entry.language is not None:
        values["language"] = entry.language
    return values


def kept_row(conn: Connection, source: str, member_id: str) -> Any:
    """The row of a person ``source`` keeps (and has not removed), or None."""
    return conn.execute(
        select(STAFF_MEMBER).where(
            STAFF_MEMBER.c.id == member_id,
            STAFF_MEMBER.c.source == source,
            STAFF_MEMBER.c.removed_at.is_(None),
        )
    ).first()


def _existing(conn: Connection, source: str, entry: DirectoryEntry, member_id: str | None) -> Any:
    if member_id is not None:
        return kept_row(conn, source, member_id)
    if not entry.external_id:
        return None
    # the provider's own entry, or a manual one linked by the provider's id
    return conn.execute(
        select(STAFF_MEMBER)
        .where(
            or_(
                and_(
                    STAFF_MEMBER.c.source == source,
                    STAFF_MEMBER.c.external_id == entry.external_id,
                ),
                and_(
                    STAFF_MEMBER.c.source == "manual",
                    or_(
                        STAFF_MEMBER.c.external_id == entry.external_id,
                        STAFF_MEMBER.c.oidc_subject == entry.external_id,
                    ),
                ),
            )
        )
        .order_by(STAFF_MEMBER.c.source == "manual")
    ).first()


def _described(before: Any, values: Mapping[str, Any]) -> str:
    changed = [k for k, v in values.items() if getattr(before, k) != v]
    return ", ".join(f"{k}: {getattr(before, k) or '—'} → {values[k] or '—'}" for k in changed)


def write_synced(
    conn: Connection,
    audit: AuditLog,
    ctx: AuditContext,
    source: str,
    entry: DirectoryEntry,
    *,
    now: datetime,
    member_id: str | None = None,
) -> SyncOutcome:
    """Create or update the provider's person in the caller's transaction, with its audit
    entry; ``member_id`` names the entry being replaced (SCIM PUT/PATCH)."""
    values = _values(entry)
    row = _existing(conn, source, entry, member_id)
    if row is None:
        if member_id is not None:
            raise StaffNotFoundError(member_id)
        if conn.execute(
            select(STAFF_MEMBER.c.id).where(STAFF_MEMBER.c.email == values["email"])
        ).first():
            raise StaffSyncConflictError(values["email"], source)
        new_id = str(uuid.uuid4())
        conn.execute(
            insert(STAFF_MEMBER).values(
                id=new_id,
                source=source,
                channels="email",
                muted_events="",
                digest=False,
                language=values.pop("language", "zh"),
                created_at=now,
                synced_at=now,
                disabled_at=None if entry.active else now,
                **values,
            )
        )
        audit.record(conn, ctx, "staff.synced", subject_type="staff_member", subject_id=new_id,
                     field_name=values["display_name"], after=values["roles"] or "—",
                     now=now)  # fmt: skip
        return SyncOutcome(_member(conn, new_id), "created")
    if (
        values["email"] != row.email
        and conn.execute(
            select(STAFF_MEMBER.c.id).where(
                STAFF_MEMBER.c.email == values["email"], STAFF_MEMBER.c.id != row.id
            )
        ).first()
    ):
        raise StaffSyncConflictError(values["email"], source)
    if not values["external_id"]:
        values["external_id"] = row.external_id
    values["source"] = source
    changes = _described(row, values)
    conn.execute(
        update(STAFF_MEMBER).where(STAFF_MEMBER.c.id == row.id).values(synced_at=now, **values)
    )
    if changes:
        audit.record(conn, ctx, "staff.synced", subject_type="staff_member", subject_id=row.id,
                     field_name=values["display_name"], after=changes, now=now)  # fmt: skip
    toggled = _set_active(conn, audit, ctx, row, entry.active, now=now)
    return SyncOutcome(_member(conn, row.id), "updated" if changes or toggled else "unchanged")


def _set_active(
    conn: Connection, audit: AuditLog, ctx: AuditContext, row: Any, active: bool, *, now: datetime
) -> bool:
    if active == (row.disabled_at is None):
        return False
    conn.execute(
        update(STAFF_MEMBER)
        .where(STAFF_MEMBER.c.id == row.id)
        .values(disabled_at=None if active else now)
    )
    audit.record(conn, ctx, "staff.enabled" if active else "staff.disabled",
                 subject_type="staff_member", subject_id=row.id,
                 field_name=row.display_name, now=now)  # fmt: skip
    return True


def remove_synced(
    conn: Connection,
    audit: AuditLog,
    ctx: AuditContext,
    source: str,
    member_id: str,
    *,
    now: datetime,
) -> StaffMember:
    """The provider removed the person: disable and mark the entry (kept for history)."""
    row = kept_row(conn, source, member_id)
    if row is None:
        raise StaffNotFoundError(member_id)
    conn.execute(
        update(STAFF_MEMBER)
        .where(STAFF_MEMBER.c.id == row.id)
        .values(removed_at=now, disabled_at=row.disabled_at or now, synced_at=now)
    )
    audit.record(conn, ctx, "staff.removed", subject_type="staff_member", subject_id=row.id,
                 field_name=row.display_name, now=now)  # fmt: skip
    return _member(conn, row.id)


def _member(conn: Connection, member_id: str) -> StaffMember:
    return member_from(
        conn.execute(select(STAFF_MEMBER).where(STAFF_MEMBER.c.id == member_id)).one()
    )
