"""What every change use case shares: its collaborators, who sees what, and the audit of
an act's events.

Each use case (:mod:`~portal.changes.submit`, :mod:`~portal.changes.review`,
:mod:`~portal.changes.apply`, :mod:`~portal.changes.merge`) opens one transaction that
holds the request's state, the master-data writes, the audit entries and the side
effects that follow from the act's events (:func:`portal.changes.effects.follow`).

Concurrency: a review act first takes the write lock on the request row (see
:meth:`ChangeRecords.lock`), then stores its transition only ``WHERE revision = <read>``;
applying bumps the supplier with ``WHERE version = base_version`` and closes the request
``WHERE status = 'approved'``. Two supervisors approving at the same moment therefore
apply the request exactly once; the later one gets :class:`InvalidTransitionError`
(409) or, if the guard ever misses, :class:`ConcurrentReviewError` (409).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine

from approvals import (
    DEFAULT_POLICY,
    ApprovalPolicy,
    CallBackOutcome,
    ChangeEvent,
    ChangeRequest,
    RiskSettings,
    StepUpRule,
)
from approvals.events import event_detail
from approvals.payment_hold import DEFAULT_COOLING_OFF
from portal.audit.log import AuditContext, AuditLog
from portal.changes.errors import ChangeNotFoundError, SupplierNotFoundError
from portal.changes.hold import HoldStore
from portal.changes.master import SupplierRows
from portal.changes.policy_edits import effective_policy
from portal.changes.records import ChangeRecords
from portal.changes.writer import ChangeWriter
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.domain.principal import Principal, Role
from portal.notifications.messages import Notifier, RecordingNotifier

__all__ = [
    "PROPOSERS",
    "CallBackInput",
    "ChangeDeps",
    "audit_events",
    "lock_visible",
    "utc_now",
    "visible",
    "visible_supplier",
]

#: Who may propose changes at all (suppliers only for their own record).
PROPOSERS = frozenset(
    {Role.SUPPLIER, Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN}
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ChangeDeps:
    """The collaborators of the use cases (built in the area factory or in tests)."""

    engine: Engine
    suppliers: SupplierStore
    audit: AuditLog
    notifier: Notifier = field(default_factory=RecordingNotifier)
    policy: ApprovalPolicy = DEFAULT_POLICY
    risk: RiskSettings = field(default_factory=RiskSettings)
    cooling_off: timedelta = DEFAULT_COOLING_OFF
    clock: Callable[[], datetime] = utc_now
    step_up: StepUpRule | None = None  # None: no fresh two-factor login asked of approvers
    records: ChangeRecords = field(init=False)
    writer: ChangeWriter = field(init=False)
    master: SupplierRows = field(init=False, default_factory=SupplierRows)
    holds: HoldStore = field(init=False, default_factory=HoldStore)

    def __post_init__(self) -> None:
        self.records = ChangeRecords(self.sealer)
        self.writer = ChangeWriter(self.sealer)

    @property
    def sealer(self) -> Sealer:
        return self.suppliers.sealer

    def policy_in(self, conn: Connection) -> ApprovalPolicy:
        """The approval policy in force: the admin's newest edit, else ``policy`` (the
        file's or the built-in default)."""
        return effective_policy(conn, self.policy)

    def current_policy(self) -> ApprovalPolicy:
        """:meth:`policy_in` on a connection of its own (for pages that only read)."""
        with self.engine.connect() as conn:
            return self.policy_in(conn)


@dataclass(frozen=True)
class CallBackInput:
    """What the first approver of a bank change records: whom they called, the outcome.

    The masked phone number is taken from the contact on file, not typed in.
    """

    contact_id: str
    outcome: CallBackOutcome
    note: str = ""
    called_at: datetime | None = None


def visible_supplier(viewer: Principal, supplier_id: str) -> None:
    """Raise :class:`SupplierNotFoundError` unless ``viewer`` may see this supplier."""
    if viewer.role is Role.SUPPLIER and viewer.supplier_id != supplier_id:
        raise SupplierNotFoundError(supplier_id)


def visible(viewer: Principal, request: ChangeRequest | None, request_id: str) -> ChangeRequest:
    """``request`` if ``viewer`` may see it, else :class:`ChangeNotFoundError`."""
    if request is None or (
        viewer.role is Role.SUPPLIER and viewer.supplier_id != request.supplier_id
    ):
        raise ChangeNotFoundError(request_id)
    return request


def lock_visible(
    deps: ChangeDeps, conn: Connection, viewer: Principal, request_id: str
) -> tuple[ChangeRequest, int]:
    """Lock the request row, then load it and its revision (for a review act)."""
    if not deps.records.lock(conn, request_id):
        raise ChangeNotFoundError(request_id)
    revision = deps.records.revision(conn, request_id)
    request = visible(viewer, deps.records.get(conn, request_id), request_id)
    assert revision is not None
    return request, revision


def audit_events(
    deps: ChangeDeps,
    conn: Connection,
    ctx: AuditContext,
    events: Sequence[ChangeEvent],
    now: datetime,
) -> None:
    """One audit entry per event, saying what :func:`approvals.events.event_detail` says."""
    for event in events:
        deps.audit.record(
            conn,
            ctx,
            event.name,
            subject_type="change_request",
            subject_id=event.request_id,
            after=json.dumps(event_detail(event), ensure_ascii=False, sort_keys=True),
            now=now,
        )
