"""Change requests by API (channel ``api``): what an ERP or a purchasing tool proposes goes
through the same approval flow as a supplier's own change in the portal.

``POST /api/v1/changes`` with a bearer token of a purchasing role, ``GET
/api/v1/changes/{id}`` to follow it. Errors come back as JSON with the status of the
area's table (404, 409, 422, ...).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from msgspec import to_builtins

from approvals import ChangeRequest, Channel, Entity
from portal.changes import Proposal, get_change, submit_change, supplier_id_for
from portal.domain import foreign_tax
from portal.domain.errors import DomainValidationError
from portal.domain.principal import Role
from portal.web.api_docs import API_SECURITY
from portal.web.api_models import ChangeRequestIn, ChangeRequestView, typed
from portal.web.context import audit_context
from portal.web.portal_area import PortalDep
from portal.web.security import principal_of, requires

PROPOSING = (Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN)
READING = (*PROPOSING, Role.FINANCE, Role.AUDITOR)


class ProposalInputError(DomainValidationError):
    """The request body does not describe a change; permanent."""


def _proposals(body: dict[str, Any]) -> list[Proposal]:
    items = body.get("proposals")
    if not isinstance(items, list) or not items:
        raise ProposalInputError("give proposals: a list of {entity, entity_id, values, remove}")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ProposalInputError(f"proposal {i} is not an object")
        try:
            entity = Entity(str(item.get("entity")))
        except ValueError as exc:
            known = ", ".join(e.value for e in Entity)
            raise ProposalInputError(f"proposal {i}: entity must be one of {known}") from exc
        values = item.get("values") or {}
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in values.items()
        ):
            raise ProposalInputError(f"proposal {i}: values must map field names to strings")
        entity_id = item.get("entity_id")
        out.append(Proposal(entity, entity_id if isinstance(entity_id, str) else None, values,
                            remove=bool(item.get("remove"))))  # fmt: skip
    return out


def change_view(change: ChangeRequest) -> dict[str, Any]:
    """JSON view of a change request (sensitive before/after stay masked in the audit sense:
    only their presence is shown)."""
    return {
        "id": change.id,
        "supplier_id": change.supplier_id,
        "kind": change.kind.value,
        "channel": change.channel.value,
        "status": change.status.value,
        "base_version": change.base_version,
        "changes": [
            {"entity": c.entity, "entity_id": c.entity_id, "field": c.field_name,
             "sensitive": c.sensitive,
             "before": None if c.sensitive else c.before, "after": None if c.sensitive else c.after}
            for c in change.changes
        ],
        "findings": [{"code": f.code} for f in change.findings],
        "risk_flags": [{"code": f.code, "message_en": f.message_en, "message_zh": f.message_zh}
                       for f in change.risk_flags],
        "approvals": len(change.approvals),
    }  # fmt: skip


class ChangeApi(Controller):
    """Propose and follow changes to a supplier's master data."""

    path = "/api/v1/changes"
    tags = ["changes"]  # noqa: RUF012
    security = API_SECURITY

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(*PROPOSING)],
        status_code=201,
        operation_id="proposeChange",
        summary="Propose a change to a supplier (goes through approval)",
    )
    def propose(
        self, request: Request[Any, Any, Any], portal: PortalDep, data: JSONBody[ChangeRequestIn]
    ) -> ChangeRequestView:
        """Body: ``{"supplier_uscc": "...", "proposals": [{"entity": "bank_account",
        "entity_id": null, "values": {...}}]}``; answers the pending change request.
        Send an ``Idempotency-Key`` header to make a retry safe."""
        code = foreign_tax.supplier_number(data.supplier_uscc)
        me = principal_of(request)
        change = submit_change(
            portal.changes, audit_context(request), me, supplier_id_for(portal.changes, me, code),
            _proposals(to_builtins(data)), channel=Channel.API,
        )  # fmt: skip
        return typed(change_view(change), ChangeRequestView)

    @get(
        "/{request_id:str}",
        sync_to_thread=True,
        guards=[requires(*READING)],
        operation_id="getChange",
        summary="Where a change request stands",
    )
    def follow(
        self, request: Request[Any, Any, Any], portal: PortalDep, request_id: FromPath[str]
    ) -> ChangeRequestView:
        """Where a change request stands."""
        view = change_view(get_change(portal.changes, principal_of(request), request_id))
        return typed(view, ChangeRequestView)
