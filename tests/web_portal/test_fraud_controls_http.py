"""Issue 12, high 1 and 3 and step-up, replayed over HTTP against the whole site: the
call-back hijack (plant a phone number, then change the bank account), a token as the second
approver, and a bank approval from a session that never showed a second factor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from tests.web_auth.conftest import csrf_of, demo_login, loop_back

from .test_portal_flow import propose_bank_change, request_id_of

ATTACKER_PHONE = "13900001111"


async def plant_phone_number(site: Any, as_user: Any) -> str:
    contact = site.a.contacts[0].id
    form = f"/portal/contacts/{contact}/edit"
    response = await as_user("a").post(
        f"/portal/contacts/{contact}", {"phone": ATTACKER_PHONE}, form_page=form
    )
    assert response.status_code == 303, response.text
    return request_id_of(response)


async def status_of(as_user: Any, request_id: str) -> str:
    page = await as_user("a").get(f"/portal/changes/{request_id}")
    return page.text.split('data-status="', 1)[1].split('"', 1)[0]


async def test_the_call_back_hijack_is_refused_end_to_end(site: Any, as_user: Any) -> None:
    planted = await plant_phone_number(site, as_user)
    page = f"/staff/changes/{planted}"
    for supervisor in ("alice", "bob"):  # one before the fix, two after
        if await status_of(as_user, planted) != "applied":
            approval = await as_user(supervisor).post(f"{page}/approve", {}, form_page=page)
            assert approval.status_code == 303
    assert await status_of(as_user, planted) == "applied"

    bank = await propose_bank_change(site, as_user)
    page = f"/staff/changes/{bank}"
    answered_by_attacker = await as_user("alice").post(
        f"{page}/approve",
        {"call_back_contact": site.a.contacts[0].id, "call_back_outcome": "confirmed"},
        form_page=page,
    )
    assert answered_by_attacker.status_code == 422
    assert "不能向该联系人回访" in answered_by_attacker.text
    form = await as_user("alice").get(page)
    assert 'id="no-eligible-contact"' in form.text and 'id="approve" disabled' in form.text
    assert "冷静期" in form.text  # why the only contact is not offered
    assert await status_of(as_user, bank) == "pending"


async def test_a_contact_phone_change_waits_for_a_second_supervisor(
    site: Any, as_user: Any
) -> None:
    planted = await plant_phone_number(site, as_user)
    page = f"/staff/changes/{planted}"
    form = await as_user("alice").get(page)
    assert 'id="call-back-optional"' in form.text and 'id="approve" disabled' not in form.text
    assert (await as_user("alice").post(f"{page}/approve", {}, form_page=page)).status_code == 303
    assert await status_of(as_user, planted) == "partially_approved"


async def test_an_api_token_cannot_approve_a_bank_change_on_the_staff_pages(
    site: Any, as_user: Any, client: Any, clock: Any
) -> None:
    token = create_client(
        site.services.engine, "erp", Role.PURCHASING_SUPERVISOR, can_reveal=False, now=clock()
    )
    bank = await propose_bank_change(site, as_user)
    page = f"/staff/changes/{bank}"
    first = await as_user("alice").post(
        f"{page}/approve",
        {"call_back_contact": site.a.contacts[0].id, "call_back_outcome": "confirmed"},
        form_page=page,
    )
    assert first.status_code == 303, first.text
    second = await client.post(
        f"{page}/approve",
        data={},
        headers={"authorization": f"Bearer {token}", "accept": "application/json"},
    )
    assert second.status_code == 403
    assert second.json()["error"]["code"] == "approver_not_a_person"
    assert await status_of(as_user, bank) == "partially_approved"


async def test_a_bank_approval_needs_a_fresh_login_with_a_one_time_code(
    site: Any, as_user: Any, client: Any, clock: Any
) -> None:
    from approvals import StepUpRule  # added with the fix

    clock.now = datetime.now(UTC)  # the demo provider stamps auth_time with the wall clock
    site.deps.step_up = StepUpRule(max_age=timedelta(minutes=15))
    loop_back(site.app)
    bank = await propose_bank_change(site, as_user)
    page = f"/staff/changes/{bank}"
    call_back = {"call_back_contact": site.a.contacts[0].id, "call_back_outcome": "confirmed"}
    # A session that says nothing about how its person logged in is not enough:
    refused = await as_user("alice").post(f"{page}/approve", call_back, form_page=page)
    assert refused.status_code == 403 and "动态验证码" in refused.text
    form = await as_user("alice").get(page)
    assert 'id="step-up-login"' in form.text and "step_up=true" in form.text
    step_up = await client.get("/auth/login", params={"step_up": "true", "next": page})
    assert "prompt=login" in step_up.headers["location"]
    assert "max_age=0" in step_up.headers["location"]
    # The demo provider's supervisors log in with a password and a one-time code:
    await demo_login(client, "supervisor-a", next_path=page)
    form = await client.get(page)
    assert 'id="step-up"' not in form.text
    fields = {"_csrf_token": csrf_of(form.text), **call_back}
    approved = await client.post(f"{page}/approve", data=fields)
    assert approved.status_code == 303, approved.text
    assert await status_of(as_user, bank) == "partially_approved"
