"""The payment pages: finance checks a file, a supervisor verifies a new account through
the demo service, finance sends a small amount and the supplier types it in."""

from __future__ import annotations

import re
from typing import Any

from approvals import CallBackOutcome, Entity
from approvals.proposals import Proposal
from portal.audit.log import AuditContext
from portal.changes import CallBackInput, approve_change, submit_change
from tests.web_portal.conftest import csrf_of

NEW = "6217000011112222333"


def new_account_version(site: Any) -> None:
    """Supplier A's default account gets NEW through a bank change Alice and Bob approve."""
    deps, a, people = site.deps, site.a, site.people

    def ctx(who: str) -> AuditContext:
        return AuditContext(actor=people[who].subject, actor_role=people[who].role.value)

    proposal = Proposal(Entity.BANK_ACCOUNT, a.bank_accounts[0].id, {"account_number": NEW})
    request = submit_change(deps, ctx("a"), people["a"], a.id, [proposal])
    call_back = CallBackInput(a.contacts[0].id, CallBackOutcome.CONFIRMED)
    approve_change(deps, ctx("alice"), people["alice"], request.id, call_back=call_back)
    approve_change(deps, ctx("bob"), people["bob"], request.id)


def state_of(page: str) -> str:
    match = re.search(r'data-version="[^"]+" data-state="([a-z_]+)"', page)
    assert match, page[:2000]
    return match.group(1)


async def test_finance_checks_a_file_and_reads_each_lines_reason(
    site: Any, client: Any, as_user: Any
) -> None:
    headers = {"x-test-user": "finance"}
    form = await client.get("/staff/payments/", headers=headers)
    content = f"收款方,统一社会信用代码,开户行,账号,金额\n{site.a.name},{site.a.uscc},工行,"
    content += "6222021234567891234,100.00\n"
    response = await client.post(
        "/staff/payments/check",
        data={"_csrf_token": csrf_of(form.text), "download": ""},
        files={"file": ("run.csv", content.encode(), "text/csv")},
        headers=headers,
    )
    assert response.status_code == 200, response.text[:1000]
    assert 'data-hold="1"' in response.text and 'data-verdict="hold"' in response.text
    assert "账户在档案中，但从未经过验证和审批" in response.text


async def test_a_supervisor_verifies_through_the_service_and_cooling_off_starts(
    site: Any, as_user: Any
) -> None:
    new_account_version(site)
    alice = as_user("alice")
    assert state_of((await alice.get("/staff/payments/")).text) == "approved"
    version = re.search(r'data-version="([^"]+)"', (await alice.get("/staff/payments/")).text)
    assert version
    url = f"/staff/payments/versions/{version.group(1)}/verify"
    answered = await alice.post(url, form_page="/staff/payments/")
    assert 'data-outcome="match"' in answered.text
    assert state_of(answered.text) == "cooling_off"


async def test_the_supplier_types_the_small_amount_finance_sent(site: Any, as_user: Any) -> None:
    new_account_version(site)
    finance = as_user("finance")
    listing = (await finance.get("/staff/payments/")).text
    version = re.search(r'data-version="([^"]+)"', listing)
    assert version
    vid = version.group(1)
    sent = await finance.post(f"/staff/payments/versions/{vid}/small-amount",
                              form_page="/staff/payments/")  # fmt: skip
    amount = re.search(r"打款 ([0-9.]+) 元", sent.text)
    assert amount, sent.text[:2000]
    supplier = as_user("a")
    own = (await supplier.get("/portal/accounts/")).text
    assert "small-amount-input" in own and site.b.name not in own
    answered = await supplier.post(f"/portal/accounts/{vid}/small-amount",
                                   {"amount": amount.group(1)}, form_page="/portal/accounts/")  # fmt: skip
    assert 'data-right="yes"' in answered.text
    assert 'data-state="cooling_off"' in answered.text
