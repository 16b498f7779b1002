"""Registry events become action: :func:`follow_registry_events`, called by each
verification (:func:`portal.verification.verify.verify_supplier_now`) in its transaction.

When the registry shows the supplier deregistered or revoked, names another legal
representative, or the tax bureau lists it abnormal, payments to it are held (the
payment check reads the supplier's status and field states) and, once per event:

* a ``hold_finding`` row says what was seen and since when (the payment check's "since");
* a **draft** change request, prefilled with the registry's new values, asks the supplier
  to confirm the new facts; it reaches the master record only through the normal review
  once the supplier submits it (:func:`portal.changes.confirm_registry_facts`);
* the supplier's people are told (outbox), and the act is audited
  (``registry_event.opened``).

A later run that sees the same facts adds nothing. When the facts agree again (the
company trades, the tax status is normal, the legal representative matches) the finding
is resolved, a draft nobody submitted is withdrawn, and ``registry_event.closed`` is
audited. A source that did not answer changes nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from approvals import ChangeKind, ChangeRequest, Channel, Entity, FieldChange, Status
from portal.audit.log import AuditContext, AuditLog
from portal.changes.confirm_facts import REQUESTER
from portal.changes.records import ChangeRecords
from portal.db.hold_tables import HoldFindingRow
from portal.db.tables import table_of
from portal.domain.status import TaxStatus
from portal.domain.supplier import Supplier
from portal.notifications.content import link, render
from portal.notifications.messages import supplier_people
from portal.notifications.recipients import Recipient, Rendered, notify
from verification.model import Answers, State, VerificationResult

__all__ = ["EVENTS", "HOLD", "REQUESTER", "RegistryEvent", "follow_registry_events"]

HOLD = table_of(HoldFindingRow)


@dataclass(frozen=True)
class RegistryEvent:
    """Words and the field a draft proposes, per kind of event."""

    code: str
    field_name: str
    zh: str
    en: str


EVENTS = {
    e.code: e
    for e in (
        RegistryEvent(
            "registry.inactive", "registry_status",
            "工商登记状态为「{after}」，付款已暂停，请供应商确认",
            "the registry shows the company as 「{after}」; payments are held until the "
            "supplier confirms",
        ),
        RegistryEvent(
            "registry.legal_rep_changed", "legal_representative",
            "工商登记的法定代表人为「{after}」，档案为「{before}」，付款已暂停，请供应商确认",
            "the registry names 「{after}」 as legal representative, our record 「{before}」; "
            "payments are held until the supplier confirms",
        ),
        RegistryEvent(
            "tax.abnormal", "tax_status",
            "税务状态为非正常户，付款已暂停，请供应商确认",
            "the tax bureau lists the company as abnormal (非正常户); payments are held until "
            "the supplier confirms",
        ),
    )
}  # fmt: skip


def _seen(supplier: Supplier, result: VerificationResult, answers: Answers) -> dict[str, bool]:
    """Per event code: True seen now, False the facts agree, absent: no answer."""
    seen: dict[str, bool] = {}
    record, tax = answers.record, answers.tax_status
    if record is not None:
        seen["registry.inactive"] = record.status.is_inactive
    rep = result.fields.get("legal_representative")
    if rep is not None and rep.state in (State.MISMATCH, State.VERIFIED):
        seen["registry.legal_rep_changed"] = rep.state is State.MISMATCH
    if tax is not None and tax.status in (TaxStatus.NORMAL, TaxStatus.ABNORMAL):
        seen["tax.abnormal"] = tax.status is TaxStatus.ABNORMAL
    return seen


def _new_values(supplier: Supplier, answers: Answers) -> dict[str, tuple[str | None, str]]:
    """(our record, the authority's) of each event's field."""
    record, tax = answers.record, answers.tax_status
    values: dict[str, tuple[str | None, str]] = {}
    if record is not None:
        values["registry.inactive"] = (supplier.registry_status.value, record.status.value)
        values["registry.legal_rep_changed"] = (
            supplier.legal_representative,
            record.legal_representative,
        )
    if tax is not None:
        values["tax.abnormal"] = (supplier.tax_status.value, tax.status.value)
    return values


def follow_registry_events(
    conn: Connection,
    audit: AuditLog,
    ctx: AuditContext,
    supplier: Supplier,
    result: VerificationResult,
    answers: Answers,
    *,
    now: datetime,
    public_url: str = "",
) -> list[str]:
    """Open or close the supplier's registry events (see the module docstring); returns
    the codes opened or closed, as ``+code`` / ``-code``."""
    sid = supplier.id or ""
    open_rows = {
        r.code: r
        for r in conn.execute(
            select(HOLD).where(
                HOLD.c.supplier_id == sid,
                HOLD.c.status == "open",
                HOLD.c.code.in_(sorted(EVENTS)),
            )
        )
    }
    values = _new_values(supplier, answers)
    done: list[str] = []
    for code, now_seen in _seen(supplier, result, answers).items():
        row = open_rows.get(code)
        if now_seen and row is None:
            _open(conn, audit, ctx, supplier, EVENTS[code], values[code], now, public_url)
            done.append(f"+{code}")
        elif not now_seen and row is not None:
            _close(conn, audit, ctx, sid, row, now)
            done.append(f"-{code}")
    return done


def _open(
    conn: Connection,
    audit: AuditLog,
    ctx: AuditContext,
    supplier: Supplier,
    event: RegistryEvent,
    before_after: tuple[str | None, str],
    now: datetime,
    public_url: str,
) -> None:
    sid = supplier.id or ""
    before, after = before_after
    draft = ChangeRequest(
        id=str(uuid.uuid4()),
        supplier_id=sid,
        kind=ChangeKind.SUPPLIER_PROFILE,
        channel=Channel.PORTAL,
        requested_by=REQUESTER,
        requester_role="system",
        requested_at=now,
        base_version=supplier.version,
        changes=(FieldChange(Entity.SUPPLIER, sid, event.field_name, before, after),),
    )
    ChangeRecords(audit.sealer).insert(conn, draft, approvals_required=1)
    words = {"before": before or "—", "after": after}
    conn.execute(
        insert(HOLD).values(
            id=str(uuid.uuid4()),
            supplier_id=sid,
            code=event.code,
            subject_id="",
            message_en=event.en.format(**words),
            message_zh=event.zh.format(**words),
            evidence=json.dumps(
                {"field": event.field_name, "record": before, "registry": after},
                ensure_ascii=False,
            ),
            opened_at=now,
            status="open",
            change_request_id=draft.id,
        )
    )
    audit.record(
        conn, ctx, "registry_event.opened", subject_type="supplier", subject_id=sid,
        field_name=event.field_name, before=before, after=json.dumps(
            {"event": event.code, "registry": after, "draft": draft.id}, ensure_ascii=False
        ), now=now,
    )  # fmt: skip
    url = link(public_url, f"/portal/changes/{draft.id}")

    def message(reader: Recipient) -> Rendered:
        what = event.zh if reader.language == "zh" else event.en
        values = {"supplier": supplier.name, "what": what.format(**words), "url": url}
        return render("registry_facts_to_confirm", reader, values)

    notify(conn, "registry_facts_to_confirm", supplier_people(conn, sid), message, now=now)


def _close(
    conn: Connection, audit: AuditLog, ctx: AuditContext, sid: str, row: object, now: datetime
) -> None:
    row_id = getattr(row, "id", "")
    request_id = getattr(row, "change_request_id", None)
    conn.execute(update(HOLD).where(HOLD.c.id == row_id).values(status="resolved", resolved_at=now))
    withdrawn = False
    records = ChangeRecords(audit.sealer)
    draft = records.get(conn, request_id) if request_id else None
    if draft is not None and draft.status is Status.DRAFT:
        revision = records.revision(conn, draft.id) or 1
        closed, _ = draft.withdraw(REQUESTER, now)
        withdrawn = records.save_transition(conn, draft, closed, revision)
    audit.record(
        conn, ctx, "registry_event.closed", subject_type="supplier", subject_id=sid,
        field_name=getattr(row, "code", ""),
        after=json.dumps({"draft": request_id, "draft_withdrawn": withdrawn}), now=now,
    )  # fmt: skip
