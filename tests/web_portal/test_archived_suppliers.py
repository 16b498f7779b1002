"""An archived (or merged) supplier's record is closed on the portal pages too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from portal.changes import list_changes
from portal.db.supplier_store import SUPPLIER


def _archive(site: Any, supplier_id: str) -> None:
    with site.services.engine.begin() as conn:
        conn.execute(
            update(SUPPLIER).where(SUPPLIER.c.id == supplier_id).values(lifecycle_state="archived")
        )


async def test_an_archived_supplier_cannot_propose_a_bank_change(site: Any, as_user: Any) -> None:
    account = site.a.bank_accounts[0].id
    _archive(site, site.a.id)
    refused = await as_user("a").post(
        f"/portal/bank-accounts/{account}", {"account_number": "6217000011112222333"},
        form_page=f"/portal/bank-accounts/{account}/edit",
    )  # fmt: skip
    assert refused.status_code == 422
    assert list_changes(site.deps, site.people["alice"], supplier_id=site.a.id) == []


async def test_approving_a_change_of_a_supplier_archived_meanwhile_changes_nothing(
    site: Any, as_user: Any
) -> None:
    contact = site.a.contacts[0].id
    proposed = await as_user("a").post(
        f"/portal/contacts/{contact}",
        {"role": "总监"},
        form_page=f"/portal/contacts/{contact}/edit",
    )
    assert proposed.status_code == 303
    request_id = proposed.headers["location"].rsplit("/", 1)[-1]
    _archive(site, site.a.id)
    page = f"/staff/changes/{request_id}"
    refused = await as_user("alice").post(f"{page}/approve", {}, form_page=page)
    assert refused.status_code == 422
    with site.services.engine.connect() as conn:
        supplier = site.services.suppliers.get(conn, site.a.id)
    assert supplier is not None and supplier.contacts[0].role == "财务"
