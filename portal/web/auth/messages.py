"""Texts of the login, logout and invitation pages (Chinese first, English on request)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "auth.admin.title": {"zh": "会话与账号", "en": "Sessions and accounts"},
    "auth.admin.sessions": {"zh": "当前登录会话", "en": "Open sessions"},
    "auth.admin.sessions_help": {
        "zh": "会话在最长时限或闲置超时后自动结束；"
        "角色变更、停用账号或在身份认证服务登出时立即结束。",
        "en": "Sessions end at their maximum age or after idling; a role change, a disabled "
        "account or a logout at the identity provider ends them at once.",
    },
    "auth.admin.person": {"zh": "人员", "en": "Person"},
    "auth.admin.role": {"zh": "角色", "en": "Role"},
    "auth.admin.since": {"zh": "登录时间", "en": "Logged in"},
    "auth.admin.last_seen": {"zh": "最近使用", "en": "Last used"},
    "auth.admin.device": {"zh": "地址与设备", "en": "Address and device"},
    "auth.admin.revoke": {"zh": "结束会话", "en": "End session"},
    "auth.admin.no_sessions": {"zh": "没有打开的会话。", "en": "No open sessions."},
    "auth.admin.accounts": {"zh": "账号", "en": "Accounts"},
    "auth.admin.last_login": {"zh": "最近登录", "en": "Last login"},
    "auth.admin.state": {"zh": "状态", "en": "State"},
    "auth.admin.disabled": {"zh": "已停用", "en": "Disabled"},
    "auth.admin.active": {"zh": "正常", "en": "Active"},
    "auth.admin.disable": {"zh": "停用", "en": "Disable"},
    "auth.admin.enable": {"zh": "启用", "en": "Enable"},
    "auth.admin.back": {"zh": "返回会话列表", "en": "Back to the sessions"},
    "auth.admin_refused.title": {"zh": "无法执行", "en": "Not done"},
    "auth.admin_refused.body": {
        "zh": "该操作未执行：只有已登录的管理员可以管理会话和账号，且不能停用自己的账号。",
        "en": "This was not done: only a logged-in administrator may manage sessions and "
        "accounts, and nobody may disable their own account.",
    },
    "auth.login": {"zh": "登录", "en": "Log in"},
    "auth.logout": {"zh": "退出登录", "en": "Log out"},
    "auth.logged_in_as": {"zh": "当前用户", "en": "Logged in as"},
    "auth.home": {"zh": "返回首页", "en": "Back to the start page"},
    "auth.try_again": {"zh": "重新登录", "en": "Log in again"},
    "auth.login_failed.title": {"zh": "登录失败", "en": "Login failed"},
    "auth.login_failed.body": {
        "zh": "登录未能完成，可能是登录页面已过期或链接被篡改。请重新登录。",
        "en": "The login could not be completed: the login page may have expired or the "
        "answer was altered. Please log in again.",
    },
    "auth.provider_down.title": {"zh": "登录服务暂不可用", "en": "Login service unavailable"},
    "auth.provider_down.body": {
        "zh": "身份认证服务暂时无法访问，请稍后再试。",
        "en": "The identity provider cannot be reached right now. Please try again later.",
    },
    "auth.not_configured.title": {"zh": "未配置登录", "en": "Login is not configured"},
    "auth.not_configured.body": {
        "zh": "管理员尚未配置 OpenID Connect 身份认证服务（PORTAL_OIDC_ISSUER）。",
        "en": "No OpenID Connect provider is configured (PORTAL_OIDC_ISSUER).",
    },
    "auth.no_access.title": {"zh": "无访问权限", "en": "No access"},
    "auth.no_access.body": {
        "zh": "您的账号已通过身份认证，但尚未获得本门户的任何角色。"
        "供应商用户请使用采购部门发送的邀请链接；"
        "员工请联系管理员分配角色。",
        "en": "You are known to the identity provider but hold no role in this portal. "
        "Suppliers: open the invitation link purchasing sent you. Staff: ask an "
        "administrator for a role.",
    },
    "auth.logged_out.title": {"zh": "已退出登录", "en": "Logged out"},
    "auth.logged_out.body": {
        "zh": "您已安全退出。",
        "en": "You have been logged out.",
    },
    "auth.invite.title": {"zh": "供应商邀请", "en": "Supplier invitation"},
    "auth.invite.body": {
        "zh": "{supplier} 邀请您在供应商门户维护本公司资料。接受后，您的登录账号将绑定到该供应商。",
        "en": "You are invited to maintain the data of {supplier} on the supplier portal. "
        "Accepting binds your login to this supplier.",
    },
    "auth.invite.expires": {"zh": "有效期至", "en": "Valid until"},
    "auth.invite.login_first": {
        "zh": "请先登录，然后接受邀请。",
        "en": "Log in first, then accept the invitation.",
    },
    "auth.invite.accept": {"zh": "接受邀请", "en": "Accept the invitation"},
    "auth.invite.tampered.title": {"zh": "邀请链接无效", "en": "Invalid invitation link"},
    "auth.invite.tampered.body": {
        "zh": "该邀请链接不完整或已被修改。请从邮件中完整复制链接，或联系采购部门重新发送邀请。",
        "en": "This invitation link is incomplete or has been altered. Copy the whole link "
        "from the e-mail, or ask purchasing to send a new invitation.",
    },
    "auth.invite.expired.title": {"zh": "邀请已过期", "en": "Invitation expired"},
    "auth.invite.expired.body": {
        "zh": "该邀请链接已过期。请联系采购部门重新发送邀请。",
        "en": "This invitation has expired. Ask purchasing to send a new one.",
    },
    "auth.invite.revoked.title": {"zh": "邀请已撤销", "en": "Invitation withdrawn"},
    "auth.invite.revoked.body": {
        "zh": "采购部门已撤销该邀请链接（或已发送新的邀请，请使用最新邮件中的链接）。"
        "如有疑问，请联系采购部门。",
        "en": "Purchasing has withdrawn this invitation link (or sent a new invitation: use "
        "the link in the newest e-mail). Ask purchasing if in doubt.",
    },
    "auth.invite.used.title": {"zh": "邀请已被使用", "en": "Invitation already used"},
    "auth.invite.used.body": {
        "zh": "该邀请链接已被使用，每个链接只能使用一次。如需再次邀请，请联系采购部门。",
        "en": "This invitation link has already been used; each link works once. "
        "Ask purchasing if you need a new one.",
    },
    "auth.invite.binding.title": {"zh": "无法接受邀请", "en": "Cannot accept the invitation"},
    "auth.invite.binding.body": {
        "zh": "当前登录账号不能绑定到该供应商（员工账号或已绑定其他供应商的账号）。"
        "请使用其他账号登录。",
        "en": "This login cannot be bound to the supplier (it is a staff account or already "
        "belongs to another supplier). Log in with another account.",
    },
    "auth.invite.email_mismatch.title": {
        "zh": "邀请不是发给该邮箱的",
        "en": "The invitation is for another address",
    },
    "auth.invite.email_mismatch.body": {
        "zh": "您登录所用账号的已验证邮箱与邀请邮件的收件地址不一致。"
        "请使用收到邀请的邮箱对应的账号登录，或请采购部门向您的邮箱重新发送邀请。",
        "en": "The verified e-mail address of your login is not the one the invitation was "
        "sent to. Log in with the account of the invited address, or ask purchasing to "
        "invite your address.",
    },
    "auth.invite.code_required.title": {"zh": "需要确认码", "en": "A code is needed"},
    "auth.invite.code_required.body": {
        "zh": "身份提供方未确认您的邮箱。"
        "请在邀请页面获取发送到受邀邮箱的确认码，并输入后接受邀请。",
        "en": "Your identity provider does not vouch for your e-mail address. On the "
        "invitation page, ask for the code sent to the invited address and type it to accept.",
    },
    "auth.invite.code_wrong.title": {"zh": "确认码无效", "en": "The code is not valid"},
    "auth.invite.code_wrong.body": {
        "zh": "确认码不正确、已过期或尝试次数过多。请返回邀请页面重新获取确认码。",
        "en": "The code is wrong, has expired or was tried too often. Go back to the "
        "invitation page and ask for a new code.",
    },
    "auth.invite.code_help": {
        "zh": "您的登录账号没有经过验证的邮箱。"
        "我们将向受邀邮箱发送一个 6 位确认码，输入后即可接受邀请。",
        "en": "Your login has no verified e-mail address. We send a 6-digit code to the "
        "invited address; type it to accept.",
    },
    "auth.invite.send_code": {"zh": "发送确认码", "en": "Send the code"},
    "auth.invite.code_sent": {
        "zh": "确认码已发送到受邀邮箱，15 分钟内有效。",
        "en": "The code was sent to the invited address; it is valid for 15 minutes.",
    },
    "auth.invite.code": {"zh": "确认码", "en": "Code"},
    "auth.invite.back": {"zh": "返回邀请页面", "en": "Back to the invitation"},
    "auth.invitations.title": {"zh": "供应商邀请", "en": "Supplier invitations"},
    "auth.invitations.new": {"zh": "发送邀请", "en": "Send an invitation"},
    "auth.invitations.uscc": {"zh": "统一社会信用代码", "en": "Unified social credit code"},
    "auth.invitations.foreign": {
        "zh": "境外供应商（没有统一社会信用代码）",
        "en": "Supplier outside mainland China (no credit code)",
    },
    "auth.invitations.foreign_tax_id": {"zh": "境外税号", "en": "Foreign tax number"},
    "auth.invitations.foreign_scheme": {"zh": "税号类型", "en": "Kind of number"},
    "auth.invitations.scheme_auto": {
        "zh": "按号码识别（欧盟、英国增值税号，如 DE136695976）",
        "en": "From the number (EU or UK VAT number, e.g. DE136695976)",
    },
    "auth.invitations.name": {
        "zh": "供应商名称（新供应商必填）",
        "en": "Supplier name (required for a new supplier)",
    },
    "auth.invitations.email": {"zh": "收件人邮箱", "en": "Recipient e-mail"},
    "auth.invitations.sent": {
        "zh": "邀请已发送至 {email}。",
        "en": "The invitation was sent to {email}.",
    },
    "auth.invitations.status": {"zh": "状态", "en": "Status"},
    "auth.invitations.supplier": {"zh": "供应商", "en": "Supplier"},
    "auth.invitations.created": {"zh": "创建时间", "en": "Created"},
    "auth.status.open": {"zh": "待接受", "en": "open"},
    "auth.status.accepted": {"zh": "已接受", "en": "accepted"},
    "auth.status.expired": {"zh": "已过期", "en": "expired"},
    "auth.status.revoked": {"zh": "已撤销", "en": "revoked"},
    "auth.invitations.resend": {"zh": "重新发送", "en": "Send again"},
    "auth.invitations.revoke": {"zh": "撤销", "en": "Revoke"},
    "auth.outbox.title": {"zh": "发件箱（演示）", "en": "Outbox (demo)"},
    "auth.outbox.body": {
        "zh": "演示模式不发送邮件，所有邮件与通知都显示在这里。",
        "en": "The demo sends no e-mail: every message and notification is listed here.",
    },
    "auth.demo.title": {"zh": "演示身份认证服务", "en": "Demo identity provider"},
    "auth.demo.body": {
        "zh": "仅用于演示：请选择要登录的演示用户。",
        "en": "Demo only: pick the demo user to log in as.",
    },
    "auth.totp_login_too_old.title": {"zh": "请先重新登录", "en": "Log in again first"},
    "auth.totp_login_too_old.body": {
        "zh": "绑定验证器需要最近 {minutes} 分钟内的登录，以防他人借用未退出的会话绑定自己的手机。"
        "请重新登录后再绑定。",
        "en": "Setting up an authenticator needs a login at most {minutes} minutes old, so that "
        "nobody can bind their own phone to a session left open. Log in again, then set it up.",
    },
    "auth.totp.title": {"zh": "绑定验证器", "en": "Set up an authenticator app"},
    "auth.totp.help": {
        "zh": "审批银行账户变更需要第二重验证。您的身份认证服务未提供，"
        "请在手机上用验证器应用（如 Google Authenticator、Microsoft Authenticator、"
        "FreeOTP）扫描下方二维码，或手动输入密钥，然后输入应用显示的 6 位验证码。",
        "en": "Approving a bank account change needs a second factor, and your identity "
        "provider gives none. Scan the QR code with an authenticator app on your phone "
        "(Google Authenticator, Microsoft Authenticator, FreeOTP…) or type the key in, then "
        "type the 6-digit code the app shows.",
    },
    "auth.totp.secret": {"zh": "手动输入密钥", "en": "Key for typing in"},
    "auth.totp.code": {"zh": "6 位验证码", "en": "6-digit code"},
    "auth.totp.confirm": {"zh": "确认绑定", "en": "Confirm"},
    "auth.totp.enrolled": {
        "zh": "您已绑定验证器。审批银行变更时，输入验证器中的验证码即可。"
        "如手机丢失，请联系管理员重置。",
        "en": "Your authenticator app is set up. When you approve a bank change, type the code "
        "it shows. If you lose your phone, ask an administrator to reset it.",
    },
    "auth.step_up.title": {"zh": "输入动态验证码", "en": "Type a one-time code"},
    "auth.step_up.help": {
        "zh": "审批银行账户变更前，请输入验证器当前显示的 6 位验证码，以确认是您本人在操作。",
        "en": "Before you approve a bank account change, type the 6-digit code your "
        "authenticator app shows now, to confirm it is you.",
    },
    "auth.step_up.submit": {"zh": "验证", "en": "Verify"},
    "auth.step_up.relogin": {
        "zh": "或通过身份认证服务重新登录",
        "en": "or log in again at the identity provider",
    },
    "auth.totp.set_up": {"zh": "绑定验证器", "en": "Set up an authenticator app"},
    "auth.admin.totp": {"zh": "验证器", "en": "Authenticator"},
    "auth.admin.totp_reset": {"zh": "重置验证器", "en": "Reset authenticator"},
    "auth.back": {"zh": "返回", "en": "Back"},
}
