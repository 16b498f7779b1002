"""``/admin/notifications``: the staff directory, messages nobody received, the delivery log
with resend. Controllers only translate: permission, transaction and audit entry are in
:mod:`portal.staff_directory` and :mod:`portal.notifications.admin`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from portal.audit.log import AuditLog
from portal.bootstrap import Collaborators
from portal.domain.principal import STAFF, Role
from portal.notifications.admin import delivery_log, resend, resolve_undeliverable, undeliverable
from portal.notifications.content import EVENTS
from portal.staff_directory import CHANNELS, add_staff, disable_staff, list_staff, set_preferences
from portal.staff_directory.pull import sync_status
from portal.staff_directory.tokens import directory_tokens, revoke_directory_token
from portal.web.auth.runtime import page
from portal.web.context import audit_context
from portal.web.deps import ServicesDep
from portal.web.i18n import add_messages
from portal.web.security import principal_of, requires
from portal.web.site import Contribution

Form = URLEncodedBody[dict[str, str]]
ADMIN_ONLY = [requires(Role.ADMIN)]
HERE = "/admin/notifications"
SHOWN_IN = ZoneInfo("Asia/Shanghai")

MESSAGES: dict[str, dict[str, str]] = {
    key: {"zh": zh, "en": en}
    for key, zh, en in (
        ("notify.title", "消息与员工名录", "Messages and staff directory"),
        ("notify.undeliverable", "无人接收的消息", "Messages nobody received"),
        (
            "notify.undeliverable_help",
            "这些消息的接收角色当时没有任何人（或所有人都关闭了该类消息）。"
            "请在员工名录中登记相应人员，并以其他方式通知。",
            "Nobody held the role these messages were for (or everyone muted them). "
            "Register the people below and tell them another way.",
        ),
        ("notify.none_undeliverable", "没有无人接收的消息。", "Every message found someone."),
        ("notify.resolved", "已处理", "Dealt with"),
        ("notify.directory", "员工名录", "Staff directory"),
        (
            "notify.directory_help",
            "登记的员工在首次登录前即可收到待办通知；首次登录时按邮箱自动关联账号。",
            "People registered here are told before their first login; their first login "
            "with this e-mail links the account.",
        ),
        ("notify.name", "姓名", "Name"),
        ("notify.email", "邮箱", "E-mail"),
        ("notify.roles", "角色", "Roles"),
        ("notify.language", "语言", "Language"),
        ("notify.channels", "接收渠道", "Channels"),
        ("notify.wecom", "企业微信用户 ID", "WeCom user id"),
        ("notify.dingtalk", "钉钉用户 ID", "DingTalk user id"),
        ("notify.muted", "不接收的消息", "Muted events"),
        ("notify.state", "状态", "State"),
        ("notify.logged_in", "已登录过", "has logged in"),
        ("notify.never", "尚未登录", "not logged in yet"),
        ("notify.disabled", "已停用", "disabled"),
        ("notify.add", "登记员工", "Register"),
        ("notify.disable", "停用", "Disable"),
        ("notify.save", "保存偏好", "Save preferences"),
        ("notify.log", "发送记录", "Delivery log"),
        ("notify.when", "时间（北京时间）", "Time (Beijing)"),
        ("notify.to", "接收人", "To"),
        ("notify.subject", "主题", "Subject"),
        ("notify.attempts", "发送尝试（平台应答）", "Attempts (platform's answer)"),
        ("notify.resend", "重发", "Resend"),
        ("notify.no_messages", "还没有消息。", "No messages yet."),
        ("notify.sent", "已发送", "sent"),
        ("notify.queued", "排队中", "queued"),
        ("notify.failed", "发送失败", "failed"),
        ("notify.retrying", "将重试", "will retry"),
        ("notify.channel.email", "邮件", "e-mail"),
        ("notify.channel.wecom", "企业微信", "WeCom"),
        ("notify.channel.dingtalk", "钉钉", "DingTalk"),
        ("notify.channel.webhook", "群机器人", "group robot"),
        ("notify.event.change_submitted", "新的变更申请", "new change request"),
        ("notify.event.change_decided", "申请结果", "request decided"),
        ("notify.event.supplier_alert", "供应商预警", "supplier alert"),
        ("notify.event.approval_reminder", "审批提醒", "approval reminder"),
        ("notify.event.approval_escalated", "审批超时上报", "overdue approval"),
        ("notify.event.licence_expiring", "营业执照到期", "licence expiring"),
        ("notify.event.yearly_confirmation", "年度资料确认", "yearly confirmation"),
        ("notify.event.registry_facts_to_confirm", "请确认登记信息", "registry facts to confirm"),
        ("notify.event.", "其他", "other"),
        ("notify.sync", "目录同步", "Directory sync"),
        (
            "notify.sync_help",
            "身份提供方（SCIM 推送或 Keycloak 拉取）维护的员工在此自动登记、更新和停用；"
            "手工登记的员工不会被覆盖。",
            "People kept by the identity provider (SCIM push or Keycloak pull) are registered, "
            "updated and disabled here automatically; people registered by hand are never "
            "overwritten.",
        ),
        (
            "notify.sync_none",
            "尚未同步。用 portal staff scim-token create 名称 为身份提供方创建 SCIM 令牌，"
            "或配置 PORTAL_KEYCLOAK_*。",
            "No sync yet. Create a SCIM token for the identity provider with "
            "portal staff scim-token create NAME, or set PORTAL_KEYCLOAK_*.",
        ),
        ("notify.sync_source", "来源", "Source"),
        ("notify.sync_last", "最近一次（北京时间）", "Last run (Beijing)"),
        ("notify.sync_ok", "最近一次成功", "Last clean run"),
        ("notify.sync_result", "结果", "Result"),
        ("notify.sync_error", "同步错误", "Sync error"),
        ("notify.sync_fine", "无错误", "no errors"),
        ("notify.tokens", "SCIM 令牌", "SCIM tokens"),
        ("notify.token_used", "最近使用", "last used"),
        ("notify.token_unused", "从未使用", "never used"),
        ("notify.token_revoked", "已吊销", "revoked"),
        ("notify.revoke", "吊销", "Revoke"),
        ("notify.source", "来源", "Source"),
        ("notify.source.manual", "手工登记", "registered by hand"),
        ("notify.source.scim", "SCIM 推送", "pushed by SCIM"),
        ("notify.source.keycloak", "Keycloak 同步", "pulled from Keycloak"),
        ("notify.synced_at", "同步于", "synced"),
        ("notify.removed", "身份提供方已删除", "removed by the provider"),
        (
            "notify.kept_by_provider",
            "由身份提供方维护，请在那里停用",
            "kept by the identity provider: disable there",
        ),
    )
}


def _now() -> datetime:
    return datetime.now(UTC)


def _ticked(data: dict[str, str], prefix: str) -> list[str]:
    """The ticked checkboxes named ``<prefix><value>``."""
    return [key.removeprefix(prefix) for key, on in data.items() if key.startswith(prefix) and on]


@get(HERE, guards=ADMIN_ONLY, sync_to_thread=True)
def notifications_page(request: Request[Any, Any, Any], services: ServicesDep) -> Template:
    """Undeliverable messages first, then the directory, then the delivery log."""
    me = principal_of(request)
    return page(
        request,
        "admin/notifications.html",
        missed=undeliverable(services.engine, me),
        staff=list_staff(services.engine, me),
        log=delivery_log(services.engine, me),
        roles=sorted(r.value for r in STAFF),
        events=list(EVENTS),
        channels=CHANNELS,
        shanghai=SHOWN_IN,
        syncs=sync_status(services.engine),
        tokens=directory_tokens(services.engine, me),
    )


@post(f"{HERE}/staff", guards=ADMIN_ONLY, sync_to_thread=True)
def register(request: Request[Any, Any, Any], services: ServicesDep, data: Form) -> Redirect:
    """Register one person."""
    add_staff(
        services.engine, AuditLog(services.sealer), audit_context(request), principal_of(request),
        name=data.get("name", ""), email=data.get("email", ""),
        roles=_ticked(data, "role:"),
        language=data.get("language", "zh"), wecom_userid=data.get("wecom"),
        dingtalk_userid=data.get("dingtalk"), now=_now(),
    )  # fmt: skip
    return Redirect(path=HERE, status_code=303)


@post(f"{HERE}/staff/{{member_id:str}}/disable", guards=ADMIN_ONLY, sync_to_thread=True)
def disable(
    request: Request[Any, Any, Any], services: ServicesDep, member_id: FromPath[str]
) -> Redirect:
    """Stop telling one person."""
    disable_staff(services.engine, AuditLog(services.sealer), audit_context(request),
                  principal_of(request), member_id, now=_now())  # fmt: skip
    return Redirect(path=HERE, status_code=303)


@post(f"{HERE}/staff/{{member_id:str}}/preferences", guards=ADMIN_ONLY, sync_to_thread=True)
def preferences(
    request: Request[Any, Any, Any], services: ServicesDep, member_id: FromPath[str], data: Form
) -> Redirect:
    """Channels, muted events, language, digest of one person."""
    set_preferences(
        services.engine, AuditLog(services.sealer), audit_context(request), principal_of(request),
        member_id,
        channels=_ticked(data, "channel:"), muted_events=_ticked(data, "mute:"),
        digest=bool(data.get("digest")), language=data.get("language", "zh"), now=_now(),
    )  # fmt: skip
    return Redirect(path=HERE, status_code=303)


@post(f"{HERE}/scim-tokens/{{name:str}}/revoke", guards=ADMIN_ONLY, sync_to_thread=True)
def revoke_token(
    request: Request[Any, Any, Any], services: ServicesDep, name: FromPath[str]
) -> Redirect:
    """Refuse the identity provider holding this SCIM token from now on."""
    revoke_directory_token(services.engine, AuditLog(services.sealer), audit_context(request),
                           principal_of(request), name, now=_now())  # fmt: skip
    return Redirect(path=HERE, status_code=303)


@post(f"{HERE}/messages/{{message_id:str}}/resend", guards=ADMIN_ONLY, sync_to_thread=True)
def resend_message(
    request: Request[Any, Any, Any], services: ServicesDep, message_id: FromPath[str]
) -> Redirect:
    """Queue a message again."""
    resend(services.engine, AuditLog(services.sealer), audit_context(request),
           principal_of(request), message_id, sealer=services.sealer, now=_now())  # fmt: skip
    return Redirect(path=HERE, status_code=303)


@post(f"{HERE}/undeliverable/{{item:str}}/resolve", guards=ADMIN_ONLY, sync_to_thread=True)
def resolve(
    request: Request[Any, Any, Any], services: ServicesDep, item: FromPath[str]
) -> Redirect:
    """Mark a message nobody received as dealt with."""
    resolve_undeliverable(services.engine, AuditLog(services.sealer), audit_context(request),
                          principal_of(request), item, now=_now())  # fmt: skip
    return Redirect(path=HERE, status_code=303)


def area(collaborators: Collaborators) -> Contribution:
    """The admin page of messages and the staff directory."""
    add_messages(MESSAGES)
    return Contribution(
        route_handlers=[
            notifications_page,
            register,
            disable,
            preferences,
            resend_message,
            resolve,
            revoke_token,
        ]
    )
