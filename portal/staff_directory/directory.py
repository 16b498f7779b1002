"""The staff directory: people known before their first login, and who holds a role now.

An administrator registers a person (web page or ``portal staff add``) with a name, an
e-mail address, optional WeCom/DingTalk user ids, roles and a language. The person's first
OpenID login with that e-mail (or the subject given here) links the account
(:func:`link_on_login`); the directory never grants access itself (roles for logging in
still come from the provider), it says who should be *told*.

Every write is one transaction with its audit entry; only administrators write here, and
each person may change their own notification preferences.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.audit.log import AuditContext, AuditLog
from portal.db.auth_tables import UserAccountRow
from portal.db.staff_tables import StaffMemberRow
from portal.db.tables import table_of
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import STAFF, Principal, Role

__all__ = [
    "CHANNELS",
    "LANGUAGES",
    "STAFF_MEMBER",
    "StaffDirectoryError",
    "StaffMember",
    "StaffNotFoundError",
    "add_staff",
    "check_email",
    "check_name",
    "check_user_id",
    "disable_staff",
    "link_on_login",
    "list_staff",
    "member_from",
    "member_of_account",
    "set_preferences",
]

STAFF_MEMBER = table_of(StaffMemberRow)
USER = table_of(UserAccountRow)
LANGUAGES = ("zh", "en")
#: channels a person may choose for immediate messages
CHANNELS = ("email", "wecom", "dingtalk")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_USER_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class StaffDirectoryError(PortalError):
    """A directory entry could not be written (the message says why, in both languages)."""

    code = "staff.invalid"


class StaffForbiddenError(StaffDirectoryError):
    kind = ErrorKind.FORBIDDEN
    code = "staff.forbidden"

    def __init__(self) -> None:
        super().__init__(
            "Only an administrator may change the staff directory.",
            message_zh="只有系统管理员可以维护员工名录。",
        )


class StaffExistsError(StaffDirectoryError):
    kind = ErrorKind.CONFLICT
    code = "staff.exists"

    def __init__(self, email: str) -> None:
        super().__init__(
            f"{email} is already in the staff directory.",
            message_zh=f"{email} 已在员工名录中。",
            field="email",
        )


class StaffNotFoundError(StaffDirectoryError):
    kind = ErrorKind.NOT_FOUND
    code = "staff.not_found"

    def __init__(self, who: str) -> None:
        super().__init__(
            f"Nobody in the staff directory is {who}.", message_zh=f"员工名录中没有 {who}。"
        )


class StaffKeptByProviderError(StaffDirectoryError):
    kind = ErrorKind.CONFLICT
    code = "staff.kept_by_provider"

    def __init__(self, name: str, source: str) -> None:
        provider = "Keycloak" if source == "keycloak" else "SCIM"
        super().__init__(
            f"{name} is kept by the identity provider ({provider}): disable them there; the "
            "next sync disables them here.",
            message_zh=f"{name} 由身份提供方（{provider}）维护：请在那里停用，"
            "下次同步时此处随之停用。",
        )


@dataclass(frozen=True)
class StaffMember:
    """One person of the directory as the admin page and the CLI show them."""

    id: str
    display_name: str
    email: str
    roles: tuple[Role, ...]
    language: str
    channels: tuple[str, ...]
    muted_events: tuple[str, ...]
    digest: bool
    wecom_userid: str | None = None
    dingtalk_userid: str | None = None
    account_id: str | None = None
    disabled: bool = False
    #: ``manual``, ``scim`` or ``keycloak``: who keeps the entry
    source: str = "manual"
    external_id: str | None = None
    user_name: str | None = None
    synced_at: datetime | None = None
    created_at: datetime | None = None
    #: the identity provider removed the person (the entry stays, disabled)
    removed: bool = False

    @property
    def logged_in(self) -> bool:
        """Whether the person has logged in (their account is linked)."""
        return self.account_id is not None


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part for part in (text or "").split(",") if part)


def member_from(r: Any) -> StaffMember:
    """A row of ``staff_member`` as a :class:`StaffMember`."""
    return StaffMember(
        id=r.id,
        display_name=r.display_name,
        email=r.email,
        roles=tuple(Role(v) for v in _split(r.roles)),
        language=r.language,
        channels=_split(r.channels),
        muted_events=_split(r.muted_events),
        digest=bool(r.digest),
        wecom_userid=r.wecom_userid,
        dingtalk_userid=r.dingtalk_userid,
        account_id=r.account_id,
        disabled=r.disabled_at is not None,
        source=r.source,
        external_id=r.external_id,
        user_name=r.user_name,
        synced_at=r.synced_at,
        created_at=r.created_at,
        removed=r.removed_at is not None,
    )


def _require_admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise StaffForbiddenError()


def _invalid(message: str, zh: str, field: str) -> StaffDirectoryError:
    return StaffDirectoryError(message, message_zh=zh, field=field)


def _roles(values: Iterable[str]) -> tuple[Role, ...]:
    roles: list[Role] = []
    for value in values:
        try:
            role = Role(value.strip())
        except ValueError:
            role = None
        if role is None or role not in STAFF:
            raise _invalid(
                f"{value!r} is not a staff role ({', '.join(sorted(STAFF))}).",
                f"{value!r} 不是员工角色。",
                "roles",
            )
        if role not in roles:
            roles.append(role)
    if not roles:
        raise _invalid("Give at least one role.", "请至少选择一个角色。", "roles")
    return tuple(roles)


def check_user_id(value: str | None, field: str) -> str | None:
    """A WeCom/DingTalk user id, stripped, or None; refused in words when malformed."""
    value = (value or "").strip() or None
    if value is not None and not _USER_ID.match(value):
        raise _invalid(
            f"{value!r} is not a WeCom/DingTalk user id (letters, digits, _ . @ -).",
            f"{value!r} 不是有效的企业微信/钉钉用户 ID（字母、数字及 _ . @ -）。",
            field,
        )
    return value


def check_name(name: str) -> str:
    """A person's name, stripped; refused when empty or longer than 200 characters."""
    name = name.strip()
    if not name or len(name) > 200:
        raise _invalid("Give the person's name.", "请填写姓名。", "display_name")
    return name


def check_email(email: str) -> str:
    """An e-mail address, stripped and lower-cased; refused in words when malformed."""
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 320:
        raise _invalid(f"{email!r} is not an e-mail address.", f"{email!r} 不是邮箱地址。", "email")
    return email


def add_staff(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    principal: Principal,
    *,
    name: str,
    email: str,
    roles: Sequence[str],
    language: str = "zh",
    wecom_userid: str | None = None,
    dingtalk_userid: str | None = None,
    oidc_subject: str | None = None,
    now: datetime,
) -> StaffMember:
    """Register a person; their first login with this e-mail links their account."""
    _require_admin(principal)
    name = check_name(name)
    email = check_email(email)
    if language not in LANGUAGES:
        raise _invalid("The language is zh or en.", "语言只能是 zh 或 en。", "language")
    chosen = _roles(roles)
    wecom = check_user_id(wecom_userid, "wecom_userid")
    dingtalk = check_user_id(dingtalk_userid, "dingtalk_userid")
    member_id = str(uuid.uuid4())
    try:
        with engine.begin() as conn:
            same = [func.lower(USER.c.email) == email]
            if oidc_subject:
                same.append(USER.c.subject == oidc_subject)
            account = conn.execute(
                select(USER.c.id).where(or_(*same), USER.c.supplier_id.is_(None))
            ).first()
            linked = account.id if account is not None else None
            if (
                linked is not None
                and conn.execute(
                    select(STAFF_MEMBER.c.id).where(STAFF_MEMBER.c.account_id == linked)
                ).first()
            ):
                raise StaffExistsError(email)
            conn.execute(
                insert(STAFF_MEMBER).values(
                    id=member_id,
                    display_name=name,
                    email=email,
                    wecom_userid=wecom,
                    dingtalk_userid=dingtalk,
                    roles=",".join(r.value for r in chosen),
                    language=language,
                    channels="email",
                    muted_events="",
                    digest=False,
                    oidc_subject=(oidc_subject or "").strip() or None,
                    account_id=linked,
                    created_at=now,
                )
            )
            audit.record(
                conn,
                ctx,
                "staff.registered",
                subject_type="staff_member",
                subject_id=member_id,
                field_name=name,
                after=",".join(r.value for r in chosen),
                now=now,
            )
            row = conn.execute(select(STAFF_MEMBER).where(STAFF_MEMBER.c.id == member_id)).one()
    except IntegrityError as exc:
        raise StaffExistsError(email) from exc
    return member_from(row)


def list_staff(engine: Engine, principal: Principal) -> list[StaffMember]:
    """Everyone in the directory, by name (administrators only)."""
    _require_admin(principal)
    with engine.connect() as conn:
        rows = conn.execute(select(STAFF_MEMBER).order_by(STAFF_MEMBER.c.display_name)).all()
    return [member_from(r) for r in rows]


def _find(conn: Connection, who: str) -> Any:
    row = conn.execute(
        select(STAFF_MEMBER).where(
            or_(STAFF_MEMBER.c.id == who, STAFF_MEMBER.c.email == who.strip().lower())
        )
    ).first()
    if row is None:
        raise StaffNotFoundError(who)
    return row


def disable_staff(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    principal: Principal,
    who: str,
    *,
    now: datetime,
) -> StaffMember:
    """Stop telling a person anything (by id or e-mail); their history stays."""
    _require_admin(principal)
    with engine.begin() as conn:
        row = _find(conn, who)
        if row.source != "manual":
            raise StaffKeptByProviderError(row.display_name, row.source)
        member_id = row.id
        conn.execute(
            update(STAFF_MEMBER)
            .where(STAFF_MEMBER.c.id == member_id, STAFF_MEMBER.c.disabled_at.is_(None))
            .values(disabled_at=now)
        )
        audit.record(
            conn,
            ctx,
            "staff.disabled",
            subject_type="staff_member",
            subject_id=member_id,
            field_name=row.display_name,
            now=now,
        )
        row = conn.execute(select(STAFF_MEMBER).where(STAFF_MEMBER.c.id == member_id)).one()
    return member_from(row)


def member_of_account(engine: Engine, account_id: str) -> StaffMember | None:
    """The directory entry linked to a logged-in account, if any."""
    with engine.connect() as conn:
        row = conn.execute(
            select(STAFF_MEMBER).where(STAFF_MEMBER.c.account_id == account_id)
        ).first()
    return member_from(row) if row is not None else None


def set_preferences(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    principal: Principal,
    member_id: str,
    *,
    channels: Sequence[str],
    muted_events: Sequence[str],
    digest: bool,
    language: str,
    now: datetime,
) -> StaffMember:
    """Which events, which channels, immediate or a daily digest: the person themself or an
    administrator."""
    chosen = tuple(dict.fromkeys(c for c in channels if c))
    if not chosen or any(c not in CHANNELS for c in chosen):
        raise _invalid(
            f"Choose channels among {', '.join(CHANNELS)}.",
            "请从邮件、企业微信、钉钉中选择至少一个渠道。",
            "channels",
        )
    if language not in LANGUAGES:
        raise _invalid("The language is zh or en.", "语言只能是 zh 或 en。", "language")
    with engine.begin() as conn:
        row = _find(conn, member_id)
        own = row.account_id is not None and row.account_id == principal.subject
        if principal.role is not Role.ADMIN and not own:
            raise StaffForbiddenError()
        if "wecom" in chosen and not row.wecom_userid:
            raise _invalid(
                "No WeCom user id is on file for this person.",
                "名录中没有此人的企业微信用户 ID。",
                "channels",
            )
        if "dingtalk" in chosen and not row.dingtalk_userid:
            raise _invalid(
                "No DingTalk user id is on file for this person.",
                "名录中没有此人的钉钉用户 ID。",
                "channels",
            )
        values = {
            "channels": ",".join(chosen),
            "muted_events": ",".join(sorted(set(muted_events))),
            "digest": digest,
            "language": language,
        }
        conn.execute(update(STAFF_MEMBER).where(STAFF_MEMBER.c.id == row.id).values(**values))
        audit.record(
            conn,
            ctx,
            "staff.preferences_changed",
            subject_type="staff_member",
            subject_id=row.id,
            after=";".join(f"{k}={v}" for k, v in values.items()),
            now=now,
        )
        row = conn.execute(select(STAFF_MEMBER).where(STAFF_MEMBER.c.id == row.id)).one()
    return member_from(row)


def link_on_login(
    conn: Connection, *, account_id: str, email: str | None, subject: str
) -> str | None:
    """In the login's transaction: link the directory entry with this subject, else with
    this e-mail, to the account (first login); returns the entry's id when one was linked."""
    candidates = [STAFF_MEMBER.c.oidc_subject == subject]
    if email:
        candidates.append(STAFF_MEMBER.c.email == email.strip().lower())
    row = conn.execute(
        select(STAFF_MEMBER.c.id)
        .where(or_(*candidates), STAFF_MEMBER.c.account_id.is_(None))
        .order_by(STAFF_MEMBER.c.oidc_subject.is_(None))
    ).first()
    if row is None:
        return None
    conn.execute(
        update(STAFF_MEMBER)
        .where(STAFF_MEMBER.c.id == row.id, STAFF_MEMBER.c.account_id.is_(None))
        .values(account_id=account_id)
    )
    return str(row.id)
