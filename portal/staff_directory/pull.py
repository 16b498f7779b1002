"""The periodic pull of a provider's people (Keycloak), and the last sync of every source.

:class:`PeopleSource` is the port: it lists everyone the provider has for us, or raises
:class:`DirectoryUnavailableError`. :func:`pull_directory` applies the list in one
transaction: each person in a savepoint (one bad entry is reported, not fatal), then the
entries of that source the list no longer holds are removed (disabled, kept). A list that
could not be fetched changes nothing (fail closed: a provider outage never deactivates
anyone). Every run leaves its trace in ``directory_sync`` (time, counts, errors in words),
which the admin page shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.audit.log import AuditContext, AuditLog
from portal.db.staff_tables import DirectorySyncRow
from portal.db.tables import table_of
from portal.domain.errors import ErrorKind
from portal.staff_directory.directory import STAFF_MEMBER, StaffDirectoryError
from portal.staff_directory.sync import DirectoryEntry, remove_synced, write_synced

__all__ = [
    "DirectoryUnavailableError",
    "InMemoryPeopleSource",
    "PeopleSource",
    "SyncReport",
    "SyncStatus",
    "claim_pull",
    "pull_directory",
    "record_sync",
    "sync_context",
    "sync_status",
]

SYNC = table_of(DirectorySyncRow)


class DirectoryUnavailableError(StaffDirectoryError):
    """The provider's list could not be read; ``permanent`` when retrying cannot help
    (credentials refused, realm unknown), else it is worth trying again later."""

    kind = ErrorKind.UNAVAILABLE
    code = "staff.directory_unavailable"

    def __init__(self, message: str, *, message_zh: str, permanent: bool = False) -> None:
        super().__init__(message, message_zh=message_zh)
        self.permanent = permanent


@runtime_checkable
class PeopleSource(Protocol):
    """Everyone a provider has for the portal, in our words."""

    #: the entries' ``source``: ``keycloak``
    source: str

    def people(self) -> list[DirectoryEntry]:
        """The provider's people now, or raise DirectoryUnavailableError."""


@dataclass
class InMemoryPeopleSource:
    """The fake: the people it is given, or the error it is told to raise."""

    source: str = "keycloak"
    entries: list[DirectoryEntry] = field(default_factory=list)
    failure: DirectoryUnavailableError | None = None
    calls: int = 0

    def people(self) -> list[DirectoryEntry]:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return list(self.entries)


@dataclass
class SyncReport:
    """What one pull did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    refused: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def summary(self) -> str:
        return (
            f"新增 {self.created}、更新 {self.updated}、未变 {self.unchanged}、移除 "
            f"{self.removed}、拒绝 {len(self.refused)} / created {self.created}, updated "
            f"{self.updated}, unchanged {self.unchanged}, removed {self.removed}, refused "
            f"{len(self.refused)}"
        )


@dataclass(frozen=True)
class SyncStatus:
    """The last sync of one source as the admin page shows it."""

    source: str
    last_run_at: datetime
    last_ok_at: datetime | None
    summary: str | None
    error: str | None
    error_at: datetime | None


def sync_context(source: str) -> AuditContext:
    """Who acts in the audit log when a pull changes the directory."""
    return AuditContext(
        actor=f"directory-sync:{source}",
        actor_role="system",
        actor_name=f"directory sync ({source})",
        channel="directory sync",
    )


def record_sync(
    conn: Connection,
    source: str,
    *,
    now: datetime,
    summary: str | None = None,
    error: str | None = None,
) -> None:
    """Note a run of ``source`` (``scim:<token>``, ``keycloak``) with its summary: clean
    (the error goes away), or with its error in words (the last clean run's time is kept)."""
    values: dict[str, object] = {"last_run_at": now}
    if summary is not None:
        values["summary"] = summary
    if error is None:
        values.update(last_ok_at=now, error=None, error_at=None)
    else:
        values.update(error=error[:2000], error_at=now)
    done = conn.execute(update(SYNC).where(SYNC.c.source == source).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(SYNC).values(source=source, **values))


def sync_status(engine: Engine) -> list[SyncStatus]:
    """Every source's last run, by name."""
    with engine.connect() as conn:
        rows = conn.execute(select(SYNC).order_by(SYNC.c.source)).all()
    return [
        SyncStatus(r.source, r.last_run_at, r.last_ok_at, r.summary, r.error, r.error_at)
        for r in rows
    ]


def claim_pull(engine: Engine, source: str, every: timedelta, *, now: datetime) -> bool:
    """Whether this worker runs the pull now: the one whose conditional UPDATE (or first
    INSERT) of the source's row wins, once per ``every`` however many workers run."""
    with engine.begin() as conn:
        won = conn.execute(
            update(SYNC)
            .where(SYNC.c.source == source, SYNC.c.last_run_at <= now - every)
            .values(last_run_at=now)
        ).rowcount
        if won == 1:
            return True
        if conn.execute(select(SYNC.c.source).where(SYNC.c.source == source)).first():
            return False
        try:
            with conn.begin_nested():
                conn.execute(insert(SYNC).values(source=source, last_run_at=now))
        except IntegrityError:
            return False
    return True


def pull_directory(
    engine: Engine, audit: AuditLog, people: PeopleSource, *, now: datetime
) -> SyncReport:
    """Apply the provider's list: create, update, deactivate, remove; report in words."""
    report = SyncReport()
    source = people.source
    try:
        entries = people.people()
    except DirectoryUnavailableError as exc:
        report.error = f"{exc} / {exc.message_zh}"
        with engine.begin() as conn:
            record_sync(conn, source, now=now, error=report.error)
        return report
    ctx = sync_context(source)
    seen: set[str] = set()
    with engine.begin() as conn:
        for entry in entries:
            try:
                with conn.begin_nested():
                    outcome = write_synced(conn, audit, ctx, source, entry, now=now)
            except StaffDirectoryError as exc:
                who = "" if entry.email and entry.email in str(exc) else f"{entry.user_name}: "
                report.refused.append(f"{who}{exc} / {exc.message_zh}")
                continue
            seen.add(outcome.member.id)
            setattr(report, outcome.change, getattr(report, outcome.change) + 1)
        gone = conn.execute(
            select(STAFF_MEMBER.c.id).where(
                STAFF_MEMBER.c.source == source, STAFF_MEMBER.c.removed_at.is_(None)
            )
        ).all()
        for row in gone:
            if row.id not in seen:
                remove_synced(conn, audit, ctx, source, row.id, now=now)
                report.removed += 1
        record_sync(conn, source, now=now, summary=report.summary,
                    error="\n".join(report.refused) or None)  # fmt: skip
    return report
