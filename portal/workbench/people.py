"""People and times as staff read them: names instead of account ids, Shanghai time.

>>> from datetime import UTC, datetime
>>> shown_at(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
'2026-11-02 16:00'
>>> shown_at(datetime(2026, 11, 2, 8, 0))  # stored naive: UTC
'2026-11-02 16:00'
>>> shown_at(None)
'—'
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, or_, select

from portal.db.auth_tables import UserAccountRow
from portal.db.tables import table_of

__all__ = ["SHOWN_IN", "display_names", "shown_at"]

USER = table_of(UserAccountRow)
#: Times are stored in UTC and shown where the purchasing department works.
SHOWN_IN = ZoneInfo("Asia/Shanghai")


def shown_at(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time in Asia/Shanghai (naive values are UTC)."""
    if value is None:
        return "—"
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(SHOWN_IN).strftime(fmt)


def display_names(conn: Connection, subjects: Iterable[str | None]) -> dict[str, str]:
    """Account id or login subject (``api:`` tokens too) -> the person's name or e-mail.

    Subjects without an account keep no entry: callers show a neutral word, never the id.
    """
    given = {s for s in subjects if s}
    wanted = {s.removeprefix("api:") for s in given}
    if not wanted:
        return {}
    names: dict[str, str] = {}
    rows = conn.execute(
        select(USER.c.id, USER.c.subject, USER.c.display_name, USER.c.email).where(
            or_(USER.c.id.in_(wanted), USER.c.subject.in_(wanted))
        )
    )
    for r in rows:
        shown = r.display_name or r.email or ""
        if shown:
            names[r.id] = names[r.subject] = shown
    for subject in given:
        if subject.startswith("api:") and subject[4:] in names:
            names[subject] = names[subject[4:]]
    return names
