"""Names of people for screens: an account id or login subject becomes the person's name.

Pages never show the ids a request, an approval or an audit entry keeps; they ask
:func:`display_names` (one query for every id of a page) and show the name.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, or_, select

from portal.db.auth_tables import UserAccountRow
from portal.db.tables import table_of

__all__ = ["display_names"]

ACCOUNT = table_of(UserAccountRow)


def display_names(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """``{id or subject: display name (else e-mail)}`` for the accounts known by these ids."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    names: dict[str, str] = {}
    rows = conn.execute(
        select(ACCOUNT.c.id, ACCOUNT.c.subject, ACCOUNT.c.display_name, ACCOUNT.c.email).where(
            or_(ACCOUNT.c.id.in_(wanted), ACCOUNT.c.subject.in_(wanted))
        )
    )
    for row in rows:
        shown = row.display_name or row.email or ""
        if shown:
            names[row.id] = names[row.subject] = shown
    return names
