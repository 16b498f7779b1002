"""A supplier's users choose the language of the messages to their contacts at
``/portal/notifications``; the next message to that contact is in that language; another
supplier's contacts cannot be touched; a wrong language is refused in both languages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from portal.audit.log import ENTRY
from portal.db.supplier_store import CONTACT, SUPPLIER
from portal.notifications.reminders import ReminderSettings, run_reminders
from tests.web_portal.conftest import BASE_URL
from tests.web_portal.test_messages_reach_people import _messages

PAGE = "/portal/notifications"


async def test_a_supplier_sets_a_contacts_language_and_the_next_message_follows_it(
    site: Any, as_user: Any, clock: Any
) -> None:
    [contact] = [c for c in site.a.contacts if c.email]
    shown = await as_user("a").get(PAGE)
    assert shown.status_code == 200
    assert contact.name in shown.text and contact.email in shown.text
    assert all(c.email not in shown.text for c in site.b.contacts if c.email)  # only its own
    saved = await as_user("a").post(
        f"{PAGE}/contacts/{contact.id}", {"language": "en"}, form_page=PAGE
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?saved=1"
    with site.services.engine.begin() as conn:
        actions = list(conn.execute(select(ENTRY.c.action, ENTRY.c.after)))
        conn.execute(
            update(SUPPLIER)
            .where(SUPPLIER.c.id == site.a.id)
            .values(term_to=clock().date() + timedelta(days=30))
        )
    assert ("contact.language_changed", "en") in [(a.action, a.after) for a in actions]
    run_reminders(site.services.engine, ReminderSettings(public_url=BASE_URL), now=clock())
    [message] = _messages(site)
    assert message.recipient == contact.email
    assert "licence" in message.subject.lower() and "营业执照" not in message.subject


async def test_another_suppliers_contact_cannot_be_changed(site: Any, as_user: Any) -> None:
    [contact] = [c for c in site.a.contacts if c.email]
    refused = await as_user("b").post(
        f"{PAGE}/contacts/{contact.id}", {"language": "en"}, form_page=PAGE
    )
    assert refused.status_code == 404
    with site.services.engine.connect() as conn:
        language = conn.scalar(select(CONTACT.c.language).where(CONTACT.c.id == contact.id))
    assert language == "zh"


async def test_a_language_other_than_zh_or_en_is_refused_in_both_languages(
    site: Any, as_user: Any
) -> None:
    [contact] = [c for c in site.a.contacts if c.email]
    refused = await as_user("a").post(
        f"{PAGE}/contacts/{contact.id}", {"language": "fr"}, form_page=PAGE
    )
    assert refused.status_code == 422
    assert "语言只能是中文（zh）或英文（en）" in refused.text
    assert "Chinese (zh) or English (en)" in refused.text


async def test_staff_do_not_open_the_suppliers_page(site: Any, as_user: Any) -> None:
    assert (await as_user("alice").get(PAGE)).status_code in (401, 403)


async def test_a_portal_user_reads_their_own_language_apart_from_their_contacts(
    site: Any, as_user: Any, clock: Any
) -> None:
    from sqlalchemy import insert

    from portal.notifications.recipients import USER
    from tests.web_portal.conftest import T0

    [contact] = [c for c in site.a.contacts if c.email]
    with site.services.engine.begin() as conn:  # the user logged in once, same e-mail as a contact
        conn.execute(insert(USER).values(
            id=site.people["a"].subject, issuer="https://id.buyer.cn", subject="a",
            email=contact.email, display_name="甲的用户", role="supplier",
            supplier_id=site.a.id, created_at=T0,
        ))  # fmt: skip
    saved = await as_user("a").post(f"{PAGE}/me", {"language": "en"}, form_page=PAGE)
    assert saved.status_code == 303 and "lang=en" in saved.headers["set-cookie"]
    with site.services.engine.begin() as conn:
        contact_language = conn.scalar(select(CONTACT.c.language).where(CONTACT.c.id == contact.id))
        audited = conn.execute(select(ENTRY.c.after).where(
            ENTRY.c.action == "account.language_changed")).scalar_one()  # fmt: skip
        conn.execute(update(SUPPLIER).where(SUPPLIER.c.id == site.a.id)
                     .values(term_to=clock().date() + timedelta(days=30)))  # fmt: skip
    assert (contact_language, audited) == ("zh", "en")  # the contact keeps Chinese
    run_reminders(site.services.engine, ReminderSettings(public_url=BASE_URL), now=clock())
    [message] = _messages(site)
    assert message.recipient == contact.email and "licence" in message.subject.lower()
    page = await as_user("a").get(PAGE)  # the cookie the save set: pages in English too
    assert "My own language" in page.text and '<option value="en" selected>' in page.text
