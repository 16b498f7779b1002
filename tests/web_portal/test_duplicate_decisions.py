""" "Not the same company" is one act whatever the channel: the same permission check
and the same audit entry from the staff page and from the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from portal.audit.log import ENTRY
from portal.db.supplier_store import RowBatch
from portal.dedup.tables import DECISION, PAIR
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.identity.api_clients import create_client

from .conftest import T0

FORM_PAGE = "/staff/duplicates"


def _twin_of_a(site: Any) -> str:
    """A third supplier paid into supplier A's bank account."""
    account = site.a.bank_accounts[0].account_number
    name = "杭州同账贸易有限公司"
    twin = Supplier(
        uscc=make_uscc(13),
        name=name,
        address="杭州市示例路9号",
        bank_accounts=(BankAccount("中国银行杭州分行", account, name, is_default=True),),
    )
    batch = RowBatch()
    twin_id = site.services.suppliers.add_to_batch(batch, twin, T0)
    with site.services.engine.begin() as conn:
        site.services.suppliers.insert_batch(conn, batch)
    return str(twin_id)


def _bearer(site: Any, role: Role) -> dict[str, str]:
    token = create_client(site.services.engine, f"t-{role}", role, can_reveal=False, now=T0)
    return {"Authorization": f"Bearer {token}"}


def _decisions(site: Any) -> list[tuple[str, str]]:
    with site.services.engine.connect() as conn:
        entries = conn.execute(
            select(ENTRY.c.actor, ENTRY.c.after).where(ENTRY.c.action == "duplicate.not_the_same")
        ).all()
        decided = conn.execute(select(DECISION)).all()
    assert len(decided) == len(entries)
    return [(e.actor, e.after) for e in entries]


async def test_not_the_same_from_the_staff_page_is_audited(site: Any, as_user: Any) -> None:
    pair = {"a_id": site.a.id, "b_id": site.b.id}
    done = await as_user("alice").post("/staff/duplicates/not-the-same", pair, form_page=FORM_PAGE)
    assert done.status_code == 303
    assert _decisions(site) == [("u-alice", site.b.id)]


async def test_not_the_same_from_the_api_is_audited(site: Any, client: Any) -> None:
    pair = {"a_id": site.a.id, "b_id": site.b.id}
    headers = _bearer(site, Role.PURCHASING_SUPERVISOR)
    done = await client.post("/api/v1/duplicates/not-the-same", json=pair, headers=headers)
    assert done.status_code == 201, done.text
    [(actor, after)] = _decisions(site)
    assert actor.endswith("t-purchasing_supervisor") and after == site.b.id


async def test_a_clerk_cannot_dismiss_a_shared_bank_account_from_the_staff_page(
    site: Any, as_user: Any
) -> None:
    pair = {"a_id": site.a.id, "b_id": _twin_of_a(site)}
    refused = await as_user("clerk").post(
        "/staff/duplicates/not-the-same", pair, form_page=FORM_PAGE
    )
    assert refused.status_code == 403
    assert _decisions(site) == []


async def test_a_clerk_gets_the_same_answer_from_the_page_and_the_api(
    site: Any, as_user: Any, client: Any
) -> None:
    clerk = _bearer(site, Role.PURCHASING_CLERK)
    shared = {"a_id": site.a.id, "b_id": _twin_of_a(site)}
    by_api = await client.post("/api/v1/duplicates/not-the-same", json=shared, headers=clerk)
    by_page = await as_user("clerk").post(
        "/staff/duplicates/not-the-same", shared, form_page=FORM_PAGE
    )
    assert (by_api.status_code, by_page.status_code) == (403, 403)
    different = {"a_id": site.a.id, "b_id": site.b.id}
    by_api = await client.post("/api/v1/duplicates/not-the-same", json=different, headers=clerk)
    assert by_api.status_code == 201, by_api.text
    [(actor, after)] = _decisions(site)
    assert actor.endswith("t-purchasing_clerk") and after == site.b.id


def _pairs(site: Any, count: int) -> None:
    """``count`` likely duplicates, each a new supplier sharing a name with another."""
    store, batch = site.services.suppliers, RowBatch()
    ids = [
        store.add_to_batch(batch, Supplier(uscc=make_uscc(500 + i), name=f"苏州丁{i // 2:03d}有限公司"), T0)
        for i in range(2 * count)
    ]  # fmt: skip
    rows = [
        {"a_id": min(a, b), "b_id": max(a, b), "code": "duplicate.name", "matched": "name",
         "score": 0.5 + i / 1000, "evidence": "{}", "found_at": T0}
        for i, (a, b) in enumerate(zip(ids[::2], ids[1::2], strict=True))
    ]  # fmt: skip
    with site.services.engine.begin() as conn:
        store.insert_batch(conn, batch)
        conn.execute(insert(PAIR), rows)


async def test_every_open_duplicate_can_be_reached_page_by_page(site: Any, as_user: Any) -> None:
    _pairs(site, 60)
    first = await as_user("alice").get(FORM_PAGE)
    assert "共 60 条" in first.text and first.text.count('class="not-same"') == 50
    second = await as_user("alice").get(f"{FORM_PAGE}?page=2")
    assert "第 51–60 条" in second.text and "苏州丁000有限公司" in second.text


async def test_duplicates_are_found_by_the_name_of_either_supplier(site: Any, as_user: Any) -> None:
    _pairs(site, 30)
    found = await as_user("alice").get(f"{FORM_PAGE}?q=丁007")
    assert "共 1 条" in found.text and "苏州丁007有限公司" in found.text
