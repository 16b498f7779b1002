"""Purchasing proposes a change for a supplier: :func:`propose_on_behalf`.

The request is an ordinary change request (channel ``staff``): the same diff, risk flags,
approval policy and audit entries as the supplier's own; the approval policy refuses the
proposer as an approver of their own request, so somebody else decides.
"""

from __future__ import annotations

from collections.abc import Sequence

from approvals import ChangeRequest, Channel
from approvals.proposals import Proposal
from portal.audit.log import AuditContext
from portal.changes.deps import PROPOSERS, ChangeDeps
from portal.changes.errors import NotAllowedError
from portal.changes.submit import submit_change
from portal.domain.principal import Principal, Role

__all__ = ["STAFF_PROPOSERS", "propose_on_behalf"]

#: Staff who may propose for a supplier (not finance, not auditors, not suppliers).
STAFF_PROPOSERS = PROPOSERS - {Role.SUPPLIER}


def propose_on_behalf(
    deps: ChangeDeps,
    ctx: AuditContext,
    by: Principal,
    supplier_id: str,
    proposals: Sequence[Proposal],
) -> ChangeRequest:
    """Submit ``proposals`` for the supplier as staff; the request goes to approval."""
    if by.role not in STAFF_PROPOSERS:
        raise NotAllowedError(f"role {by.role.value} may not propose changes for a supplier")
    return submit_change(deps, ctx, by, supplier_id, proposals, channel=Channel.STAFF)
