"""Whom a supervisor may call back about a change request, as the approval page shows it.

The rule is :func:`approvals.call_back_candidates`; this module only loads what it needs
(the supplier's contacts, and its open or applied requests that touch contacts) and pairs
each candidate with the contact for display. The approve use case uses the same
:func:`candidates_for`, so the page and the check cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from approvals import (
    CallBackCandidate,
    ChangeRequest,
    ContactOnFile,
    Entity,
    Status,
    call_back_candidates,
)
from portal.changes.records import FIELD, OPEN, REQUEST
from portal.domain.supplier import Contact, Supplier

if TYPE_CHECKING:
    from portal.changes.deps import ChangeDeps

__all__ = ["CallBackOption", "CallBackOptions", "call_back_options", "candidates_for"]


@dataclass(frozen=True)
class CallBackOption:
    contact: Contact
    candidate: CallBackCandidate


@dataclass(frozen=True)
class CallBackOptions:
    """What the first approver of ``request`` may record as a call-back."""

    required: bool  # the first approval needs a confirming call-back (bank changes)
    accepted: bool  # a call-back may be recorded (required, or standing in for an approver)
    options: tuple[CallBackOption, ...]

    @property
    def eligible(self) -> tuple[CallBackOption, ...]:
        return tuple(o for o in self.options if o.candidate.eligible)

    @property
    def blocked(self) -> bool:
        """A call-back is required and no contact on file may receive it."""
        return self.required and not self.eligible


def _history(conn: Connection, request: ChangeRequest, deps: ChangeDeps) -> list[ChangeRequest]:
    """The supplier's open and applied requests that touch a contact (not ``request``)."""
    statuses = [s.value for s in (*OPEN, Status.APPLIED)]
    ids = conn.execute(
        select(REQUEST.c.id)
        .distinct()
        .join(FIELD, FIELD.c.request_id == REQUEST.c.id)
        .where(
            REQUEST.c.supplier_id == request.supplier_id,
            REQUEST.c.status.in_(statuses),
            REQUEST.c.id != request.id,
            FIELD.c.entity == Entity.CONTACT.value,
        )
    ).scalars()
    return deps.records.load(conn, list(ids))


def candidates_for(
    deps: ChangeDeps, conn: Connection, request: ChangeRequest, supplier: Supplier | None
) -> tuple[CallBackCandidate, ...]:
    """Every contact of ``supplier`` with why it may not receive the call-back (if so)."""
    contacts = [
        ContactOnFile(c.id, has_phone=bool(c.phone))
        for c in (supplier.contacts if supplier else ())
        if c.id is not None
    ]
    return call_back_candidates(
        request,
        contacts,
        _history(conn, request, deps),
        now=deps.clock(),
        cooling_off=deps.cooling_off,
    )


def call_back_options(deps: ChangeDeps, request: ChangeRequest) -> CallBackOptions:
    """The call-back part of the approval form for ``request`` (from :func:`get_change`,
    which decided that the caller may see it)."""
    rule = deps.current_policy().rule_for(request)
    first = not request.approvals
    with deps.engine.connect() as conn:
        supplier = deps.suppliers.get(conn, request.supplier_id)
        candidates = candidates_for(deps, conn, request, supplier) if first else ()
    by_id = {c.id: c for c in supplier.contacts} if supplier else {}
    return CallBackOptions(
        required=first and rule.call_back_required,
        accepted=first and rule.call_back_accepted,
        options=tuple(CallBackOption(by_id[c.contact_id], c) for c in candidates),
    )
