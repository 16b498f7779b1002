"""The demo users: one per staff role (two supervisors, so two different people can approve)
and supplier users, whose binding to a supplier comes from accepting an invitation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoUser:
    """A person the demo provider can log in as."""

    key: str
    subject: str
    name: str
    email: str
    roles: tuple[str, ...]
    description: str
    #: How the provider says this person logged in (RFC 8176 ``amr``): supervisors A and B
    #: "used" a one-time code; supervisor C has a password only, like a provider without
    #: multi-factor login, and sets up the portal's own authenticator (TOTP) to step up.
    amr: tuple[str, ...] = ("pwd",)
    email_verified: bool = True

    def claims(self) -> dict[str, Any]:
        """Profile, e-mail and roles claims."""
        return {
            "name": self.name,
            "preferred_username": self.key,
            "email": self.email,
            "email_verified": self.email_verified,
            "roles": list(self.roles),
        }


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "clerk",
        "demo-clerk",
        "采购专员 王芳",
        "clerk@demo.example",
        ("purchasing_clerk",),
        "采购专员 / purchasing clerk",
    ),
    DemoUser(
        "supervisor-a",
        "demo-supervisor-a",
        "采购主管甲 李强",
        "sup-a@demo.example",
        ("purchasing_supervisor",),
        "采购主管甲 / purchasing supervisor A",
        ("pwd", "otp"),
    ),
    DemoUser(
        "supervisor-b",
        "demo-supervisor-b",
        "采购主管乙 赵敏",
        "sup-b@demo.example",
        ("purchasing_supervisor",),
        "采购主管乙 / purchasing supervisor B",
        ("pwd", "otp"),
    ),
    DemoUser(
        "supervisor-c",
        "demo-supervisor-c",
        "采购主管丙 吴刚",
        "sup-c@demo.example",
        ("purchasing_supervisor",),
        "采购主管丙（仅密码登录，用门户验证器）/ purchasing supervisor C (password only)",
    ),
    DemoUser(
        "finance",
        "demo-finance",
        "财务 陈静",
        "finance@demo.example",
        ("finance",),
        "财务 / finance",
    ),
    DemoUser(
        "auditor",
        "demo-auditor",
        "审计 周杰",
        "auditor@demo.example",
        ("auditor",),
        "审计 / auditor",
    ),
    DemoUser(
        "admin",
        "demo-admin",
        "管理员 孙伟",
        "admin@demo.example",
        ("admin",),
        "管理员 / administrator",
    ),
    DemoUser(
        "supplier-1",
        "demo-supplier-1",
        "供应商联系人 刘洋",
        "supplier1@demo.example",
        (),
        "供应商用户（需接受邀请）/ supplier user (accept an invitation first)",
    ),
    DemoUser(
        "supplier-2",
        "demo-supplier-2",
        "供应商联系人 黄丽",
        "supplier2@demo.example",
        (),
        "供应商用户（需接受邀请）/ supplier user (accept an invitation first)",
    ),
    DemoUser(
        "supplier-3",
        "demo-supplier-3",
        "供应商联系人 周强",
        "supplier3@demo.example",
        (),
        "供应商用户，邮箱未经验证（接受邀请需确认码）/ "
        "supplier user, e-mail not verified (accepting needs a code)",
        email_verified=False,
    ),
)
