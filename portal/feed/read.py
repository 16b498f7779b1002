"""Reading the feed: ``events after SEQ``, in order, as an ERP stores and resumes it.

:func:`read_events` is the use case behind ``GET /api/v1/events``: the same roles as the
finance API may read it; sensitive values stay masked unless the caller asks and may reveal
(the one reveal rule of :mod:`portal.finance.reveal`; every value shown is reported to the
reveal hook, the audit log, first). An ERP that keeps the last ``seq`` it processed and asks
again with ``after=`` that number never misses or repeats an event, across restarts of
either side: numbers are handed out in commit order (see :mod:`portal.feed.record`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Connection, Engine, select

from portal.db.sealing import Sealer
from portal.domain.errors import DomainValidationError, ErrorKind, PortalError
from portal.domain.principal import Principal, Role
from portal.feed.record import EVENT
from portal.finance.reveal import RevealCallback, require_reveal

__all__ = [
    "FEED_READERS",
    "MAX_LIMIT",
    "MAX_SEQ",
    "FeedPage",
    "FeedReadNotAllowedError",
    "FeedRequestError",
    "event_view",
    "read_events",
]

FEED_READERS = frozenset(
    {Role.FINANCE, Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN, Role.AUDITOR}
)
MAX_LIMIT = 1000
#: The largest sequence number the column holds (a signed 64-bit integer).
MAX_SEQ = 2**63 - 1


class FeedReadNotAllowedError(PortalError, PermissionError):
    """This caller may not read the change feed."""

    kind = ErrorKind.FORBIDDEN
    code = "feed.not_allowed"

    def __init__(self, role: str) -> None:
        super().__init__(
            f"your role ({role}) may not read the change feed",
            message_zh=f"您的角色（{role}）无权读取变更流",
        )


class FeedRequestError(DomainValidationError):
    """``after`` or ``limit`` out of range; permanent."""


@dataclass(frozen=True)
class FeedPage:
    """Events in sequence order and the ``after`` to ask with next."""

    events: list[dict[str, Any]]
    next_after: int


#: JSON text to Python, several times faster than ``json.loads`` on the 1-2 kB states
_decode = msgspec.json.Decoder().decode


def event_view(row: Any, state: dict[str, Any]) -> dict[str, Any]:
    """The JSON of one event (as the feed and the webhooks send it)."""
    return {
        "seq": int(row.seq),
        "id": row.id,
        "type": row.type,
        "supplier_id": row.supplier_id,
        "at": row.at.isoformat(),
        "request_id": row.request_id,
        "changed_fields": _decode(row.changed_fields),
        "approvers": _decode(row.approvers),
        "supplier": state,
        "audit_entry_id": row.audit_entry_id,
        "audit_hash": row.audit_hash,
    }


def _state(row: Any, sealer: Sealer, reveal: RevealCallback | None) -> dict[str, Any]:
    masked: dict[str, Any] = _decode(row.state)
    if reveal is None or row.revealed is None:
        return masked
    opened = sealer.open("feed_event", "revealed", row.id, row.revealed)
    if opened.value is None:
        masked["unreadable_fields"] = masked.get("unreadable_fields", {}) | {
            "revealed": "the clear values of this event could not be opened"
        }
        return masked
    sealed = json.loads(opened.value)
    for table, column, row_id in sealed["reveals"]:
        reveal(table, column, row_id)
    clear: dict[str, Any] = sealed["state"]
    if "event_detail" in masked:
        clear["event_detail"] = masked["event_detail"]
    return clear


def page_rows(conn: Connection, after: int, limit: int) -> list[Any]:
    """``SELECT ... WHERE seq > :after ORDER BY seq LIMIT :limit``."""
    query = select(EVENT).where(EVENT.c.seq > after).order_by(EVENT.c.seq).limit(limit)
    return list(conn.execute(query).all())


def read_events(
    engine: Engine,
    sealer: Sealer,
    viewer: Principal,
    *,
    after: int,
    limit: int,
    reveal: RevealCallback | None = None,
) -> FeedPage:
    """Events with ``seq > after`` (at most ``limit``), oldest first."""
    if viewer.role not in FEED_READERS:
        raise FeedReadNotAllowedError(viewer.role.value)
    if reveal is not None:
        require_reveal(viewer)
    if not 0 <= after <= MAX_SEQ:
        raise FeedRequestError(
            "after must be 0 or the seq of an event you processed",
            zh="after 须为 0 或您已处理的事件序号",
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise FeedRequestError(
            f"limit must be between 1 and {MAX_LIMIT}", zh=f"limit 须在 1 到 {MAX_LIMIT} 之间"
        )
    with engine.connect() as conn:
        rows = page_rows(conn, after, limit)
    events = [event_view(row, _state(row, sealer, reveal)) for row in rows]
    return FeedPage(events, events[-1]["seq"] if events else after)
