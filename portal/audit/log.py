"""The audit log on the database: append inside the caller's transaction, verify, export.

Appends lock the single ``audit_head`` row (an UPDATE, so SQLite takes its
write lock and PostgreSQL a row lock), which serialises writers and keeps the
chain linear. The entry commits or rolls back with the change it records.
Before/after values of sensitive fields are encrypted, bound to the entry.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from approvals.audit import (
    GENESIS,
    Anchor,
    AuditDraft,
    AuditEntry,
    VerifyReport,
    append,
    verify_chain,
)
from crypto import Algorithm
from portal.db.sealing import Sealer
from portal.db.tables import AuditEntryRow, AuditHeadRow, table_of
from portal.domain.text import neutralise_cell
from portal.observability.context import current_request_id

ENTRY = table_of(AuditEntryRow)
HEAD = table_of(AuditHeadRow)
_FIELDS = tuple(AuditDraft.__dataclass_fields__)


@dataclass(frozen=True)
class AuditContext:
    """Who did it and from where (filled by the web layer or the CLI)."""

    actor: str
    actor_role: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    device: str | None = None

    @classmethod
    def cli(cls, actor: str = "cli") -> AuditContext:
        """Context for acts done from the command line."""
        import getpass
        import socket

        return cls(
            actor=f"{actor}:{getpass.getuser()}", actor_role="admin", device=socket.gethostname()
        )


class AuditLog:
    """Appends to and reads the chain."""

    def __init__(self, sealer: Sealer, algorithm: str | None = None) -> None:
        self.sealer = sealer
        # SM3 with the SM4 profile (国密), SHA-256 otherwise; an existing chain keeps
        # the algorithm of its newest entry (see ``approvals.audit.append``) only when
        # none is given here, so a deployment switching profile starts hashing with SM3.
        self.algorithm = algorithm or (
            "sm3" if sealer.cipher.algorithm is Algorithm.SM4_GCM else "sha256"
        )

    def record(
        self,
        conn: Connection,
        ctx: AuditContext,
        action: str,
        *,
        subject_type: str | None = None,
        subject_id: str | None = None,
        field_name: str | None = None,
        before: str | None = None,
        after: str | None = None,
        sensitive: bool = False,
        now: datetime | None = None,
    ) -> AuditEntry:
        """Append one entry in the caller's transaction."""
        entry_id = str(uuid.uuid4())
        if sensitive:
            before = self.sealer.seal("audit_entry", "before", entry_id, before)
            after = self.sealer.seal("audit_entry", "after", entry_id, after)
        draft = AuditDraft(
            id=entry_id,
            at=now or datetime.now(UTC),
            actor=ctx.actor,
            action=action,
            actor_role=ctx.actor_role,
            subject_type=subject_type,
            subject_id=subject_id,
            field_name=field_name,
            before=before,
            after=after,
            ip=ctx.ip,
            user_agent=(ctx.user_agent or "")[:400] or None,
            # the request, command or job being done now, when the caller did not name one
            request_id=ctx.request_id or current_request_id(),
            device=ctx.device,
        )
        prev = self._lock_head(conn)
        entry = append(prev, draft, self.algorithm)
        conn.execute(insert(ENTRY).values(**asdict(entry)))
        conn.execute(update(HEAD).where(HEAD.c.id == 1).values(seq=entry.seq, hash=entry.hash))
        return entry

    def _lock_head(self, conn: Connection) -> AuditEntry | None:
        lock = update(HEAD).where(HEAD.c.id == 1).values(seq=HEAD.c.seq).returning(HEAD.c.seq)
        locked = conn.execute(lock).first()
        if locked is None:
            # First entry ever: create the head row; a concurrent first writer may win, in
            # which case our insert does nothing and the UPDATE below waits for its commit.
            conn.execute(_insert_ignore(conn, HEAD).values(id=1, seq=0, hash=GENESIS))
            locked = conn.execute(lock).first()
            assert locked is not None
        if locked.seq == 0:
            return None
        row = conn.execute(select(ENTRY).where(ENTRY.c.seq == locked.seq)).first()
        return _entry(row) if row is not None else None

    def entries(
        self, conn: Connection, *, start: datetime | None = None, end: datetime | None = None
    ) -> Iterator[AuditEntry]:
        """Entries in stored order (optionally within a time range)."""
        query = select(ENTRY).order_by(ENTRY.c.pos)
        if start is not None:
            query = query.where(ENTRY.c.at >= start)
        if end is not None:
            query = query.where(ENTRY.c.at < end)
        for row in conn.execution_options(yield_per=1000).execute(query):
            yield _entry(row)

    def verify(self, engine: Engine) -> VerifyReport:
        """Check the whole chain, with the head row as an anchor against tail deletion."""
        with engine.connect() as conn:
            head = conn.execute(select(HEAD).where(HEAD.c.id == 1)).first()
            anchors = [Anchor(head.seq, head.hash)] if head is not None and head.seq else []
            return verify_chain(self.entries(conn), anchors=anchors)


def _insert_ignore(conn: Connection, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def _entry(row: Any) -> AuditEntry:
    values = {name: getattr(row, name) for name in _FIELDS}
    at = values["at"]
    values["at"] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return AuditEntry(**values, seq=row.seq, prev_hash=row.prev_hash, hash=row.hash)


EXPORT_COLUMNS = ("seq", *_FIELDS, "prev_hash", "hash")


def export_rows(entries: Iterator[AuditEntry]) -> Iterator[dict[str, Any]]:
    """Entries as flat dictionaries (times in ISO 8601 UTC with milliseconds)."""
    for entry in entries:
        data = asdict(entry)
        data["at"] = entry.at.astimezone(UTC).isoformat(timespec="milliseconds")
        yield {key: data[key] for key in EXPORT_COLUMNS}


def export_csv(entries: Iterator[AuditEntry], out: io.TextIOBase) -> int:
    """Write CSV for a spreadsheet; returns the number of entries.

    Every text cell is neutralised (a user agent, an actor or a field value that starts
    like a formula must not run when the file is opened); the JSON export keeps the exact
    values, for verifying the chain from an export.
    """
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    count = 0
    for row in export_rows(entries):
        writer.writerow(
            {key: neutralise_cell(v) if isinstance(v, str) else v for key, v in row.items()}
        )
        count += 1
    return count


def export_json(entries: Iterator[AuditEntry], out: io.TextIOBase) -> int:
    """Write JSON Lines; returns the number of entries."""
    count = 0
    for row in export_rows(entries):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count
