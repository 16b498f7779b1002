"""The rules of proposing hold in the use case, whatever the channel: an archived (or
merged) supplier takes no changes, and a proposal speaks of its own supplier's record only.

The channels themselves (portal form, API, import) are walked in
``tests/web_portal/test_archived_suppliers.py``, ``test_change_api.py`` and
``tests/portal/test_import_changes.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, update

from approvals import Channel, Entity
from portal.changes import (
    ChangeDeps,
    Proposal,
    SupplierArchivedError,
    UnknownEntityError,
    approve_change,
    list_changes,
    propose_merge,
    submit_change,
)
from portal.db.supplier_store import SUPPLIER


def archive(engine: Engine, supplier_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(SUPPLIER).where(SUPPLIER.c.id == supplier_id).values(lifecycle_state="archived")
        )


@pytest.mark.parametrize("channel", [Channel.PORTAL, Channel.STAFF, Channel.API, Channel.IMPORT])
def test_an_archived_supplier_takes_no_change_on_any_channel(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine, channel: Channel
) -> None:
    archive(engine, world.a.id)
    with pytest.raises(SupplierArchivedError):
        submit_change(deps, ctx(world.clerk), world.clerk, world.a.id,
                      [Proposal(Entity.SUPPLIER, world.a.id, {"address": "新地址"})],
                      channel=channel)  # fmt: skip
    assert list_changes(deps, world.alice, supplier_id=world.a.id) == []


def test_a_change_approved_after_its_supplier_was_archived_is_not_applied(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    request = submit_change(deps, ctx(world.clerk), world.clerk, world.a.id,
                            [Proposal(Entity.SUPPLIER, world.a.id, {"address": "新地址"})],
                            channel=Channel.STAFF)  # fmt: skip
    archive(engine, world.a.id)
    with pytest.raises(SupplierArchivedError):
        approve_change(deps, ctx(world.alice), world.alice, request.id)
    with engine.connect() as conn:
        supplier = deps.suppliers.get(conn, world.a.id)
    assert supplier is not None and supplier.address == world.a.address


def test_an_archived_supplier_cannot_be_merged_again(
    deps: ChangeDeps, world: Any, ctx: Any, engine: Engine
) -> None:
    archive(engine, world.b.id)
    with pytest.raises(SupplierArchivedError):
        propose_merge(deps, ctx(world.clerk), world.clerk, world.a.id, world.b.id)


@pytest.mark.parametrize("entity", [Entity.SUPPLIER, Entity.INVOICING_PROFILE])
@pytest.mark.parametrize("channel", [Channel.PORTAL, Channel.API, Channel.IMPORT])
def test_a_proposal_cannot_carry_another_suppliers_id(
    deps: ChangeDeps, world: Any, ctx: Any, entity: Entity, channel: Channel
) -> None:
    values = {"address": "北京市另一个地址"}
    with pytest.raises(UnknownEntityError):
        submit_change(deps, ctx(world.clerk), world.clerk, world.a.id,
                      [Proposal(entity, world.b.id, values)], channel=channel)  # fmt: skip
    assert list_changes(deps, world.alice) == []
