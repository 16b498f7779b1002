"""The auditor's screen over the audit log: filtered, paged, and exported as filtered.

People and suppliers are shown by name where the log's ids are known: an actor is looked
up among user accounts (by account id or identity-provider subject), a subject among
suppliers and change requests. Sensitive before/after values stay sealed on screen and in
the export; the export itself is recorded (``data.exported``) before a row leaves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, or_, select

from crypto import mask_bank_account, mask_id_number, mask_phone
from portal.audit.acts import AUDITED_ACTS, ExportKind, record_export
from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.changes.records import REQUEST
from portal.db.auth_tables import UserAccountRow
from portal.db.sealing import Sealer
from portal.db.supplier_store import SUPPLIER
from portal.db.tables import table_of
from portal.domain.principal import Principal, Role
from portal.workbench.errors import AuditorsOnlyError
from portal.workbench.paging import Page, clamp_page, last_page, whole_number
from portal.workbench.search import matching_ids

USER = table_of(UserAccountRow)
READERS = (Role.AUDITOR, Role.ADMIN)
#: Times are stored in UTC and shown where the purchasing department works.
SHOWN_IN = ZoneInfo("Asia/Shanghai")
_SEALED = re.compile(r"^v\d+:[A-Za-z0-9_-]+:\d+:")
EXPORT_COLUMNS = (
    "seq", "at", "actor", "actor_name", "actor_role", "action", "subject_type", "subject_id",
    "subject_name", "field_name", "before", "after", "sealed", "channel", "ip", "device",
    "user_agent", "request_id", "hash",
)  # fmt: skip


@dataclass(frozen=True)
class AuditQuery:
    """Which entries: by person, act, supplier and day range (dates in Shanghai time)."""

    actor: str = ""
    action: str = ""
    supplier: str = ""
    since: date | None = None
    until: date | None = None  # inclusive
    newest_first: bool = True
    page: int = 1
    size: int = 50

    @classmethod
    def of(cls, **raw: str | None) -> AuditQuery:
        """Read a query string leniently.

        >>> AuditQuery.of(action="value.revealed", since="2026-11-01", until="bad").until
        >>> AuditQuery.of(action="drop table").action
        ''
        """
        number, size = clamp_page(whole_number(raw.get("page")), whole_number(raw.get("size")))
        action = raw.get("action") or ""
        return cls(
            actor=(raw.get("actor") or "").strip()[:100],
            action=action if action in AUDITED_ACTS else "",
            supplier=(raw.get("supplier") or "").strip()[:100],
            since=_day(raw.get("since")),
            until=_day(raw.get("until")),
            newest_first=raw.get("sort") != "oldest",
            page=number,
            size=size,
        )

    @property
    def filtered(self) -> bool:
        return bool(self.actor or self.action or self.supplier or self.since or self.until)

    def criteria(self) -> dict[str, str | None]:
        """The filters, as recorded with an export."""
        return {
            "actor": self.actor or None,
            "action": self.action or None,
            "supplier": self.supplier or None,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
        }


def readable(value: str | None) -> str:
    """A stored detail for a person: a JSON object becomes ``key: value`` pairs.

    >>> readable('{"outcome": "validated", "codes": ["a", "b"], "unknown": []}')
    'outcome: validated · codes: a, b'
    >>> readable("13800138000"), readable(None)
    ('13800138000', '')
    """
    if not value:
        return ""
    if not value.startswith("{"):
        return value
    try:
        data = json.loads(value)
    except ValueError:
        return value
    if not isinstance(data, dict):
        return value
    parts = []
    for key, item in data.items():
        if item in (None, "", [], {}):
            continue
        shown = ", ".join(map(str, item)) if isinstance(item, list) else str(item)
        parts.append(f"{key}: {shown}")
    return " · ".join(parts)


@dataclass(frozen=True)
class AuditRow:
    """One entry as a person reads it."""

    seq: int
    at: datetime  # in SHOWN_IN
    actor: str
    actor_name: str
    actor_role: str | None
    action: str
    subject_type: str | None
    subject_id: str | None
    subject_name: str
    field_name: str | None
    before: str | None
    after: str | None
    sealed: bool
    ip: str | None
    request_id: str | None
    hash: str
    channel: str | None = None
    device: str | None = None
    user_agent: str | None = None

    @property
    def channel_kind(self) -> str:
        """``portal``, ``api``, ``import``, ``cli``, ``system`` or ``""`` (older entries)."""
        return (self.channel or "").partition(":")[0]

    @property
    def channel_detail(self) -> str:
        """The token name, the file's hash (short), the OS user."""
        detail = (self.channel or "").partition(":")[2]
        return detail[:12] if self.channel_kind == "import" else detail

    @property
    def shown_device(self) -> str:
        """The device id short enough to compare by eye (the export has it whole)."""
        return (self.device or "")[:12]

    @property
    def shown_before(self) -> str:
        """``before`` as the screen shows it (a structured value as ``key: value`` text)."""
        return readable(self.before)

    @property
    def shown_after(self) -> str:
        """``after`` as the screen shows it."""
        return readable(self.after)

    def as_export(self) -> dict[str, Any]:
        """The flat row of a CSV or JSON export (exact values: the chain can be checked)."""
        row = {name: getattr(self, name) for name in EXPORT_COLUMNS}
        row["at"] = self.at.isoformat(timespec="milliseconds")
        return row


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), SHOWN_IN).astimezone(UTC)


def _where(conn: Connection, sealer: Sealer, query: AuditQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.action:
        where.append(ENTRY.c.action == query.action)
    if query.since:
        where.append(ENTRY.c.at >= _start_of(query.since))
    if query.until:
        where.append(ENTRY.c.at < _start_of(query.until + timedelta(days=1)))
    if query.actor:
        like = f"%{query.actor}%"
        people = conn.execute(
            select(USER.c.id, USER.c.subject).where(
                or_(USER.c.display_name.like(like), USER.c.email.like(like))
            )
        ).all()
        known = {value for row in people for value in row}
        where.append(or_(ENTRY.c.actor == query.actor, ENTRY.c.actor.in_(known)))
    if query.supplier:
        suppliers = matching_ids(conn, query.supplier, sealer)
        requests = select(REQUEST.c.id).where(REQUEST.c.supplier_id.in_(suppliers))
        subjects = [*suppliers, *conn.execute(requests).scalars()]
        where.append(ENTRY.c.subject_id.in_(subjects))
    return where


def _names(conn: Connection, rows: list[Any]) -> tuple[dict[str, str], dict[str, str]]:
    actors = {r.actor.removeprefix("api:") for r in rows}
    people: dict[str, str] = {}
    for r in conn.execute(
        select(USER.c.id, USER.c.subject, USER.c.display_name, USER.c.email).where(
            or_(USER.c.id.in_(actors), USER.c.subject.in_(actors))
        )
    ):
        shown = r.display_name or r.email or ""
        if shown:
            people[r.id] = people[r.subject] = shown
    subjects = {r.subject_id for r in rows if r.subject_id}
    suppliers = {
        r.id: r.name
        for r in conn.execute(
            select(SUPPLIER.c.id, SUPPLIER.c.name).where(SUPPLIER.c.id.in_(subjects))
        )
    }
    for request_id, name in conn.execute(
        select(REQUEST.c.id, SUPPLIER.c.name)
        .join(SUPPLIER, SUPPLIER.c.id == REQUEST.c.supplier_id)
        .where(REQUEST.c.id.in_(subjects))
    ):
        suppliers[request_id] = name
    return people, suppliers


_MASKS = {"account_number": mask_bank_account, "phone": mask_phone, "id_number": mask_id_number}


def _masked(
    sealer: Sealer, entry_id: str, column: str, field: str | None, token: str | None
) -> str | None:
    """A sealed before/after as staff lists show it (a bank account as ``6222 **** 1234``):
    enough for an auditor to tell the old account from the new, never the whole value."""
    if token is None:
        return None
    mask = _MASKS.get((field or "").rpartition(".")[2])
    if mask is None:
        return None
    clear = sealer.open("audit_entry", column, entry_id, token).value
    return mask(clear) if clear else None


def _rows(conn: Connection, raw: list[Any], sealer: Sealer) -> list[AuditRow]:
    people, subjects = _names(conn, raw)
    out = []
    for r in raw:
        sealed = any(v is not None and _SEALED.match(v) for v in (r.before, r.after))
        at = r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)
        out.append(
            AuditRow(
                seq=r.seq,
                at=at.astimezone(SHOWN_IN),
                actor=r.actor,
                # the name recorded with the act; older entries: the person's name today
                actor_name=r.actor_name or people.get(r.actor.removeprefix("api:"), ""),
                actor_role=r.actor_role,
                action=r.action,
                subject_type=r.subject_type,
                subject_id=r.subject_id,
                subject_name=subjects.get(r.subject_id or "", ""),
                field_name=r.field_name,
                before=_masked(sealer, r.id, "before", r.field_name, r.before)
                if sealed
                else r.before,
                after=_masked(sealer, r.id, "after", r.field_name, r.after) if sealed else r.after,
                sealed=sealed,
                ip=r.ip,
                request_id=r.request_id,
                hash=r.hash,
                channel=r.channel,
                device=r.device,
                user_agent=r.user_agent,
            )
        )
    return out


def read_audit_log(
    engine: Engine, sealer: Sealer, viewer: Principal, query: AuditQuery
) -> Page[AuditRow]:
    """One page of entries matching ``query`` with the total (auditors and admins)."""
    if viewer.role not in READERS:
        raise AuditorsOnlyError()
    # by time, then position: served by the (action, at) and (at) indexes without a sort
    order = (
        (ENTRY.c.at.desc(), ENTRY.c.pos.desc()) if query.newest_first else (ENTRY.c.at, ENTRY.c.pos)
    )
    with engine.connect() as conn:
        where = and_(True, *_where(conn, sealer, query))
        total = int(conn.scalar(select(func.count()).select_from(ENTRY).where(where)) or 0)
        number = last_page(query.page, query.size, total)
        raw = conn.execute(
            select(ENTRY)
            .where(where)
            .order_by(*order)
            .offset((number - 1) * query.size)
            .limit(query.size)
        ).all()
        rows = _rows(conn, list(raw), sealer)
    return Page(items=tuple(rows), total=total, number=number, size=query.size)


def export_audit_log(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    viewer: Principal,
    query: AuditQuery,
    file_format: str,
    *,
    now: datetime | None = None,
) -> Iterator[Mapping[str, Any]]:
    """Record the export, then every entry matching ``query`` as flat rows, oldest first.

    The entry is committed before the first row is produced; rows are read a thousand at
    a time on a connection held while the caller streams them.
    """
    if viewer.role not in READERS:
        raise AuditorsOnlyError()
    record_export(
        engine, audit, ctx, ExportKind.AUDIT_LOG, rows=None, file_format=file_format,
        criteria=query.criteria(), now=now,
    )  # fmt: skip
    return _export_rows(engine, audit.sealer, query)


def _export_rows(engine: Engine, sealer: Sealer, query: AuditQuery) -> Iterator[Mapping[str, Any]]:
    with engine.connect() as conn:
        where = and_(True, *_where(conn, sealer, query))
        result = conn.execution_options(yield_per=1000).execute(
            select(ENTRY).where(where).order_by(ENTRY.c.pos)
        )
        for batch in result.partitions():
            for row in _rows(conn, list(batch), sealer):
                yield row.as_export()
