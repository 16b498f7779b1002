"""The language a supplier's contacts read their messages in (``zh`` or ``en``).

A supplier's own users set it for their company's contacts (a preference, not master data:
no approval), an administrator for anyone's; each change is one transaction with its
``contact.language_changed`` audit entry. :func:`portal.notifications.messages.supplier_people`
uses it for every message to the supplier (decisions, licence expiry, yearly confirmation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update

from portal.audit.log import AuditContext, AuditLog
from portal.db.auth_tables import UserAccountRow
from portal.db.supplier_store import CONTACT
from portal.db.tables import table_of
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role

__all__ = [
    "LANGUAGES",
    "ContactLanguage",
    "ContactPreferenceError",
    "contact_languages",
    "my_language",
    "set_contact_language",
    "set_my_language",
]

LANGUAGES = ("zh", "en")
USER = table_of(UserAccountRow)


class ContactPreferenceError(PortalError):
    """A contact's language could not be set (the message says why, in both languages)."""

    code = "contact.language_invalid"


class _Forbidden(ContactPreferenceError):
    kind = ErrorKind.FORBIDDEN
    code = "contact.language_forbidden"


class _NotFound(ContactPreferenceError):
    kind = ErrorKind.NOT_FOUND
    code = "contact.not_found"


@dataclass(frozen=True)
class ContactLanguage:
    """One contact of a supplier as the preferences page shows them."""

    id: str
    name: str
    email: str | None
    language: str


def _may(principal: Principal, supplier_id: str) -> bool:
    return principal.role is Role.ADMIN or (
        principal.role is Role.SUPPLIER and principal.supplier_id == supplier_id
    )


def contact_languages(engine: Engine, principal: Principal) -> list[ContactLanguage]:
    """The contacts of the principal's own supplier (nobody else's) and their language."""
    if principal.role is not Role.SUPPLIER or not principal.supplier_id:
        return []
    with engine.connect() as conn:
        rows = conn.execute(
            select(CONTACT.c.id, CONTACT.c.name, CONTACT.c.email, CONTACT.c.language)
            .where(CONTACT.c.supplier_id == principal.supplier_id)
            .order_by(CONTACT.c.name)
        ).all()
    return [ContactLanguage(r.id, r.name, r.email, r.language or "zh") for r in rows]


def set_contact_language(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    principal: Principal,
    contact_id: str,
    language: str,
    *,
    now: datetime,
) -> ContactLanguage:
    """Set the language of one contact's messages (their supplier's users, or an admin)."""
    with engine.begin() as conn:
        row = conn.execute(select(CONTACT).where(CONTACT.c.id == contact_id)).first()
        if row is None or not _may(principal, row.supplier_id):
            if row is not None and principal.role is not Role.SUPPLIER:
                raise _Forbidden(
                    "Only the supplier's own users or an administrator may change this.",
                    message_zh="只有该供应商的用户或系统管理员可以修改。",
                )
            # another supplier's contact is not shown to exist
            raise _NotFound("There is no such contact.", message_zh="没有这个联系人。")
        if language not in LANGUAGES:
            raise ContactPreferenceError(
                "The language is Chinese (zh) or English (en).",
                message_zh="语言只能是中文（zh）或英文（en）。",
                field="language",
            )
        before = row.language or "zh"
        if before != language:
            conn.execute(update(CONTACT).where(CONTACT.c.id == row.id).values(language=language))
            audit.record(
                conn,
                ctx,
                "contact.language_changed",
                subject_type="contact",
                subject_id=row.id,
                field_name="language",
                before=before,
                after=language,
                now=now,
            )
    return ContactLanguage(row.id, row.name, row.email, language)


def my_language(engine: Engine, principal: Principal) -> str | None:
    """The language the logged-in person chose for themself (None: not chosen)."""
    with engine.connect() as conn:
        chosen = conn.execute(
            select(USER.c.language).where(USER.c.id == principal.subject)
        ).scalar_one_or_none()
    return str(chosen) if chosen else None


def set_my_language(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    principal: Principal,
    language: str,
    *,
    now: datetime,
) -> str:
    """A person's own language for their messages and pages (their own account only),
    apart from the language of any contact with their e-mail."""
    if language not in LANGUAGES:
        raise ContactPreferenceError(
            "The language is Chinese (zh) or English (en).",
            message_zh="语言只能是中文（zh）或英文（en）。",
            field="language",
        )
    with engine.begin() as conn:
        row = conn.execute(
            select(USER.c.id, USER.c.language).where(USER.c.id == principal.subject)
        ).first()
        if row is None:
            raise _NotFound(
                "Log in once before choosing your language.",
                message_zh="请先登录一次，再选择语言。",
            )
        if row.language != language:
            conn.execute(update(USER).where(USER.c.id == row.id).values(language=language))
            audit.record(conn, ctx, "account.language_changed", subject_type="user_account",
                         subject_id=row.id, field_name="language", before=row.language or "",
                         after=language, now=now)  # fmt: skip
    return language
