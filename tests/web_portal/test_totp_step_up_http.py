"""Issue 12, step-up when the provider gives no second factor: the person sets up an
authenticator app in the portal, types a code, and approves a bank change, over HTTP against
the whole site. The demo provider logs supervisor C in with a password only
(``amr: ["pwd"]``), like a provider without multi-factor login; supervisors A and B show
``otp`` (the provider path, still covered by
``test_a_bank_approval_needs_a_fresh_login_with_a_one_time_code``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pyotp
from sqlalchemy import select

from approvals import StepUpRule
from portal.identity.sessions import ACCOUNT
from tests.web_auth.conftest import csrf_of, demo_login, loop_back

from .test_fraud_controls_http import status_of
from .test_portal_flow import propose_bank_change


async def pending_bank_change(site: Any, as_user: Any, client: Any, clock: Any) -> str:
    """A bank change waiting for approval, and the supervisor C logged in (password only)."""
    clock.now = datetime.now(UTC)  # the demo provider and the auth area use the wall clock
    site.deps.step_up = StepUpRule(max_age=timedelta(minutes=15))
    loop_back(site.app)
    bank = await propose_bank_change(site, as_user)
    await demo_login(client, "supervisor-c", next_path=f"/staff/changes/{bank}")
    return bank


async def enrol(client: Any, page: str) -> pyotp.TOTP:
    """Follow the approval page's link to set up an app, and confirm it with the first code."""
    form = await client.get(page)
    link = re.search(r'id="step-up-enrol" href="([^"]+)"', form.text)
    assert link, form.text
    enrolment = await client.get(link.group(1).replace("&amp;", "&"))
    assert enrolment.status_code == 200 and "<svg" in enrolment.text  # the QR code
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', enrolment.text)
    assert secret
    app = pyotp.TOTP(secret.group(1).replace(" ", ""))
    fields = {"_csrf_token": csrf_of(enrolment.text), "code": app.now(), "next": page}
    confirmed = await client.post("/auth/totp", data=fields)
    assert confirmed.status_code == 303 and confirmed.headers["location"] == page
    return app


async def type_code(client: Any, page: str, code: str) -> Any:
    form = await client.get(f"/auth/step-up?next={quote(page, safe='')}")
    assert form.status_code == 200, form.text
    fields = {"_csrf_token": csrf_of(form.text), "code": code, "next": page}
    return await client.post("/auth/step-up", data=fields)


async def approve(site: Any, client: Any, page: str) -> Any:
    form = await client.get(page)
    call_back = {"call_back_contact": site.a.contacts[0].id, "call_back_outcome": "confirmed"}
    return await client.post(
        f"{page}/approve", data={"_csrf_token": csrf_of(form.text), **call_back}
    )


def next_code(app: pyotp.TOTP) -> str:
    """The code of the next 30-second step (accepted: one step of drift either way)."""
    return app.at(datetime.now(UTC) + timedelta(seconds=30))


async def test_enrol_then_step_up_with_a_code_then_approve_a_bank_change(
    site: Any, as_user: Any, client: Any, clock: Any
) -> None:
    bank = await pending_bank_change(site, as_user, client, clock)
    page = f"/staff/changes/{bank}"
    refused = await approve(site, client, page)
    assert refused.status_code == 403 and "动态验证码" in refused.text  # password only
    app = await enrol(client, page)
    # A new login (password only again) needs a code; the page now links to the step-up:
    await demo_login(client, "supervisor-c", next_path=page)
    form = await client.get(page)
    assert 'id="step-up-totp"' in form.text and 'id="step-up-enrol"' not in form.text
    stepped = await type_code(client, page, next_code(app))
    assert stepped.status_code == 303 and stepped.headers["location"] == page
    assert 'id="step-up"' not in (await client.get(page)).text
    approved = await approve(site, client, page)
    assert approved.status_code == 303, approved.text
    assert await status_of(as_user, bank) == "partially_approved"


async def test_a_wrong_or_reused_code_is_refused_and_the_approval_stays_blocked(
    site: Any, as_user: Any, client: Any, clock: Any
) -> None:
    bank = await pending_bank_change(site, as_user, client, clock)
    page = f"/staff/changes/{bank}"
    app = await enrol(client, page)
    await demo_login(client, "supervisor-c", next_path=page)
    code = next_code(app)
    wrong = await type_code(client, page, f"{(int(code) + 1) % 1_000_000:06d}")
    assert wrong.status_code == 422 and 'id="code-error"' in wrong.text
    assert wrong.headers["content-type"].startswith("text/html")  # a page, not its source
    assert "验证码不正确" in wrong.text
    assert (await approve(site, client, page)).status_code == 403
    assert (await type_code(client, page, code)).status_code == 303
    await demo_login(client, "supervisor-c", next_path=page)  # a new login, the same code again
    reused = await type_code(client, page, code)
    assert reused.status_code == 422 and "只能使用一次" in reused.text
    assert (await approve(site, client, page)).status_code == 403
    assert await status_of(as_user, bank) == "pending"


async def test_a_stale_code_is_refused(site: Any, as_user: Any, client: Any, clock: Any) -> None:
    bank = await pending_bank_change(site, as_user, client, clock)
    page = f"/staff/changes/{bank}"
    app = await enrol(client, page)
    await demo_login(client, "supervisor-c", next_path=page)
    stale = await type_code(client, page, app.at(datetime.now(UTC) - timedelta(minutes=3)))
    assert stale.status_code == 422
    assert (await approve(site, client, page)).status_code == 403


async def test_an_admin_reset_sends_the_person_back_to_enrolment(
    site: Any, as_user: Any, client: Any, clock: Any
) -> None:
    bank = await pending_bank_change(site, as_user, client, clock)
    page = f"/staff/changes/{bank}"
    await enrol(client, page)
    with site.services.engine.connect() as conn:
        person = conn.execute(
            select(ACCOUNT.c.id).where(ACCOUNT.c.subject == "demo-supervisor-c")
        ).scalar_one()
    await demo_login(client, "admin")
    sessions = await client.get("/admin/sessions")
    assert f'action="/admin/accounts/{person}/totp/reset"' in sessions.text
    reset = await client.post(
        f"/admin/accounts/{person}/totp/reset", data={"_csrf_token": csrf_of(sessions.text)}
    )
    assert reset.status_code == 303
    await demo_login(client, "supervisor-c", next_path=page)
    back = await client.get(f"/auth/step-up?next={quote(page, safe='')}")
    assert back.status_code == 303 and back.headers["location"].startswith("/auth/totp")


async def test_a_session_that_is_not_fresh_cannot_enrol(
    site: Any, as_user: Any, client: Any
) -> None:
    page = await as_user("alice").get("/auth/totp")  # a session that says nothing of its login
    assert page.status_code == 403 and "重新登录" in page.text and "<svg" not in page.text
