"""Change requests: the only way anything reaches a supplier's master record.

Use cases, named for what people do (each opens its transaction, writes the audit entry
of its act and returns the request):

- :func:`submit_change`, :func:`withdraw_change` (:mod:`.submit`): every channel proposes
  through the same rules;
- :func:`approve_change`, :func:`reject_change` (:mod:`.review`): the approval that
  completes the policy applies the request;
- :func:`apply_change` (:mod:`.apply`); :func:`propose_merge` (:mod:`.merge`);
- :func:`get_change`, :func:`list_changes` (:mod:`.reading`);
  :func:`payment_hold` (:mod:`.hold`).

The rules themselves are pure and live in :mod:`approvals` (the state machine, the
policy, risk flags, the proposal diff in :mod:`approvals.proposals`); what follows an act
is the table in :mod:`.effects`; the stores are :mod:`.records` (requests),
:mod:`.master` (the supplier row's version), :mod:`.hold` and :mod:`.writer`. Errors
are drawn in :mod:`.errors`.
"""

from approvals.proposals import Proposal
from portal.changes.apply import apply_change
from portal.changes.confirm_facts import confirm_registry_facts
from portal.changes.deps import CallBackInput, ChangeDeps, visible_supplier
from portal.changes.errors import (
    ChangeNotFoundError,
    ConcurrentReviewError,
    InvalidProposalError,
    NotAllowedError,
    SupplierArchivedError,
    SupplierNotFoundError,
    UnknownEntityError,
)
from portal.changes.hold import payment_hold, payment_holds
from portal.changes.merge import MERGED_FROM, propose_merge
from portal.changes.reading import get_change, list_changes, supplier_id_for, supplier_names
from portal.changes.review import approve_change, reject_change
from portal.changes.submit import submit_change, withdraw_change

__all__ = [
    "MERGED_FROM",
    "CallBackInput",
    "ChangeDeps",
    "ChangeNotFoundError",
    "ConcurrentReviewError",
    "InvalidProposalError",
    "NotAllowedError",
    "Proposal",
    "SupplierArchivedError",
    "SupplierNotFoundError",
    "UnknownEntityError",
    "apply_change",
    "approve_change",
    "confirm_registry_facts",
    "get_change",
    "list_changes",
    "payment_hold",
    "payment_holds",
    "propose_merge",
    "reject_change",
    "submit_change",
    "supplier_id_for",
    "supplier_names",
    "visible_supplier",
    "withdraw_change",
]
