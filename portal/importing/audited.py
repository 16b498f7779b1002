"""The import as a use case: who may, which file, and the audit entries it leaves.

:func:`import_supplier_list` is what every channel calls (the CLI today, the web import
next): it checks that the caller is purchasing staff or an administrator, hashes the file,
runs :func:`portal.importing.run.import_suppliers`, writes one ``suppliers.imported``
entry per stored batch naming each created supplier (in the transaction that stores
them, so no supplier exists without its trace), and closes with one ``import.completed``
entry (``import.checked`` for a dry run) that holds the file's SHA-256 and the counts
(in ``after``: ``subject_id`` holds ids of 36 characters, a SHA-256 has 64).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import SupplierStore
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role
from portal.importing.changes import ProposeChanges
from portal.importing.run import BATCH_SIZE, ImportReport, import_suppliers

__all__ = [
    "IMPORTERS",
    "ImportDeps",
    "ImportNotAllowedError",
    "file_sha256",
    "import_supplier_list",
    "outcome_counts",
]

#: Who may import a supplier list.
IMPORTERS = frozenset({Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN})


class ImportNotAllowedError(PortalError, PermissionError):
    """Only purchasing staff and administrators import supplier lists."""

    kind = ErrorKind.FORBIDDEN
    code = "import.not_allowed"

    def __init__(self) -> None:
        super().__init__(
            "only purchasing staff and administrators may import supplier lists",
            message_zh="只有采购人员和管理员可以导入供应商名单",
        )


@dataclass
class ImportDeps:
    """The collaborators of an import."""

    engine: Engine
    suppliers: SupplierStore
    audit: AuditLog
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def file_sha256(path: Path) -> str:
    """The file's SHA-256, hex, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def outcome_counts(report: ImportReport) -> dict[str, int]:
    """Rows created, changed (a change request opened), unchanged, rejected, in all."""
    counts = report.counts
    return {
        "rows": counts.get("rows", 0),
        "created": counts.get("created", 0) + counts.get("would_create", 0),
        "changed": counts.get("change_requested", 0),
        "unchanged": counts.get("unchanged", 0) + counts.get("exists", 0),
        "rejected": counts.get("rejected", 0),
    }


def import_supplier_list(
    deps: ImportDeps,
    ctx: AuditContext,
    principal: Principal,
    path: Path,
    *,
    display_name: str | None = None,
    dry_run: bool = False,
    propose_changes: ProposeChanges | None = None,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
    sheet: str | None = None,
    on_created: Callable[[Connection, list[str]], None] | None = None,
) -> ImportReport:
    """Import ``path`` for ``principal``; ``display_name`` is the name the user gave the
    file (an upload is stored under another); ``sheet`` the worksheet (default: the first
    with data); ``on_created`` runs beside the audit entry in each batch's transaction (the
    web import notes the suppliers to verify). Raises :class:`ImportNotAllowedError`."""
    if principal.role not in IMPORTERS:
        raise ImportNotAllowedError
    digest = file_sha256(path)
    name = (display_name or path.name)[:120]
    # the entries of an import say which file they came from, whoever started it
    ctx = dataclasses.replace(ctx, channel=f"import:{digest}")

    def created(conn: Connection, ids: list[str]) -> None:
        deps.audit.record(
            conn,
            ctx,
            "suppliers.imported",
            subject_type="import_file",
            field_name=name,
            after=json.dumps({"sha256": digest, "ids": ids}, separators=(",", ":")),
            now=deps.clock(),
        )
        if on_created is not None:
            on_created(conn, ids)

    report = import_suppliers(
        path,
        engine=deps.engine,
        store=deps.suppliers,
        dry_run=dry_run,
        clock=deps.clock,
        batch_size=batch_size,
        propose_changes=propose_changes,
        on_created=created,
        on_progress=on_progress,
        sheet=sheet,
    )
    report.sha256 = digest
    summary = {"sha256": digest, "dry_run": dry_run, **outcome_counts(report)}
    with deps.engine.begin() as conn:
        deps.audit.record(
            conn,
            ctx,
            "import.checked" if dry_run else "import.completed",
            subject_type="import_file",
            field_name=name,
            after=json.dumps(summary, sort_keys=True, separators=(",", ":")),
            now=deps.clock(),
        )
    return report
