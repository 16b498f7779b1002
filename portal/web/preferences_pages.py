"""``/staff/notifications``: each of our own people chooses what they are told: which
events, on which channels, immediately or in one daily digest, and in which language.

Controllers only translate: the permission (the person themself or an administrator),
the transaction and the audit entry (``staff.preferences_changed``) are in
:func:`portal.staff_directory.set_preferences`. Someone not in the staff directory is told
to ask an administrator to register them (the directory says who is told).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from portal.audit.log import AuditLog
from portal.bootstrap import Collaborators
from portal.domain.principal import STAFF, Role
from portal.notifications.content import EVENTS
from portal.notifications.digest import DIGEST_AT
from portal.notifications.preferences import (
    contact_languages,
    my_language,
    set_contact_language,
    set_my_language,
)
from portal.staff_directory import CHANNELS, member_of_account, set_preferences
from portal.web.auth.runtime import page
from portal.web.context import audit_context
from portal.web.deps import ServicesDep
from portal.web.i18n import add_messages
from portal.web.notification_admin import MESSAGES as NOTIFY_MESSAGES
from portal.web.security import principal_of, requires
from portal.web.site import Contribution

__all__ = ["HERE", "SUPPLIER_HERE", "area"]

Form = URLEncodedBody[dict[str, str]]
HERE = "/staff/notifications"
STAFF_ONLY = [requires(*STAFF)]
SUPPLIER_HERE = "/portal/notifications"
SUPPLIERS_ONLY = [requires(Role.SUPPLIER)]

MESSAGES: dict[str, dict[str, str]] = {
    key: {"zh": zh, "en": en}
    for key, zh, en in (
        ("prefs.title", "我的消息设置", "My notifications"),
        ("prefs.help", "选择您要接收哪些消息、通过哪些渠道、立即接收还是每日汇总。",
         "Choose which messages you receive, on which channels, and whether at once or "
         "in one daily digest."),
        ("prefs.not_registered", "您还不在员工名录中，因此不会收到消息。请联系系统管理员登记您。",
         "You are not in the staff directory yet, so no message reaches you. Ask an "
         "administrator to register you."),
        ("prefs.events", "接收的消息", "Messages I receive"),
        ("prefs.channels", "接收渠道", "Channels"),
        ("prefs.no_id", "（名录中没有您的用户 ID，请联系管理员）",
         "(no user id of yours on file: ask an administrator)"),
        ("prefs.when", "接收方式", "When"),
        ("prefs.immediate", "立即发送", "At once"),
        ("prefs.digest", "每日汇总（北京时间 {at} 一封）",
         "One daily digest (at {at} Beijing time)"),
        ("prefs.language", "消息语言", "Language of my messages"),
        ("prefs.saved", "已保存。", "Saved."),
        ("prefs.address", "发往", "Sent to"),
        ("prefs.contacts_help",
         "我方发给贵司联系人的消息（申请结果、执照到期、年度确认）使用的语言。",
         "The language of our messages to your contacts (decisions, licence expiry, "
         "yearly confirmation)."),
        ("prefs.contact", "联系人", "Contact"),
        ("prefs.no_contacts", "还没有联系人。", "No contacts yet."),
        ("prefs.save_language", "保存语言", "Save language"),
        ("prefs.mine", "我自己的语言", "My own language"),
        ("prefs.mine_help",
         "发给您本人的邮件和门户页面使用的语言（与上面联系人的语言无关）。",
         "The language of the e-mails to you and of the portal's pages (apart from your "
         "contacts' languages below)."),
        ("prefs.mine_unset", "尚未选择：按与您邮箱相同的联系人的语言，否则中文。",
         "Not chosen: the language of the contact with your e-mail, else Chinese."),
    )
}  # fmt: skip


@get(HERE, guards=STAFF_ONLY, sync_to_thread=True)
def preferences_page(request: Request[Any, Any, Any], services: ServicesDep) -> Template:
    """The person's own choices (or the note that they are not registered)."""
    me = principal_of(request)
    return page(
        request,
        "staff/notification_preferences.html",
        member=member_of_account(services.engine, me.subject),
        events=list(EVENTS),
        channels=CHANNELS,
        digest_at=f"{DIGEST_AT:%H:%M}",
        saved=request.query_params.get("saved") == "1",
    )


# its own path: a sync GET and POST sharing one path get wrapped twice by this litestar
@post(f"{HERE}/save", guards=STAFF_ONLY, sync_to_thread=True)
def save_preferences(
    request: Request[Any, Any, Any], services: ServicesDep, data: Form
) -> Redirect:
    """Save the person's own choices; the events left unticked are muted."""
    me = principal_of(request)
    member = member_of_account(services.engine, me.subject)
    if member is None:  # the page says why: nothing to save
        return Redirect(path=HERE, status_code=303)
    wanted = {
        key.removeprefix("event:") for key, on in data.items() if key.startswith("event:") and on
    }
    set_preferences(
        services.engine, AuditLog(services.sealer), audit_context(request), me, member.id,
        channels=[k.removeprefix("channel:") for k, on in data.items()
                  if k.startswith("channel:") and on],
        muted_events=[e for e in EVENTS if e not in wanted],
        digest=data.get("delivery") == "digest",
        language=data.get("language", ""),
        now=datetime.now(UTC),
    )  # fmt: skip
    return Redirect(path=f"{HERE}?saved=1", status_code=303)


@get(SUPPLIER_HERE, guards=SUPPLIERS_ONLY, sync_to_thread=True)
def contacts_page(request: Request[Any, Any, Any], services: ServicesDep) -> Template:
    """The supplier's contacts and the language of their messages."""
    return page(
        request,
        "supplier/notification_language.html",
        contacts=contact_languages(services.engine, principal_of(request)),
        mine=my_language(services.engine, principal_of(request)),
        saved=request.query_params.get("saved") == "1",
    )


@post(f"{SUPPLIER_HERE}/me", guards=SUPPLIERS_ONLY, sync_to_thread=True)
def save_my_language(
    request: Request[Any, Any, Any], services: ServicesDep, data: Form
) -> Redirect:
    """The user's own language: their messages from now on, and the pages (the cookie)."""
    chosen = set_my_language(
        services.engine, AuditLog(services.sealer), audit_context(request),
        principal_of(request), data.get("language", ""), now=datetime.now(UTC),
    )  # fmt: skip
    response = Redirect(path=f"{SUPPLIER_HERE}?saved=1", status_code=303)
    response.set_cookie("lang", chosen, max_age=365 * 86400, httponly=True, samesite="lax")
    return response


@post(f"{SUPPLIER_HERE}/contacts/{{contact_id:str}}", guards=SUPPLIERS_ONLY, sync_to_thread=True)
def save_contact_language(
    request: Request[Any, Any, Any], services: ServicesDep, contact_id: FromPath[str], data: Form
) -> Redirect:
    """Set one contact's language (only the supplier's own contacts)."""
    set_contact_language(
        services.engine, AuditLog(services.sealer), audit_context(request),
        principal_of(request), contact_id, data.get("language", ""), now=datetime.now(UTC),
    )  # fmt: skip
    return Redirect(path=f"{SUPPLIER_HERE}?saved=1", status_code=303)


def area(collaborators: Collaborators) -> Contribution:
    """Each staff member's own notification settings; suppliers' contact languages."""
    add_messages(NOTIFY_MESSAGES)
    add_messages(MESSAGES)
    return Contribution(
        route_handlers=[
            preferences_page,
            save_preferences,
            contacts_page,
            save_contact_language,
            save_my_language,
        ]
    )
