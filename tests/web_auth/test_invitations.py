"""Purchasing invites a supplier; the invitee logs in, accepts and is bound to that supplier."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text

from portal.audit.log import AuditLog
from portal.db.auth_tables import UserAccountRow
from portal.db.tables import SupplierRow, table_of
from portal.domain.uscc_factory import make_uscc
from portal.notifications import outbox
from portal.web.auth.settings import RateLimit
from tests.web_auth.conftest import (
    BASE_URL,
    build_app,
    demo_auth_settings,
    demo_login,
    loop_back,
    runtime_of,
)

NEW_USCC = make_uscc(20240601)


async def invite(
    client: AsyncTestClient[Litestar],
    *,
    uscc: str = NEW_USCC,
    name: str = "上海示例新材料有限公司",
    email: str = "Supplier1@Demo.example",  # the demo supplier-1's address, other case
) -> Any:
    await client.get("/staff/invitations")
    return await client.post(
        "/staff/invitations",
        data={
            "_csrf_token": client.cookies["portal_csrf"],
            "uscc": uscc,
            "name": name,
            "email": email,
        },
    )


def link_in_outbox(app: Litestar) -> str:
    services = runtime_of(app).services
    with services.engine.connect() as conn:
        (message, *_) = outbox.recent(conn, channel="email", sealer=services.sealer)
    match = re.search(r"http://\S+/invite/\S+", message.body)
    assert match, message.body
    return match.group(0).removeprefix(BASE_URL)


def audit_trail(app: Litestar) -> list[tuple[str, str | None]]:
    services = runtime_of(app).services
    with services.engine.connect() as conn:
        return [(e.action, e.after) for e in AuditLog(services.sealer).entries(conn)]


async def accept(client: AsyncTestClient[Litestar], link: str, user: str) -> Any:
    """Open the link, log in as ``user`` and press accept."""
    await demo_login(client, user, next_path=link)
    page = await client.get(link)
    if page.status_code == 200:
        assert 'id="accept-invitation"' in page.text
    return await client.post(link, data={"_csrf_token": client.cookies["portal_csrf"]})


async def test_clerk_invites_a_new_supplier_and_the_link_goes_out_by_email(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "clerk")

    answer = await invite(client)

    assert answer.status_code == 200 and 'id="invitation-sent"' in answer.text
    services = runtime_of(demo_app).services
    suppliers = table_of(SupplierRow)
    with services.engine.connect() as conn:
        supplier = conn.execute(select(suppliers).where(suppliers.c.uscc == NEW_USCC)).one()
        (message, *_) = outbox.recent(conn, sealer=services.sealer)
    assert supplier.lifecycle_state == "prospective"
    assert (
        message.recipient == "Supplier1@Demo.example"
        and "上海示例新材料有限公司" in message.subject
    )
    token = link_in_outbox(demo_app).removeprefix("/invite/")
    assert ("invitation.created", token.split(".")[0]) in audit_trail(demo_app)


async def test_invitation_link_is_stored_only_as_a_hash(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    from portal.db.auth_tables import InvitationRow

    await demo_login(client, "supervisor-b")
    await invite(client)
    invitation_id, token, signature = link_in_outbox(demo_app).removeprefix("/invite/").split(".")

    with runtime_of(demo_app).services.engine.connect() as conn:
        row = conn.execute(select(table_of(InvitationRow))).one()
    assert row.id == invitation_id
    assert token not in str(tuple(row)) and signature not in str(tuple(row))


async def test_invited_person_logs_in_accepts_and_is_bound_to_that_supplier(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "clerk")
    await invite(client)
    link = link_in_outbox(demo_app)
    await client.post("/auth/logout", data={"_csrf_token": client.cookies["portal_csrf"]})

    anonymous = await client.get(link)
    answer = await accept(client, link, "supplier-1")

    assert 'id="login-to-accept"' in anonymous.text and "上海示例新材料有限公司" in anonymous.text
    assert answer.status_code == 303
    services = runtime_of(demo_app).services
    with services.engine.connect() as conn:
        account = conn.execute(
            select(table_of(UserAccountRow)).where(
                table_of(UserAccountRow).c.subject == "demo-supplier-1"
            )
        ).one()
        supplier_id = conn.execute(
            select(table_of(SupplierRow).c.id).where(table_of(SupplierRow).c.uscc == NEW_USCC)
        ).scalar()
    assert (account.role, account.supplier_id) == ("supplier", supplier_id)
    assert (await client.get("/staff/invitations")).status_code == 403  # a supplier now
    actions = [action for action, _ in audit_trail(demo_app)]
    assert actions[-1] == "invitation.accepted"
    # the next login needs no invitation any more
    await client.post("/auth/logout", data={"_csrf_token": client.cookies["portal_csrf"]})
    assert (await demo_login(client, "supplier-1")).status_code == 302


async def test_a_used_link_gets_a_clear_page_in_chinese_and_english(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "clerk")
    await invite(client)
    link = link_in_outbox(demo_app)
    await accept(client, link, "supplier-1")
    await client.post("/auth/logout", data={"_csrf_token": client.cookies["portal_csrf"]})

    reused = await accept(client, link, "supplier-2")
    client.cookies.set("lang", "en")
    reused_en = await client.get(link)

    assert reused.status_code == 410 and "邀请已被使用" in reused.text
    assert reused_en.status_code == 410 and "already been used" in reused_en.text
    assert audit_trail(demo_app)[-1] == ("invitation.refused", "used")


async def test_an_expired_link_gets_a_clear_page(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "clerk")
    await invite(client)
    link = link_in_outbox(demo_app)
    runtime_of(demo_app).clock = lambda: datetime.now(UTC) + timedelta(days=7, minutes=1)

    answer = await client.get(link)

    assert answer.status_code == 410 and "邀请已过期" in answer.text
    assert audit_trail(demo_app)[-1] == ("invitation.refused", "expired")


async def test_a_tampered_link_gets_a_clear_page(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "clerk")
    await invite(client)
    link = link_in_outbox(demo_app)
    head, _, signature = link.rpartition(".")
    invitation_id, _, token = head.removeprefix("/invite/").partition(".")
    forged_token = ("A" if token[0] != "A" else "B") + token[1:]

    answers = [
        await client.get(f"/invite/{invitation_id}.{forged_token}.{signature}"),
        await client.get(link[:-3]),
        await client.get("/invite/made-up"),
    ]

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert all("邀请链接无效" in html.unescape(a.text) for a in answers)
    assert audit_trail(demo_app)[-1] == ("invitation.refused", "tampered")


async def test_a_staff_account_cannot_accept_a_supplier_invitation(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "clerk")
    await invite(client)
    link = link_in_outbox(demo_app)

    answer = await accept(client, link, "finance")

    assert answer.status_code == 403 and "无法接受邀请" in answer.text
    assert (await client.get(link)).status_code == 200  # still open for the right person


async def test_inviting_an_unknown_credit_code_without_a_name_says_what_is_missing(
    client: AsyncTestClient[Litestar],
) -> None:
    await demo_login(client, "clerk")

    answer = await invite(client, name="")

    assert answer.status_code == 422 and "邀请新供应商请填写名称" in answer.text  # page language


async def test_only_purchasing_may_invite(client: AsyncTestClient[Litestar]) -> None:
    await demo_login(client, "auditor")

    assert (await client.get("/staff/invitations")).status_code == 403
    assert (await invite(client)).status_code == 403


async def test_invitation_acceptance_is_rate_limited(demo_services: Any) -> None:
    app = build_app(demo_services, demo_auth_settings(accept_rate=RateLimit(5, 60)))
    loop_back(app)
    async with AsyncTestClient(app, base_url=BASE_URL) as test_client:
        codes = [(await test_client.get("/invite/x.y.z")).status_code for _ in range(6)]
    assert codes == [400] * 5 + [429]


async def test_outbox_page_lists_the_invitation_in_demo_mode(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "clerk")
    await invite(client)

    page = await client.get("/outbox")

    assert page.status_code == 200
    assert f'href="{BASE_URL}{link_in_outbox(demo_app)}"' in page.text


async def test_the_link_in_the_outbox_row_is_sealed(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "clerk")
    await invite(client)
    secret = link_in_outbox(demo_app).removeprefix("/invite/").split(".")[1]
    with runtime_of(demo_app).services.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM outbox_message")).all()
    assert rows and all(secret not in str(tuple(row)) for row in rows)


async def test_a_login_vouched_for_another_address_is_refused_with_a_clear_page(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "clerk")
    await invite(client, email="li.na@supplier.example")
    link = link_in_outbox(demo_app)
    await client.post("/auth/logout", data={"_csrf_token": client.cookies["portal_csrf"]})

    answer = await accept(client, link, "supplier-1")  # vouched for supplier1@demo.example

    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")  # a page, not text
    assert 'data-page="auth.invite.email_mismatch"' in answer.text
    assert "邀请不是发给该邮箱的" in answer.text  # Chinese first; English after /lang/en
    services = runtime_of(demo_app).services
    with services.engine.connect() as conn:
        account = conn.execute(
            select(table_of(UserAccountRow)).where(
                table_of(UserAccountRow).c.subject == "demo-supplier-1"
            )
        ).one()
    assert account.supplier_id is None
    assert ("invitation.refused", "email_mismatch") in audit_trail(demo_app)
