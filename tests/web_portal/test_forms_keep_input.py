"""A browser form that does not validate comes back filled in, the message beside the field
(422, in the user's language), never a bare error page; the API keeps its JSON errors."""

from __future__ import annotations

import re
from typing import Any

from tests.web_portal.test_names_and_times import visible_text


def field_message(page: str, name: str) -> str:
    match = re.search(rf'id="error-{name}"[^>]*>([^<]+)<', page)
    assert match, f"no message next to {name}"
    return match.group(1)


async def test_a_bad_account_number_keeps_what_was_typed_and_says_why_beside_it(
    site: Any, as_user: Any
) -> None:
    form = "/portal/bank-accounts/new"
    typed = {"bank_name": "招商银行上海分行", "account_number": "12AB", "holder_name": site.a.name}
    answer = await as_user("a").post("/portal/bank-accounts", typed, form_page=form)
    assert answer.status_code == 422 and 'data-page="bank-form"' in answer.text
    assert 'value="招商银行上海分行"' in answer.text and 'value="12AB"' in answer.text
    assert "账号" in field_message(answer.text, "account_number")


async def test_an_invoicing_form_with_a_bad_tax_number_comes_back_filled_in(
    site: Any, as_user: Any
) -> None:
    typed = {"title": "上海甲贸易有限公司开票", "tax_number": "123"}
    answer = await as_user("a").post("/portal/invoicing", typed, form_page="/portal/invoicing/edit")
    assert answer.status_code == 422 and 'data-page="invoicing-form"' in answer.text
    assert 'value="上海甲贸易有限公司开票"' in answer.text and 'value="123"' in answer.text
    assert field_message(answer.text, "tax_number")


async def test_a_contact_without_a_name_comes_back_with_its_phone_and_the_message(
    site: Any, as_user: Any
) -> None:
    typed = {"name": "", "phone": "13900001111", "email": "li@x.cn"}
    answer = await as_user("a").post("/portal/contacts", typed, form_page="/portal/contacts/new")
    assert answer.status_code == 422 and 'data-page="contact-form"' in answer.text
    assert 'value="li@x.cn"' in answer.text and 'value="13900001111"' in answer.text
    assert field_message(answer.text, "name")


async def test_the_message_is_english_for_an_english_reader(
    site: Any, as_user: Any, client: Any
) -> None:
    client.cookies.set("lang", "en")
    typed = {"bank_name": "CMB", "account_number": "12AB", "holder_name": site.a.name}
    answer = await as_user("a").post(
        "/portal/bank-accounts", typed, form_page="/portal/bank-accounts/new"
    )
    message = field_message(answer.text, "account_number")
    assert not re.search(r"[\u4e00-\u9fff]", message), message
    assert "Please correct the marked fields" in visible_text(answer.text)


async def test_a_staff_block_without_a_reason_comes_back_on_the_same_page(
    site: Any, as_user: Any
) -> None:
    page = f"/staff/suppliers/{site.a.id}/manage"
    answer = await as_user("alice").post(
        f"/staff/suppliers/{site.a.id}/block", {"reason": "  "}, form_page=page
    )
    assert answer.status_code == 422 and 'data-page="staff-manage"' in answer.text
    assert "请填写理由" in field_message(answer.text, "reason")


async def test_a_staff_proposal_that_does_not_validate_keeps_the_values_of_its_own_form(
    site: Any, as_user: Any
) -> None:
    page = f"/staff/suppliers/{site.a.id}/propose"
    typed = {"form": "contact", "name": "", "email": "wang@x.cn"}
    answer = await as_user("clerk").post(page, typed, form_page=page)
    assert answer.status_code == 422 and 'value="wang@x.cn"' in answer.text
    assert field_message(answer.text, "name")
