"""Every role's pages read as people read them: names, not ids; times in Asia/Shanghai.

The scan reads the text a person sees (not links or attributes) of each role's pages
after a bank change went through review, and fails on a UUID or on a UTC timestamp.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import insert

from portal.domain.principal import Role
from portal.web.filters import local_time, person_name
from portal.workbench.audit_log import USER
from tests.support.personas import staff_member
from tests.web_portal.conftest import T0
from tests.web_portal.test_portal_flow import propose_bank_change

UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
UTC_TIME = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+00:00|Z\b)|\bUTC\b")


class _Text(HTMLParser):
    """The text nodes of a page (what a person reads), scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip += tag in ("script", "style")
        # what inputs show is read too (not a hidden input's or an option's value: the
        # browser shows neither, the option's text is read as text)
        unseen = tag == "option" or (tag == "input" and ("type", "hidden") in attrs)
        for name, value in attrs:
            if (
                name in ("value", "placeholder", "title")
                and value
                and not (unseen and name == "value")
            ):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _known(site: Any, subject: str, name: str) -> None:
    with site.services.engine.begin() as conn:
        conn.execute(
            insert(USER).values(
                id=f"acct-{subject}", issuer="https://idp.example", subject=subject,
                display_name=name, created_at=T0,
            )
        )  # fmt: skip


PAGES: dict[str, tuple[str, ...]] = {
    "a": (
        "/portal/", "/portal/profile", "/portal/changes", "/portal/changes/{request}",
        "/portal/documents", "/portal/bank-accounts/new", "/portal/invoicing/edit",
        "/portal/contacts/new",
    ),
    "clerk": (
        "/staff/", "/staff/suppliers", "/staff/invitations", "/staff/duplicates",
        "/staff/data-health", "/staff/suppliers/{a}/verification",
        "/staff/suppliers/{a}/manage", "/staff/suppliers/{a}/propose",
    ),
    "alice": (
        "/staff/", "/staff/suppliers", "/staff/changes/{request}", "/staff/suppliers/{a}",
    ),
    "admin": ("/admin/users", "/admin/tokens", "/admin/policy", "/admin/sessions"),
    "auditor": ("/staff/audit/",),
    "finance": ("/staff/suppliers",),
}  # fmt: skip
# The approval (change-detail) and supplier 360 pages take the same filters (alice's).


@pytest.mark.parametrize("who", list(PAGES))
async def test_no_page_of_a_role_shows_an_id_or_a_utc_time(
    site: Any, as_user: Any, who: str
) -> None:
    site.people["admin"] = staff_member("u-admin", Role.ADMIN, "Admin")
    _known(site, "u-supplier-a", "张三")
    request = await propose_bank_change(site, as_user)
    for path in PAGES[who]:
        url = path.format(request=request, a=site.a.id)
        response = await as_user(who).get(url)
        assert response.status_code == 200, (url, response.status_code, response.text[:3000])
        text = visible_text(response.text)
        assert not UUID.search(text), (url, UUID.findall(text))
        assert not UTC_TIME.search(text), (url, UTC_TIME.search(text))


def test_a_stored_utc_time_reads_as_beijing_time() -> None:
    assert local_time(datetime(2026, 11, 2, 23, 30, tzinfo=UTC)) == "2026-11-03 07:30"
    assert local_time(datetime(2026, 11, 2, 23, 30)) == "2026-11-03 07:30"  # naive = UTC


def test_an_id_nobody_knows_reads_as_unknown_never_as_the_id() -> None:
    assert person_name("0b6e4c1e-6a1f-4b89-9d7e-2d6f0a3b5c7d", {}, "en") == "(unknown account)"
    assert person_name("acct-1", {"acct-1": "李四"}) == "李四"
