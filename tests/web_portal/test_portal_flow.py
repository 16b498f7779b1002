"""The pages end to end: propose, review with call-back, apply, finance sees the hold."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from portal.audit.log import ENTRY
from tests.support.documents import pdf_bytes

NEW = "6217000011112222333"


def request_id_of(response: Any) -> str:
    match = re.search(r"/changes/([0-9a-f-]{36})", response.headers["location"])
    assert match
    return match.group(1)


def confirmed_call_back(site: Any) -> dict[str, str]:
    """The approval form's call-back fields: supplier A's contact on file confirmed it."""
    return {
        "call_back_contact": site.a.contacts[0].id,
        "call_back_outcome": "confirmed",
        "call_back_note": "王经理确认",
    }


async def propose_bank_change(site: Any, as_user: Any) -> str:
    account = site.a.bank_accounts[0].id
    form = f"/portal/bank-accounts/{account}/edit"
    response = await as_user("a").post(
        f"/portal/bank-accounts/{account}", {"account_number": NEW}, form_page=form
    )
    assert response.status_code == 303, response.text
    return request_id_of(response)


async def test_a_form_post_without_csrf_token_is_refused(site: Any, client: Any) -> None:
    account = site.a.bank_accounts[0].id
    await client.get("/portal/", headers={"x-test-user": "a"})  # has the CSRF cookie now
    response = await client.post(
        f"/portal/bank-accounts/{account}",
        data={"account_number": NEW},
        headers={"x-test-user": "a"},
    )
    assert response.status_code == 403
    approve = await client.post(
        "/staff/changes/x/approve", data={}, headers={"x-test-user": "alice"}
    )
    assert approve.status_code == 403
    with site.services.engine.connect() as conn:
        assert conn.execute(select(ENTRY.c.action)).first() is None


async def test_bank_change_through_the_pages_reaches_finance_after_two_approvals(
    site: Any, as_user: Any, clock: Any
) -> None:
    request_id = await propose_bank_change(site, as_user)
    mine = await as_user("a").get(f"/portal/changes/{request_id}")
    assert "pending" in mine.text and NEW not in mine.text and "6217 **** **** 2333" in mine.text
    queue = await as_user("alice").get("/staff/")
    assert request_id in queue.text and "bank_account.changed" in queue.text

    page = f"/staff/changes/{request_id}"
    clock.advance(minutes=5)
    no_call = await as_user("alice").post(f"{page}/approve", {}, form_page=page)
    assert no_call.status_code == 422
    contact = site.a.contacts[0].id
    first = await as_user("alice").post(
        f"{page}/approve",
        {
            "call_back_contact": contact,
            "call_back_outcome": "confirmed",
            "call_back_note": "王经理确认",
        },
        form_page=page,
    )
    assert first.status_code == 303, first.text
    again = await as_user("alice").post(f"{page}/approve", {}, form_page=page)
    assert again.status_code == 403

    finance = as_user("finance")
    uscc = site.a.uscc
    during = (await finance.get(f"/api/v1/suppliers/{uscc}")).json()
    assert during["payment_hold"] == {
        "on_hold": True,
        "reason": "bank_change.pending",
        "until": None,
    }

    clock.advance(minutes=5)
    second = await as_user("bob").post(f"{page}/approve", {}, form_page=page)
    assert second.status_code == 303
    done = await as_user("a").get(f"/portal/changes/{request_id}")
    assert 'data-status="applied"' in done.text

    view = (await finance.get(f"/api/v1/suppliers/{uscc}", params={"reveal": "true"})).json()
    assert view["bank_accounts"][0]["account_number"] == NEW
    assert view["payment_hold"]["on_hold"] and view["payment_hold"]["reason"] == (
        "bank_change.cooling_off"
    )
    clock.advance(hours=48)
    later = (await finance.get(f"/api/v1/suppliers/{uscc}")).json()
    assert later["payment_hold"] == {"on_hold": False, "reason": None, "until": None}
    with site.services.engine.connect() as conn:
        actions = list(conn.execute(select(ENTRY.c.action).order_by(ENTRY.c.seq)).scalars())
    # One entry per clear value shown: the account number and the contact's phone.
    assert actions.count("value.revealed") == 2
    assert actions[:5] == [
        "change.submitted",
        "change.approved",
        "change.approved",
        "field.changed",
        "change.applied",
    ]


async def test_the_requester_may_withdraw_and_a_supervisor_may_not_approve_own(
    site: Any, as_user: Any
) -> None:
    request_id = await propose_bank_change(site, as_user)
    page = f"/portal/changes/{request_id}"
    withdrawn = await as_user("a").post(f"{page}/withdraw", form_page=page)
    assert withdrawn.status_code == 303
    assert 'data-status="withdrawn"' in (await as_user("a").get(page)).text
    staff_page = f"/staff/changes/{request_id}"
    late = await as_user("alice").post(f"{staff_page}/approve", {}, form_page=staff_page)
    assert late.status_code == 409


async def test_rejecting_a_field_shows_the_reason_to_the_supplier(site: Any, as_user: Any) -> None:
    contact = site.a.contacts[0].id
    response = await as_user("a").post(
        f"/portal/contacts/{contact}",
        {"role": "总监", "email": "boss@x.cn"},
        form_page=f"/portal/contacts/{contact}/edit",
    )
    request_id = request_id_of(response)
    page = f"/staff/changes/{request_id}"
    key = f"contact[{contact}].email"
    await as_user("alice").post(f"{page}/reject", {f"reject:{key}": "请用公司邮箱"}, form_page=page)
    shown = await as_user("a").get(f"/portal/changes/{request_id}")
    assert "请用公司邮箱" in shown.text


async def test_staff_reveal_is_audited_and_refused_to_clerks(site: Any, as_user: Any) -> None:
    account = site.a.bank_accounts[0]
    page = f"/staff/suppliers/{site.a.id}"
    fields = {"table": "bank_account", "column": "account_number", "row_id": account.id}
    clerk = await as_user("clerk").post(f"{page}/reveal", fields, form_page=page)
    assert clerk.status_code == 403
    shown = await as_user("alice").post(f"{page}/reveal", fields, form_page=page)
    assert shown.status_code == 200 and account.account_number in shown.text
    with site.services.engine.connect() as conn:
        entry = conn.execute(select(ENTRY).where(ENTRY.c.action == "value.revealed")).one()
    assert (entry.actor, entry.subject_id, entry.field_name) == (
        "u-alice",
        account.id,
        "account_number",
    )


async def test_uploads_are_sniffed_and_limited(site: Any, as_user: Any, client: Any) -> None:
    page = await client.get("/portal/documents", headers={"x-test-user": "a"})
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token

    async def upload(content: bytes, name: str) -> Any:
        return await client.post(
            "/portal/documents",
            headers={"x-test-user": "a"},
            data={"_csrf_token": token.group(1), "kind": "bank_permit"},
            files={"file": (name, content, "application/pdf")},
        )

    assert (await upload(b"GIF89a not a pdf", "fake.pdf")).status_code == 422
    assert (await upload(b"%PDF-" + b"0" * 5000, "big.pdf")).status_code in (413, 422)
    permit = pdf_bytes()
    ok = await upload(permit, "permit.pdf")
    assert ok.status_code == 303
    listing = await as_user("a").get("/portal/documents")
    assert "permit.pdf" in listing.text
    doc = re.search(r'href="/portal/documents/([0-9a-f-]{36})"', listing.text)
    assert doc
    download = await as_user("a").get(f"/portal/documents/{doc.group(1)}")
    assert download.content == permit
    assert (await as_user("b").get(f"/portal/documents/{doc.group(1)}")).status_code == 404
