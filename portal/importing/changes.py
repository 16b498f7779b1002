"""An import row for a supplier we already have becomes a change request (channel import).

The row's bank accounts and contacts that are not on file, and invoicing details that
differ, are proposed through :func:`portal.changes.submit_change`, so they reach
the master record only after purchasing approves, like every other change.

Re-importing a file mostly repeats what is on file: :func:`unchanged_rows` tells those
rows apart for a whole batch from the blind indexes, in one query per table and without
decrypting, so only rows that may differ are loaded and compared one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from approvals import Channel, Entity
from approvals.proposals import EDITABLE
from portal.audit.log import AuditContext
from portal.changes import ChangeDeps, InvalidProposalError, Proposal, submit_change
from portal.db.sealing import Sealer
from portal.dedup.tables import BANK, CONTACT, INVOICING, chunks
from portal.domain.principal import Principal
from portal.domain.supplier import InvoicingProfile, Supplier

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


def _grouped(conn: Connection, query: Any, ids: Collection[str]) -> dict[str, list[Any]]:
    """Rows of ``query`` (first column: the supplier id) for these suppliers, by supplier."""
    found: dict[str, list[Any]] = {}
    for chunk in chunks(ids):
        for row in conn.execute(query.where(query.selected_columns[0].in_(chunk))):
            found.setdefault(row[0], []).append(row)
    return found


def _on_file(sealer: Sealer, kind: str, value: str | None, indexes: AbstractSet[str]) -> bool:
    return bool(value) and not indexes.isdisjoint(sealer.candidates(kind, value or ""))


def _invoicing_on_file(sealer: Sealer, wanted: InvoicingProfile, stored: Any) -> bool:
    """No field the row gives differs from the stored profile (as :func:`proposals_for`)."""
    for name in EDITABLE[Entity.INVOICING_PROFILE]:
        value = getattr(wanted, name)
        if not value:
            continue
        if stored is None:
            return False
        if name == "account_number":
            same = _on_file(sealer, "bank_account", value, {stored.account_number_bidx} - {None})
        elif name == "phone":
            opened = sealer.open("invoicing_profile", "phone", stored.id, stored.phone_enc)
            same = opened.error is None and opened.value == value
        else:
            same = getattr(stored, name) == value
        if not same:
            return False
    return True


def unchanged_rows(
    conn: Connection, sealer: Sealer, rows: Sequence[tuple[str, Supplier]]
) -> list[bool]:
    """For each (stored supplier id, the row as parsed): True when the row holds nothing
    the stored record lacks, so :func:`proposals_for` would find nothing to propose
    (False means "compare it": it may differ). Judged on blind indexes, one query per
    table for the batch; only an invoicing phone the row gives is decrypted."""
    ids = {sid for sid, _ in rows}
    accounts = _grouped(
        conn,
        select(BANK.c.supplier_id, BANK.c.account_number_bidx).where(BANK.c.retired.is_(False)),
        ids,
    )
    phones = _grouped(
        conn,
        select(CONTACT.c.supplier_id, CONTACT.c.phone_bidx).where(
            CONTACT.c.phone_bidx.is_not(None)
        ),
        ids,
    )
    wants_profile = {sid for sid, row in rows if row.invoicing_profile is not None}
    profiles = _grouped(conn, select(INVOICING.c.supplier_id, INVOICING), wants_profile)
    verdicts = []
    for sid, row in rows:
        on_account = {r.account_number_bidx for r in accounts.get(sid, ())}
        on_phone = {r.phone_bidx for r in phones.get(sid, ())}
        profile = profiles.get(sid, [None])[0]
        verdicts.append(
            all(
                _on_file(sealer, "bank_account", a.account_number, on_account)
                for a in row.bank_accounts
            )
            and all(_on_file(sealer, "phone", c.phone, on_phone) for c in row.contacts if c.phone)
            and (
                row.invoicing_profile is None
                or _invoicing_on_file(sealer, row.invoicing_profile, profile)
            )
        )
    return verdicts
