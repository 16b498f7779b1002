"""Admin screens (``/admin/users``, ``/admin/tokens``, ``/admin/policy``): people and their
roles, API clients and their tokens, the approval policy in force.

Controllers only translate: the admin check, the transaction and the audit entry are in
:mod:`portal.identity.admin`. A token is shown once, on the page answering its creation.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select

from portal.changes.policy_edits import (
    PolicyEditError,
    edit_policy,
    policy_version,
    rule_edit,
)
from portal.domain.principal import MAY_REVEAL, Role
from portal.identity.admin import (
    ROLE_RIGHTS,
    ApiTokenInputError,
    create_api_token,
    list_api_clients,
    policy_rows,
    revoke_api_token,
)
from portal.identity.sessions import list_accounts
from portal.onboarding.invitations import SUPPLIER
from portal.web.context import audit_context
from portal.web.forms import form_again
from portal.web.portal_area import PortalDep, PortalRuntime, page
from portal.web.security import principal_of, requires

__all__ = ["MESSAGES", "AdminPages"]

Form = URLEncodedBody[dict[str, str]]
TOKEN_ROLES = [r for r in Role if r is not Role.SUPPLIER]


def _duration(seconds: float) -> dict[str, str]:
    """A period as people say it: ``{"zh": "48 小时", "en": "48 hours"}``.

    >>> _duration(48 * 3600)["zh"], _duration(15)["en"]
    ('48 小时', '15 seconds')
    """
    for size, zh, en in ((3600, "小时", "hours"), (60, "分钟", "minutes"), (1, "秒", "seconds")):
        if seconds >= size or size == 1:
            amount = f"{seconds / size:g}"
            return {"zh": f"{amount} {zh}", "en": f"{amount} {en}"}
    raise AssertionError("unreachable")


class AdminPages(Controller):
    """What an administrator manages."""

    path = "/admin"
    guards = [requires(Role.ADMIN)]  # noqa: RUF012

    @get("/users", sync_to_thread=True)
    def users(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        me = principal_of(request)
        accounts = list_accounts(portal.services.engine, me)
        ids = {a.supplier_id for a in accounts if a.supplier_id}
        with portal.services.engine.connect() as conn:
            rows = conn.execute(
                select(SUPPLIER.c.id, SUPPLIER.c.name).where(SUPPLIER.c.id.in_(ids))
            ).all()
        names = {row.id: row.name for row in rows}
        return page(
            request,
            "admin/users.html",
            accounts=accounts,
            supplier_names=names,
            rights=ROLE_RIGHTS,
            me=me,
        )

    @get("/tokens", sync_to_thread=True)
    def tokens(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        return self._tokens(request, portal)

    def _tokens(
        self, request: Request[Any, Any, Any], portal: PortalRuntime, **context: Any
    ) -> Template:
        clients = list_api_clients(portal.services.engine, principal_of(request))
        return page(
            request,
            "admin/tokens.html",
            clients=clients,
            roles=TOKEN_ROLES,
            may_reveal=MAY_REVEAL,
            **context,
        )

    @post("/tokens", sync_to_thread=True, status_code=200)
    def create_token(
        self, request: Request[Any, Any, Any], portal: PortalDep, data: Form
    ) -> Template:
        try:
            token = create_api_token(
                portal.services.engine, portal.audit, audit_context(request),
                principal_of(request), name=data.get("name", ""), role=data.get("role", ""),
                can_reveal=data.get("can_reveal") == "1", now=portal.now(),
            )  # fmt: skip
        except ApiTokenInputError as exc:
            clients = list_api_clients(portal.services.engine, principal_of(request))
            return form_again(
                request, "admin/tokens.html", exc, data, clients=clients, roles=TOKEN_ROLES,
                may_reveal=MAY_REVEAL,
            )  # fmt: skip
        # the only time the token is visible: this page, not stored, not logged
        return self._tokens(request, portal, created=data.get("name", ""), token=token)

    @post("/tokens/{client_id:str}/revoke", sync_to_thread=True)
    def revoke_token(
        self, request: Request[Any, Any, Any], portal: PortalDep, client_id: FromPath[str]
    ) -> Redirect:
        revoke_api_token(
            portal.services.engine, portal.audit, audit_context(request), principal_of(request),
            client_id, now=portal.now(),
        )  # fmt: skip
        return Redirect(path="/admin/tokens", status_code=303)

    @get("/policy", sync_to_thread=True)
    def policy(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        return page(request, "admin/policy.html", **self._policy(request, portal))

    @staticmethod
    def _policy(request: Request[Any, Any, Any], portal: PortalRuntime) -> dict[str, Any]:
        with portal.services.engine.connect() as conn:
            policy = portal.changes.policy_in(conn)
            version = policy_version(conn)
        return {
            "rows": policy_rows(principal_of(request), policy),
            "version": version,
            "cooling_off": _duration(portal.changes.cooling_off.total_seconds()),
        }

    @post("/policy", sync_to_thread=True)
    def edit_policy(
        self, request: Request[Any, Any, Any], portal: PortalDep, data: Form
    ) -> Template | Redirect:
        """Save the numbers typed for each rule as the policy's next version (audited)."""
        try:
            edits = {
                key: rule_edit(
                    key,
                    data.get(f"approvals:{key}", ""),
                    data.get(f"with_call_back:{key}", ""),
                    data.get(f"call_back:{key}") == "1",
                )
                for key in (k.split(":", 1)[1] for k in data if k.startswith("approvals:"))
            }
            edit_policy(
                portal.services.engine, portal.audit, audit_context(request),
                principal_of(request), portal.changes.policy, edits, data.get("reason", ""),
                now=portal.now(),
            )  # fmt: skip
        except PolicyEditError as exc:
            return form_again(
                request, "admin/policy.html", exc, data, **self._policy(request, portal)
            )
        return Redirect(path="/admin/policy?saved=1", status_code=303)


#: The admin screens' messages (Chinese first).
MESSAGES: dict[str, dict[str, str]] = {
    k: {"zh": zh, "en": en}
    for k, zh, en in (
        ("admin.users", "用户与角色", "Users and roles"),
        ("admin.tokens", "接口令牌", "API tokens"),
        ("admin.policy", "审批规则", "Approval policy"),
        ("admin.sessions", "会话", "Sessions"),
        ("admin.name", "姓名", "Name"),
        ("admin.client", "客户端名称", "Client"),
        ("admin.email", "邮箱", "E-mail"),
        ("admin.role", "角色", "Role"),
        ("admin.supplier", "所属供应商", "Supplier"),
        ("admin.last_login", "最近登录", "Last login"),
        ("admin.state", "状态", "State"),
        ("admin.active", "正常", "active"),
        ("admin.disabled", "已停用", "disabled"),
        ("admin.no_role", "无角色（无法访问）", "no role (no access)"),
        (
            "admin.roles_hint",
            "员工角色由身份提供方（OIDC）在每次登录时授予，请在身份提供方修改；供应商用户通过接受邀请绑定供应商。"
            "停用账号立即结束其所有会话。",
            "Staff roles come from the identity provider at each login: change them there. "
            "Supplier users are bound to their supplier by accepting an invitation. Disabling "
            "an account ends its sessions at once.",
        ),
        ("admin.rights", "各角色的权限", "What each role may do"),
        ("admin.right.own_record", "维护本公司资料", "maintain its own record"),
        ("admin.right.propose", "提交变更申请", "propose changes"),
        ("admin.right.lists", "查看供应商列表", "read the supplier lists"),
        ("admin.right.invite", "邀请供应商", "invite suppliers"),
        ("admin.right.propose_for", "代供应商提交变更", "propose for a supplier"),
        ("admin.right.merge", "提议合并重复供应商", "propose merging duplicates"),
        ("admin.right.approve", "审批变更", "approve changes"),
        ("admin.right.block", "冻结/解冻供应商", "block and unblock suppliers"),
        ("admin.right.reveal", "查看明文（留审计记录）", "reveal values (audited)"),
        ("admin.right.finance_api", "财务接口", "the finance API"),
        ("admin.right.export", "导出（留审计记录）", "exports (audited)"),
        ("admin.right.audit_log", "审计日志", "the audit log"),
        ("admin.right.accounts", "停用账号、结束会话", "disable accounts, end sessions"),
        ("admin.right.tokens", "管理接口令牌", "manage API tokens"),
        ("admin.manage_sessions", "停用/启用账号与会话管理", "Disable accounts and end sessions"),
        ("admin.token_new", "创建接口令牌", "Create an API token"),
        ("admin.token_name", "客户端名称（如 erp-prod）", "Client name (e.g. erp-prod)"),
        (
            "admin.token_reveal",
            "允许查看明文账号（仅财务等可查看明文的角色）",
            "May ask for clear account numbers (roles that may reveal only)",
        ),
        ("admin.token_create", "创建", "Create"),
        (
            "admin.token_once",
            "令牌只显示这一次，请立即复制并保存到财务系统：",
            "The token is shown this once; copy it into the finance system now:",
        ),
        ("admin.token_revoke", "吊销", "Revoke"),
        ("admin.token_revoked", "已吊销", "revoked"),
        ("admin.token_active", "有效", "active"),
        ("admin.created", "创建时间", "Created"),
        ("admin.reveal", "可查看明文", "May reveal"),
        ("admin.yes", "是", "yes"),
        ("admin.no", "否", "no"),
        ("admin.no_tokens", "尚无接口客户端。", "No API client yet."),
        ("admin.policy_applies", "适用于", "Applies to"),
        ("admin.policy_scope", "范围", "Scope"),
        ("admin.policy_scope.default", "默认", "default"),
        ("admin.policy_scope.kind", "变更类型", "change kind"),
        ("admin.policy_scope.field", "字段", "field"),
        ("admin.all_fields", "全部字段", "every field"),
        ("admin.policy_approvals", "需审批人数", "Approvers"),
        ("admin.policy_with_call_back", "有电话回访时", "With a call-back"),
        ("admin.policy_call_back", "必须电话回访", "Call-back required"),
        ("admin.policy_roles", "可审批角色", "Who may approve"),
        (
            "admin.policy_cooling",
            "银行账户变更生效后的付款冷静期：{period}",
            "Cooling-off before paying a changed bank account: {period}",
        ),
        (
            "admin.policy_hint",
            "默认审批规则来自部署配置（PORTAL_APPROVAL_POLICY_FILE）；在此修改后，新规则立即用于之后提交和审批的申请，"
            "每次修改都留审计记录。提交人不能审批自己的申请，同一人不能审批两次。",
            "The default policy comes from the deployment's settings "
            "(PORTAL_APPROVAL_POLICY_FILE); an edit here applies at once to requests "
            "submitted and reviewed from then on, and each edit is audited. Nobody approves "
            "their own request, nobody approves twice.",
        ),
        (
            "admin.policy_from_file",
            "当前使用部署配置中的默认规则。",
            "In force: the default from the deployment's settings.",
        ),
        (
            "admin.policy_version",
            "当前使用第 {version} 版，由 {who} 于 {at} 修改，理由：{reason}",
            "In force: version {version}, changed by {who} on {at}. Reason: {reason}",
        ),
        (
            "admin.policy_reason",
            "修改理由（必填，写入审计记录）",
            "Reason for the change (required, audited)",
        ),
        ("admin.policy_save", "保存为新版本", "Save as a new version"),
        ("admin.policy_saved", "已保存，新规则已生效。", "Saved; the new policy is in force."),
        (
            "admin.policy_with_call_back_hint",
            "留空表示与需审批人数相同",
            "blank: the same as the approvers",
        ),
    )
}
