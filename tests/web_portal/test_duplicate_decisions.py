""" "Not the same company" is one act whatever the channel: the same permission check
and the same audit entry from the staff page and from the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.audit.log import ENTRY
from portal.db.supplier_store import RowBatch
from portal.dedup.tables import DECISION
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.identity.api_clients import create_client

from .conftest import T0

FORM_PAGE = "/staff/data-health"


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
