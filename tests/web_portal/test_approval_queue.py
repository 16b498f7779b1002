"""The approval queue: paged with a total, filtered by kind, supplier and age."""

from __future__ import annotations

import re
from typing import Any

from tests.web_portal.test_portal_flow import (
    confirmed_call_back,
    propose_bank_change,
    request_id_of,
)


async def _propose_contact_change(site: Any, as_user: Any) -> str:
    contact = site.b.contacts[0].id
    response = await as_user("b").post(
        f"/portal/contacts/{contact}",
        {"role": "总监"},
        form_page=f"/portal/contacts/{contact}/edit",
    )
    assert response.status_code == 303, response.text
    return request_id_of(response)


async def test_the_queue_filters_by_kind_and_by_supplier(site: Any, as_user: Any) -> None:
    bank = await propose_bank_change(site, as_user)
    contact = await _propose_contact_change(site, as_user)
    everything = await as_user("alice").get("/staff/")
    assert bank in everything.text and contact in everything.text and "共 2 条" in everything.text
    only_bank = await as_user("alice").get("/staff/?bank=1")
    assert bank in only_bank.text and contact not in only_bank.text
    by_supplier = await as_user("alice").get("/staff/?q=乙科技")
    assert contact in by_supplier.text and bank not in by_supplier.text


async def test_the_queue_shows_requests_waiting_longer_than_asked(
    site: Any, as_user: Any, clock: Any
) -> None:
    old = await propose_bank_change(site, as_user)
    clock.advance(days=4)
    fresh = await _propose_contact_change(site, as_user)
    waiting = await as_user("alice").get("/staff/?pending_days=3")
    assert old in waiting.text and fresh not in waiting.text
    none = await as_user("alice").get("/staff/?pending_days=30")
    assert "没有符合筛选条件的待审申请" in none.text


async def test_the_queue_says_in_words_how_many_have_approved(
    site: Any, as_user: Any, clock: Any
) -> None:
    request_id = await propose_bank_change(site, as_user)
    waiting = await as_user("alice").get("/staff/")
    assert "人批准" not in waiting.text  # nobody yet: no bare 0 beside the state
    page = f"/staff/changes/{request_id}"
    clock.advance(minutes=5)
    call_back = confirmed_call_back(site)
    first = await as_user("alice").post(f"{page}/approve", call_back, form_page=page)
    assert first.status_code == 303, first.text
    after = await as_user("bob").get("/staff/")
    assert "已有 1 人批准" in after.text


async def test_a_risk_flag_in_the_queue_is_explained_in_words_not_by_its_code(
    site: Any, as_user: Any, client: Any
) -> None:
    account = site.a.bank_accounts[0].id
    form = f"/portal/bank-accounts/{account}/edit"
    response = await as_user("a").post(
        f"/portal/bank-accounts/{account}",
        {"account_number": "6222020200112233445", "holder_name": "王小明"},
        form_page=form,
    )
    assert response.status_code == 303, response.text
    for language in ("zh", "en"):
        client.cookies.set("lang", language)
        queue = await as_user("alice").get("/staff/")
        tags = re.findall(r'<span class="tag bad" data-code="([^"]+)" title="([^"]*)">', queue.text)
        assert tags, queue.text
        for code, title in tags:
            assert title and title != code and code not in title
            words = title.replace("王小明", "").replace(site.a.name, "")  # the names stay as is
            assert bool(re.search(r"[\u4e00-\u9fff]", words)) == (language == "zh"), title
