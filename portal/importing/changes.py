"""An import row for a supplier we already have becomes a change request (channel import).

The row's bank accounts and contacts that are not on file, and invoicing details that
differ, are proposed through :func:`portal.changes.submit_change`, so they reach
the master record only after purchasing approves, like every other change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from approvals import Channel, Entity
from approvals.proposals import EDITABLE
from portal.audit.log import AuditContext
from portal.changes import ChangeDeps, InvalidProposalError, Proposal, submit_change
from portal.domain.principal import Principal
from portal.domain.supplier import Supplier

#: (stored supplier id, the row as parsed) -> the change request id, or None when nothing differs
ProposeChanges = Callable[[str, Supplier], str | None]


def _values(row: object, entity: Entity) -> dict[str, str | None]:
    """The editable fields of a row of the import (see :mod:`portal.domain.fields`)."""
    return {name: getattr(row, name) for name in EDITABLE[entity]}


def proposals_for(stored: Supplier, row: Supplier) -> list[Proposal]:
    """What the row says that the stored record does not (never removes anything)."""
    proposals: list[Proposal] = []
    on_file = {a.account_number for a in stored.bank_accounts if not a.retired}
    for account in row.bank_accounts:
        if account.account_number not in on_file:
            proposals.append(
                Proposal(Entity.BANK_ACCOUNT, None, _values(account, Entity.BANK_ACCOUNT))
            )
    phones = {c.phone for c in stored.contacts if c.phone}
    for contact in row.contacts:
        if contact.phone and contact.phone not in phones:
            proposals.append(Proposal(Entity.CONTACT, None, _values(contact, Entity.CONTACT)))
    wanted, current = row.invoicing_profile, stored.invoicing_profile
    if wanted is not None and stored.id is not None:
        differs = {
            f: getattr(wanted, f)
            for f in EDITABLE[Entity.INVOICING_PROFILE]
            if getattr(wanted, f) and getattr(wanted, f) != getattr(current, f, None)
        }
        if differs:
            proposals.append(Proposal(Entity.INVOICING_PROFILE, stored.id, differs))
    return proposals


@dataclass
class ImportChangeProposer:
    """Submits the differences of import rows as change requests by ``requester``."""

    deps: ChangeDeps
    requester: Principal
    ctx: AuditContext

    def __call__(self, supplier_id: str, row: Supplier) -> str | None:
        with self.deps.engine.connect() as conn:
            stored = self.deps.suppliers.get(conn, supplier_id)
        if stored is None:
            return None
        proposals = proposals_for(stored, row)
        if not proposals:
            return None
        try:
            change = submit_change(
                self.deps, self.ctx, self.requester, supplier_id, proposals, channel=Channel.IMPORT
            )
        except InvalidProposalError:
            return None  # nothing the approval flow would accept as a change
        return change.id
