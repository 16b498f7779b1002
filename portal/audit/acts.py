"""Acts that are audited because of what they let someone see or take away.

Each function is a use case that owns its transaction: the entry is committed before the
caller hands anything out, so no export, reveal or session exists without its trace. If it
raises, the caller must not go on. Sensitive details (filters that name a supplier, the
reason a login failed) stay short; values themselves are never written here.

Every action the portal records must be declared in :data:`AUDITED_ACTS` first
(``tests/audit/test_acts.py`` fails on an undeclared one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Engine

from approvals.audit import AuditEntry
from portal.audit.errors import AuditConfigError
from portal.audit.log import AuditContext, AuditLog

__all__ = [
    "AUDITED_ACTS",
    "ExportKind",
    "record_document_reveal",
    "record_export",
    "record_login",
    "record_login_failure",
    "record_logout",
    "record_value_reveal",
]


class ExportKind(StrEnum):
    """What left the portal in bulk."""

    AUDIT_LOG = "audit_log"  # portal audit export
    FINANCE_SUPPLIERS = "finance_suppliers"  # the finance API / CSV / XLSX export
    SUPPLIER_LIST = "supplier_list"  # staff list downloads


#: action -> what it means; one line per act the portal records.
AUDITED_ACTS: Mapping[str, str] = {
    "login.succeeded": "a person signed in",
    "login.failed": "a sign-in was refused (field_name: reason)",
    "logout": "a person signed out",
    "logout.provider": "the identity provider signed a person out; their sessions ended",
    "session.revoked": "a person's sessions were revoked",
    "account.disabled": "a user account was disabled",
    "account.enabled": "a user account was enabled again",
    "totp.enrolled": "a person set up an authenticator app (a second factor kept by the portal)",
    "totp.reset": "an administrator removed a person's authenticator app",
    "step_up.succeeded": "a one-time code renewed a login for a bank approval (field: method)",
    "step_up.failed": "a one-time code was refused at step-up (field_name: reason)",
    "data.exported": "entries or records left the portal in bulk (subject_type: export kind)",
    "value.revealed": "a masked sensitive value was shown in clear",
    "payment_check.run": "a payment file was checked line by line (field_name: layout; "
    "after: file SHA-256 and counts of each verdict and reason)",
    "account_version.verified": "ownership of a bank-account version was proven (field_name: "
    "method)",
    "account_version.approved": "a supervisor approved a bank account filed by an import or "
    "a registration (two distinct people approve it)",
    "registry_event.opened": "monitoring saw a supplier deregistered, with another legal "
    "representative or abnormal at the tax bureau: payments held, a draft change request "
    "asks the supplier to confirm",
    "registry_event.closed": "the registry or tax facts agree again: the hold finding is "
    "resolved and a draft nobody submitted is withdrawn",
    "registry_facts.confirmed": "the supplier confirmed the registry's new facts: the draft "
    "change request was submitted for review",
    "invoice_finding.opened": "an invoice names another seller credit code or bank account "
    "than the supplier's approved record",
    "invoice_finding.resolved": "the mismatched invoice was corrected or rejected",
    "account_version.adopted": "an administrator adopted the accounts on file as versions",
    "account_version.ownership_checked": "a verification service was asked whether an account "
    "is its supplier's (field_name: provider; after: outcome)",
    "account_version.small_amount_sent": "a small amount was sent to prove an account",
    "account_version.small_amount_confirmed": "the supplier typed the right small amount",
    "account_version.small_amount_refused": "the supplier typed a wrong small amount",
    "call_back.number_revealed": "a call-back contact's number was shown in full to the "
    "approver who must call (subject: the contact; after: the change request)",
    "document.read": "a stored document was decrypted for someone",
    "document.uploaded": "a document was stored",
    "field.changed": "a master-data field changed (before/after sealed)",
    "change.submitted": "a change request was submitted",
    "change.approved": "a change request was approved",
    "change.rejected": "a change request was rejected",
    "change.withdrawn": "a change request was withdrawn",
    "change.applied": "an approved change was applied",
    "change.fields_rejected": "some fields of a change request were rejected",
    "change.conflicted": "a change request met a newer version of the record",
    "change.rebased": "another request changed other fields; this one moved onto the new version",
    "duplicate.not_the_same": "two suppliers were marked as not duplicates",
    "supplier.merged": "two suppliers were merged",
    "supplier.data_confirmed": "a supplier confirmed its data",
    "supplier.blocked": "a supplier was blocked; payments held (before: the state; after: "
    "the new state and the reason)",
    "supplier.unblocked": "a block was lifted (before: the state; after: the new state and "
    "the reason)",
    "invitation.revoked": "an open invitation was withdrawn; its link no longer works "
    "(after: the reason)",
    "invitation.resent": "an invitation was sent again with a new link; the old link stopped "
    "working (after: the new invitation)",
    "api_client.created": "an API client and its token were created (field_name: role; the "
    "token itself is never recorded)",
    "api_client.revoked": "an API client's token was revoked",
    "approval_policy.changed": "an admin saved a new version of the approval policy "
    "(subject_id: the version; before/after: the rules that changed, and the reason)",
    "invitation.created": "a supplier user was invited",
    "invitation.code_sent": "a one-time code to accept an invitation was e-mailed",
    "invitation.accepted": "an invitation was accepted",
    "invitation.refused": "an invitation was refused",
    "verification.completed": "registry/tax verification finished",
    "import.completed": "a supplier list was imported (field_name: the file; after: its "
    "SHA-256, rows created, changed, unchanged, rejected)",
    "import.checked": "a supplier list was checked in a dry run (same fields, nothing stored)",
    "import.uploaded": "a supplier list was uploaded for the web import (subject_id: the job; "
    "field_name: the file; after: its SHA-256 and size; the file is kept encrypted)",
    "import.sheet_chosen": "the worksheet of an uploaded list to check was chosen "
    "(after: its name)",
    "import.confirmed": "the good rows of a checked list were sent to be imported (subject_id: "
    "the job)",
    "suppliers.imported": "suppliers were created by an import (after: the file's SHA-256, "
    "the ids of the batch)",
    "feed.snapshot": "suppliers that existed before the change feed got a snapshot event "
    "(after: how many)",
    "webhook.subscribed": "an administrator added a webhook subscription (after: URL, types)",
    "webhook.removed": "an administrator removed a webhook subscription",
    "webhook.replayed": "an administrator sent dead-lettered webhook deliveries again",
    "webhook.profile_set": "an administrator chose the ERP profile of a webhook subscription",
    "staff.registered": "a person was added to the staff directory (field_name: name; "
    "after: roles)",
    "staff.disabled": "a person of the staff directory is no longer told anything",
    "staff.linked": "a first login was matched to a staff directory entry",
    "staff.preferences_changed": "a person's notification channels, events or digest changed",
    "staff.synced": "the identity provider created or changed a staff directory entry (channel: "
    "scim:<token name> or directory sync; after: the roles, or what changed)",
    "staff.enabled": "the identity provider made a disabled staff directory entry active again",
    "staff.removed": "the identity provider removed a person; the entry is kept, disabled",
    "directory.token_created": "an administrator created a SCIM token (field_name: its name)",
    "directory.token_revoked": "an administrator revoked a SCIM token (field_name: its name)",
    "account.language_changed": "a portal user chose the language of their own messages and pages",
    "contact.language_changed": "the language a supplier contact's messages are written in changed",
    "notification.resent": "an administrator sent a message again (subject: the message)",
    "notification.undeliverable_resolved": "an administrator dealt with a message nobody received",
}


@dataclass(frozen=True)
class _Act:
    action: str
    subject_type: str | None = None
    subject_id: str | None = None
    field_name: str | None = None
    after: str | None = None


def _record(
    engine: Engine, audit: AuditLog, ctx: AuditContext, act: _Act, now: datetime | None
) -> AuditEntry:
    if act.action not in AUDITED_ACTS:
        raise AuditConfigError(f"{act.action!r} is not declared in AUDITED_ACTS")
    with engine.begin() as conn:
        return audit.record(
            conn,
            ctx,
            act.action,
            subject_type=act.subject_type,
            subject_id=act.subject_id,
            field_name=act.field_name,
            after=act.after,
            now=now or datetime.now(UTC),
        )


def record_export(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    kind: ExportKind,
    *,
    rows: int | None,
    file_format: str,
    criteria: Mapping[str, str | None] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Record a bulk export *before* it is streamed: ``rows`` may be None when a stream's
    length is not known in advance; ``criteria`` are the filters (date range, search).

    ``after`` holds them as compact JSON, e.g. ``{"format":"csv","from":"2026-01-01",
    "rows":120}``.
    """
    summary: dict[str, object] = {"format": file_format, "rows": rows}
    summary.update({key: value for key, value in (criteria or {}).items() if value is not None})
    after = json.dumps(summary, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    act = _Act("data.exported", subject_type=kind.value, field_name=file_format, after=after)
    return _record(engine, audit, ctx, act, now)


def record_value_reveal(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    *,
    table: str,
    row_id: str,
    column: str,
    now: datetime | None = None,
) -> AuditEntry:
    """Record that the clear value of ``table.column`` of ``row_id`` is about to be shown."""
    act = _Act("value.revealed", subject_type=table, subject_id=row_id, field_name=column)
    return _record(engine, audit, ctx, act, now)


def record_document_reveal(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    *,
    supplier_id: str,
    document_id: str,
    now: datetime | None = None,
) -> AuditEntry:
    """Record that a stored document is about to be decrypted for ``ctx.actor``."""
    act = _Act(
        "document.read",
        subject_type="supplier",
        subject_id=supplier_id,
        field_name=f"document[{document_id}]",
    )
    return _record(engine, audit, ctx, act, now)


def record_login(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    *,
    account_id: str,
    method: str,
    now: datetime | None = None,
) -> AuditEntry:
    """Record a successful sign-in (``method``: ``oidc``, ``api_token``, ``dev``...)."""
    act = _Act(
        "login.succeeded", subject_type="user_account", subject_id=account_id, field_name=method
    )
    return _record(engine, audit, ctx, act, now)


def record_login_failure(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    *,
    reason: str,
    now: datetime | None = None,
) -> AuditEntry:
    """Record a refused sign-in; ``reason`` is short and names no secret."""
    act = _Act("login.failed", field_name="reason", after=reason[:200])
    return _record(engine, audit, ctx, act, now)


def record_logout(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    *,
    account_id: str,
    now: datetime | None = None,
) -> AuditEntry:
    """Record a sign-out."""
    act = _Act("logout", subject_type="user_account", subject_id=account_id)
    return _record(engine, audit, ctx, act, now)
