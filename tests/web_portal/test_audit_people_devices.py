"""The audit trail names people and devices: who (account and name at the time), from
which IP and browser (a hashed device cookie), through which channel, with before/after."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from portal.audit.log import ENTRY
from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from portal.web.device import DEVICE_COOKIE, device_id
from tests.web_portal.conftest import T0, csrf_of
from tests.web_portal.test_portal_flow import NEW, confirmed_call_back


class Browser:
    """One person's browser: the shared test client with this browser's own cookie jar."""

    def __init__(self, client: Any, who: str) -> None:
        self.client, self.who, self.cookies = client, who, httpx.Cookies()

    async def _send(self, method: str, url: str, **kwargs: Any) -> Any:
        self.client.cookies = self.cookies
        response = await self.client.request(
            method, url, headers={"x-test-user": self.who}, **kwargs
        )
        self.cookies = httpx.Cookies(self.client.cookies)
        return response

    async def get(self, url: str) -> Any:
        return await self._send("GET", url)

    async def post(self, url: str, data: dict[str, str]) -> Any:
        return await self._send("POST", url, data=data)


@pytest.fixture
def browsers(client: Any) -> Any:
    opened: dict[str, Browser] = {}

    async def browser(who: str) -> Browser:
        return opened.setdefault(who, Browser(client, who))

    return browser


async def _post(client: Any, url: str, data: dict[str, str], form_page: str) -> Any:
    page = await client.get(form_page)
    assert page.status_code == 200, page.text
    return await client.post(url, {"_csrf_token": csrf_of(page.text), **data})


async def test_a_browser_gets_a_long_lived_httponly_device_cookie_once(browsers: Any) -> None:
    clerk = await browsers("clerk")
    first = await clerk.get("/staff/")
    cookie = next(c for c in first.headers.get_list("set-cookie") if DEVICE_COOKIE in c)
    assert cookie.startswith(f"{DEVICE_COOKIE}=") and "HttpOnly" in cookie
    assert "Max-Age=157680000" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    again = await clerk.get("/staff/")
    assert not any(DEVICE_COOKIE in c for c in again.headers.get_list("set-cookie"))


async def test_the_export_of_a_bank_change_names_people_ip_device_and_values_per_step(
    site: Any, browsers: Any, clock: Any
) -> None:
    supplier, alice, bob = await browsers("a"), await browsers("alice"), await browsers("bob")
    account = site.a.bank_accounts[0].id
    submitted = await _post(
        supplier,
        f"/portal/bank-accounts/{account}",
        {"account_number": NEW},
        f"/portal/bank-accounts/{account}/edit",
    )
    assert submitted.status_code == 303, submitted.text
    request_id = submitted.headers["location"].rstrip("/").split("/")[-1]
    page = f"/staff/changes/{request_id}"
    clock.advance(minutes=5)
    call_back = confirmed_call_back(site)
    assert (await _post(alice, f"{page}/approve", call_back, page)).status_code == 303
    clock.advance(minutes=5)
    assert (await _post(bob, f"{page}/approve", {}, page)).status_code == 303

    auditor = await browsers("auditor")
    exported = await auditor.get(f"/staff/audit/export?supplier={site.a.name}&format=json")
    assert exported.status_code == 200, exported.text
    rows = [json.loads(line) for line in exported.text.splitlines() if line.strip()]
    steps = {(r["action"], r["actor_name"]): r for r in rows}
    submit = steps["change.submitted", "甲的用户"]
    first = steps["change.approved", "Alice"]
    second = steps["change.approved", "Bob"]
    changed = next(r for r in rows if r["action"] == "field.changed")
    devices = {
        who: device_id(client.cookies[DEVICE_COOKIE])
        for who, client in (("a", supplier), ("alice", alice), ("bob", bob))
    }
    assert submit["device"] == devices["a"] and first["device"] == devices["alice"]
    assert second["device"] == devices["bob"] and changed["device"] == devices["bob"]
    assert len(set(devices.values())) == 3
    for row in (submit, first, second, changed):
        assert row["ip"] and row["channel"] == "portal" and row["request_id"]
        assert row["user_agent"] and row["actor"] and row["actor_name"]
    for browser in (supplier, alice, bob):  # the log keeps the hash, never the cookie
        assert browser.cookies[DEVICE_COOKIE] not in exported.text
    # before/after of each step: the request, both approvals (with the call-back), and the
    # account number itself, masked as staff lists show it (sealed in the log)
    assert "bank_account_change" in submit["after"]
    assert json.loads(first["after"])["call_back"]["outcome"] == "confirmed"
    assert json.loads(second["after"])["approvals_given"] == 2
    assert changed["sealed"] and changed["field_name"].endswith(".account_number")
    old = site.a.bank_accounts[0].account_number
    assert changed["before"].endswith(old[-4:]) and changed["after"].endswith(NEW[-4:])
    assert old not in exported.text and NEW not in exported.text
    screen = await auditor.get(f"/staff/audit/?supplier={site.a.name}")
    assert "Alice" in screen.text and "Bob" in screen.text and devices["bob"][:12] in screen.text
    assert "testclient" in screen.text and "网页" in screen.text


async def test_an_api_token_is_named_as_the_channel_without_a_device(
    site: Any, client: Any
) -> None:
    token = create_client(site.services.engine, "erp-sync", Role.FINANCE, can_reveal=True, now=T0)
    answer = await client.get(
        f"/api/v1/suppliers/{site.a.uscc}",
        params={"reveal": "true"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    with site.services.engine.connect() as conn:
        entry = conn.execute(
            select(ENTRY.c.channel, ENTRY.c.device, ENTRY.c.actor_name, ENTRY.c.ip).where(
                ENTRY.c.action == "value.revealed"
            )
        ).first()
    assert entry is not None
    assert entry.channel == "api:erp-sync" and entry.device is None
    assert entry.actor_name == "erp-sync" and entry.ip


async def test_an_api_call_is_sent_no_device_cookie(site: Any, client: Any) -> None:
    token = create_client(site.services.engine, "erp-sync", Role.FINANCE, can_reveal=False, now=T0)
    client.cookies.clear()  # a program keeps no cookies
    answer = await client.get(
        f"/api/v1/suppliers/{site.a.uscc}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    assert not any(DEVICE_COOKIE in c for c in answer.headers.get_list("set-cookie"))
