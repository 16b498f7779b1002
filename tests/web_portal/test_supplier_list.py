"""The staff supplier list: paged with a total, filtered, and searchable by name, credit
code, account number and phone, with a message when nothing matches."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import update

from portal.db.supplier_store import SUPPLIER, RowBatch
from portal.domain.uscc_factory import make_uscc
from tests.support.builders import licensed_supplier
from tests.web_portal.conftest import T0


def _names(page: str) -> list[str]:
    return re.findall(r'<a href="/staff/suppliers/[^"]+">([^<]+)</a>', page)


def _more_suppliers(site: Any, count: int) -> None:
    store, batch = site.services.suppliers, RowBatch()
    for i in range(count):
        supplier = licensed_supplier(
            make_uscc(1000 + i, region="440100"), f"广州丙{i:03d}实业有限公司",
            f"62170000{i:011d}", f"1390000{i:04d}", f"g{i}@x.cn",
        )  # fmt: skip
        store.add_to_batch(batch, supplier, T0)
    with site.services.engine.begin() as conn:
        store.insert_batch(conn, batch)


async def test_the_list_shows_the_total_and_pages_through_every_supplier(
    site: Any, as_user: Any
) -> None:
    _more_suppliers(site, 260)
    first = await as_user("alice").get("/staff/suppliers")
    assert "共 262 条" in first.text and len(_names(first.text)) == 50
    last = await as_user("alice").get("/staff/suppliers?page=6")
    assert "第 251–262 条" in last.text and len(_names(last.text)) == 12


async def test_a_filter_and_a_sort_are_kept_from_page_to_page(site: Any, as_user: Any) -> None:
    _more_suppliers(site, 60)
    first = await as_user("alice").get("/staff/suppliers?region=44&sort=-name")
    assert "共 60 条" in first.text and _names(first.text)[0] == "广州丙059实业有限公司"
    assert 'href="/staff/suppliers?region=44&amp;sort=-name&amp;page=2"' in first.text


async def test_a_supplier_is_found_by_its_whole_account_number(site: Any, as_user: Any) -> None:
    found = await as_user("alice").get("/staff/suppliers?q=6222 0212 3456 7891 234")
    assert _names(found.text) == [site.a.name]


async def test_a_supplier_is_found_by_its_contact_phone(site: Any, as_user: Any) -> None:
    found = await as_user("alice").get("/staff/suppliers?q=13987654321")
    assert _names(found.text) == [site.b.name]


async def test_a_supplier_is_found_by_its_credit_code_whole_or_part(
    site: Any, as_user: Any
) -> None:
    whole = await as_user("alice").get(f"/staff/suppliers?q={site.b.uscc.lower()}")
    part = await as_user("alice").get(f"/staff/suppliers?q={site.b.uscc[8:14]}")
    assert _names(whole.text) == [site.b.name] == _names(part.text)


async def test_a_supplier_is_found_by_a_part_of_its_name(site: Any, as_user: Any) -> None:
    found = await as_user("alice").get("/staff/suppliers?q=乙科技")
    assert _names(found.text) == [site.b.name]


async def test_a_search_that_matches_nothing_says_so(site: Any, as_user: Any) -> None:
    found = await as_user("alice").get(f"/staff/suppliers?q={make_uscc(77)}")
    assert _names(found.text) == []
    assert "没有找到与「" in found.text and "」匹配的供应商" in found.text


async def test_the_list_filters_by_state_and_validation(site: Any, as_user: Any) -> None:
    with site.services.engine.begin() as conn:
        conn.execute(
            update(SUPPLIER).where(SUPPLIER.c.id == site.b.id).values(lifecycle_state="blocked")
        )
    blocked = await as_user("alice").get("/staff/suppliers?state=blocked")
    assert _names(blocked.text) == [site.b.name]


async def test_a_supplier_user_cannot_open_the_staff_list(site: Any, as_user: Any) -> None:
    refused = await as_user("a").get("/staff/suppliers")
    assert refused.status_code == 403
