"""The approval page of a bank change and the supplier 360 page, as staff use them: the
call-back number revealed (checked and audited), names instead of ids, Shanghai times,
invoicing details, documents, requests, duplicates and the payment hold."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert, select

from portal.audit.log import ENTRY, AuditContext
from portal.dedup.tables import PAIR
from portal.documents.store import upload_document
from portal.domain.principal import Principal, Role
from portal.finance.call_back import CallBackRevealRefusedError, reveal_call_back_number
from tests.support.documents import pdf_bytes

from .test_portal_flow import propose_bank_change

PHONE_ON_FILE = "13812345678"  # supplier A's contact (conftest)


def revealed_entries(site: Any) -> list[tuple[str, str | None, str | None]]:
    with site.services.engine.connect() as conn:
        rows = conn.execute(
            select(ENTRY.c.actor, ENTRY.c.subject_id, ENTRY.c.after).where(
                ENTRY.c.action == "call_back.number_revealed"
            )
        ).all()
    return [tuple(r) for r in rows]


async def test_the_approver_sees_the_call_back_number_masked_with_a_reveal_button(
    site: Any, as_user: Any
) -> None:
    bank = await propose_bank_change(site, as_user)
    page = (await as_user("alice").get(f"/staff/changes/{bank}")).text
    contact = site.a.contacts[0].id
    assert f'id="reveal-{contact}"' in page
    assert PHONE_ON_FILE not in page and "138****5678" in page


async def test_revealing_the_call_back_number_shows_it_in_full_and_is_audited(
    site: Any, as_user: Any
) -> None:
    bank = await propose_bank_change(site, as_user)
    page = f"/staff/changes/{bank}"
    contact = site.a.contacts[0].id
    response = await as_user("alice").post(
        f"{page}/call-back/reveal", {"contact_id": contact}, form_page=page
    )
    assert response.status_code == 200, response.text
    assert f'id="number-{contact}">{PHONE_ON_FILE}<' in response.text
    assert revealed_entries(site) == [("u-alice", contact, f"change_request[{bank}]")]


async def test_a_clerk_cannot_reveal_the_call_back_number(site: Any, as_user: Any) -> None:
    bank = await propose_bank_change(site, as_user)
    page = f"/staff/changes/{bank}"
    form = (await as_user("clerk").get(page)).text
    assert "call-back/reveal" not in form
    response = await as_user("clerk").post(
        f"{page}/call-back/reveal", {"contact_id": site.a.contacts[0].id}, form_page=page
    )
    assert response.status_code == 403
    assert PHONE_ON_FILE not in response.text and revealed_entries(site) == []


async def test_finance_may_not_reveal_a_call_back_number_as_a_person_or_a_token(
    site: Any, as_user: Any
) -> None:
    bank = await propose_bank_change(site, as_user)
    contact = site.a.contacts[0].id
    for kind in ("user", "api"):
        finance = Principal("u-fin", Role.FINANCE, can_reveal=True, kind=kind)
        with pytest.raises(CallBackRevealRefusedError):
            reveal_call_back_number(site.deps, AuditContext("u-fin"), finance, bank, contact)
    for kind in ("user", "api"):
        supervisor = Principal(f"s-{kind}", Role.PURCHASING_SUPERVISOR, kind=kind)
        phone = reveal_call_back_number(
            site.deps, AuditContext(supervisor.subject), supervisor, bank, contact
        )
        assert phone == PHONE_ON_FILE
    assert [actor for actor, _, _ in revealed_entries(site)] == ["s-user", "s-api"]


async def test_only_an_eligible_contact_number_can_be_revealed(site: Any, as_user: Any) -> None:
    bank = await propose_bank_change(site, as_user)
    page = f"/staff/changes/{bank}"
    response = await as_user("alice").post(
        f"{page}/call-back/reveal", {"contact_id": "someone-else"}, form_page=page
    )
    assert response.status_code == 422
    assert revealed_entries(site) == []


async def test_the_requester_is_named_and_the_time_is_beijing_time(site: Any, as_user: Any) -> None:
    bank = await propose_bank_change(site, as_user)
    page = (await as_user("alice").get(f"/staff/changes/{bank}")).text
    requester = page.split('id="requester">', 1)[1].split("<", 1)[0]
    assert requester and "u-supplier-a" not in requester
    assert "2026-11-02 16:00" in page  # 08:00 UTC


def add_invoicing_and_documents(site: Any) -> str:
    with site.services.engine.begin() as conn:
        conn.execute(
            insert(PAIR).values(
                a_id=min(site.a.id, site.b.id), b_id=max(site.a.id, site.b.id),
                code="duplicate.same_phone", matched="phone", score=0.9, evidence="{}",
                found_at=site.deps.clock(),
            )
        )  # fmt: skip
    info = upload_document(
        site.services.engine, site.services.documents, site.deps.audit,
        AuditContext("u-supplier-a"), site.people["a"], site.a.id,
        kind="bank_permit", filename="开户许可证.pdf", content=pdf_bytes(),
        max_bytes=1 << 20, now=site.deps.clock(),
    )  # fmt: skip
    return info.id


async def test_the_supplier_360_page_shows_what_staff_need_in_one_place(
    site: Any, as_user: Any
) -> None:
    document = add_invoicing_and_documents(site)
    bank = await propose_bank_change(site, as_user)
    page = (await as_user("clerk").get(f"/staff/suppliers/{site.a.id}")).text
    assert 'id="invoicing"' in page
    assert 'id="registration"' in page and 'id="registry-status"' in page
    assert f'href="/staff/changes/{bank}"' in page.split('id="open-requests"', 1)[1]
    assert f'href="/staff/suppliers/{site.b.id}">{site.b.name}<' in page  # the duplicate
    assert f"/staff/suppliers/{site.a.id}/documents/{document}" in page
    assert 'id="payment-hold"' in page and "银行账户变更审批中" in page
    assert "6222021234567891234" not in page  # masked
    assert "u-supplier-a" not in page and "u-clerk" not in page  # names, not ids


async def test_the_supplier_360_page_shows_invoicing_details_when_there_are_some(
    site: Any, as_user: Any
) -> None:
    page = (await as_user("alice").get(f"/staff/suppliers/{site.a.id}")).text
    invoicing = site.a.invoicing_profile
    assert invoicing is not None  # the builder gives every supplier its 开票信息
    assert f'id="invoice-title">{invoicing.title}<' in page
    assert f'id="invoice-tax-number">{invoicing.tax_number}<' in page


async def test_the_supplier_360_page_lists_recent_audit_entries_in_words(
    site: Any, as_user: Any
) -> None:
    await propose_bank_change(site, as_user)
    page = (await as_user("alice").get(f"/staff/suppliers/{site.a.id}")).text
    audit = page.split('id="recent-audit"', 1)[1]
    assert "提交变更申请" in audit and "change.submitted" not in audit


async def test_a_supplier_cannot_open_another_supplier_360_or_their_own(
    site: Any, as_user: Any
) -> None:
    for sid in (site.a.id, site.b.id):
        assert (await as_user("a").get(f"/staff/suppliers/{sid}")).status_code == 403


async def test_an_account_another_supplier_uses_names_that_supplier_on_the_approval_page(
    site: Any, as_user: Any
) -> None:
    account = site.a.bank_accounts[0].id
    form = f"/portal/bank-accounts/{account}/edit"
    response = await as_user("a").post(
        f"/portal/bank-accounts/{account}",
        {"account_number": site.b.bank_accounts[0].account_number},
        form_page=form,
    )
    assert response.status_code == 303, response.text
    bank = response.headers["location"].rsplit("/", 1)[1]
    page = (await as_user("alice").get(f"/staff/changes/{bank}")).text
    shared = page.split('id="shared-with">', 1)[1].split("</span>", 1)[0]
    assert f'href="/staff/suppliers/{site.b.id}">{site.b.name}</a>' in shared
    assert "首次出现于档案：2026-11-02 16:00" in page  # B's account since 08:00 UTC


async def test_a_new_account_number_says_whether_it_was_ever_on_file(
    site: Any, as_user: Any
) -> None:
    bank = await propose_bank_change(site, as_user)
    page = (await as_user("alice").get(f"/staff/changes/{bank}")).text
    assert "此前从未出现在任何供应商档案中" in page  # a number no supplier ever had


async def test_the_supplier_360_page_shows_beijing_time_names_and_a_link_to_manage(
    site: Any, as_user: Any
) -> None:
    bank = await propose_bank_change(site, as_user)
    page = (await as_user("alice").get(f"/staff/suppliers/{site.a.id}")).text
    line = page.split(f'href="/staff/changes/{bank}">', 1)[1].split("</li>", 1)[0]
    assert line.startswith("2026-11-02 16:00<")  # requested 08:00 UTC
    assert "u-supplier-a" not in line and "u-" not in line.split("·", 1)[1]
    assert f'href="/staff/suppliers/{site.a.id}/manage" id="link-manage"' in page


async def test_english_field_labels_on_the_staff_pages_are_words_with_capitals(
    site: Any, as_user: Any, client: Any
) -> None:
    bank = await propose_bank_change(site, as_user)
    client.cookies.set("lang", "en")
    page = (await as_user("alice").get(f"/staff/suppliers/{site.a.id}")).text
    assert "<dt>Entity type</dt>" in page and "<dt>Registered capital</dt>" in page
    assert "entity_type" not in page.split('id="registration"', 1)[1].split("</dl>", 1)[0]
    review = (await as_user("alice").get(f"/staff/changes/{bank}")).text
    assert "Account number" in review and ">account_number<" not in review


async def test_the_licence_zoom_script_is_served_from_the_site_not_inline(
    site: Any, client: Any
) -> None:
    script = await client.get("/static/js/licence_zoom.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "licence-zoom" in script.text


def test_the_source_a_field_was_checked_against_reads_as_words() -> None:
    from portal.web.i18n import translate

    assert translate("v:registry:qichacha", "zh") == "工商登记（企查查）"
    assert translate("v:tax_bureau:demo", "en") == "tax bureau (demo source)"
