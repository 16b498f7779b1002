"""People who log in: accounts keyed by (issuer, subject), and the role each one holds.

Staff roles come from the provider on every login (a role taken away there is
gone here at the next login). A supplier role comes only from accepting an
invitation, which binds the account to exactly one supplier.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.db.auth_tables import UserAccountRow
from portal.db.tables import table_of
from portal.domain.principal import MAY_REVEAL, STAFF, Principal, Role
from portal.identity.sessions import end_account_sessions

ACCOUNT = table_of(UserAccountRow)

#: When a provider grants several staff roles, the first of these wins.
STAFF_PRECEDENCE: tuple[Role, ...] = (
    Role.ADMIN,
    Role.PURCHASING_SUPERVISOR,
    Role.PURCHASING_CLERK,
    Role.FINANCE,
    Role.AUDITOR,
)


@dataclass(frozen=True)
class UserAccount:
    """One person as we know them."""

    id: str
    issuer: str
    subject: str
    email: str | None
    display_name: str
    role: Role | None
    supplier_id: str | None
    disabled: bool = False

    @property
    def has_access(self) -> bool:
        """Staff, or a supplier user bound to a supplier; never a disabled account."""
        if self.disabled:
            return False
        return self.role in STAFF or (self.role is Role.SUPPLIER and self.supplier_id is not None)

    def principal(self) -> Principal:
        """The principal this account acts as (only when it has access)."""
        if not self.has_access or self.role is None:
            raise ValueError("this account has no access")
        return Principal(
            subject=self.id,
            role=self.role,
            display_name=self.display_name,
            supplier_id=self.supplier_id if self.role is Role.SUPPLIER else None,
            can_reveal=self.role in MAY_REVEAL,
            kind="user",
        )


def staff_role_from_claim(value: object) -> Role | None:
    """The staff role named by a claim: a list, or a string of names split by space or comma.

    >>> staff_role_from_claim(["auditor", "purchasing_supervisor"])
    <Role.PURCHASING_SUPERVISOR: 'purchasing_supervisor'>
    >>> staff_role_from_claim("finance") , staff_role_from_claim("supplier admin-ish")
    (<Role.FINANCE: 'finance'>, None)
    """
    names: Iterable[object]
    if isinstance(value, str):
        names = re.split(r"[\s,]+", value.strip())
    elif isinstance(value, list | tuple | set | frozenset):
        names = value
    else:
        return None
    granted = {str(name).strip().lower() for name in names}
    return next((role for role in STAFF_PRECEDENCE if role.value in granted), None)


def _account(row: Row[Any]) -> UserAccount:
    return UserAccount(
        id=row.id,
        issuer=row.issuer,
        subject=row.subject,
        email=row.email,
        display_name=row.display_name,
        role=Role(row.role) if row.role else None,
        supplier_id=row.supplier_id,
        disabled=row.disabled_at is not None,
    )


def get_account(conn: Connection, account_id: str) -> UserAccount | None:
    """The account with this id, if any."""
    row = conn.execute(select(ACCOUNT).where(ACCOUNT.c.id == account_id)).first()
    return _account(row) if row is not None else None


def record_login(
    conn: Connection,
    *,
    issuer: str,
    subject: str,
    email: str | None,
    display_name: str,
    staff_role: Role | None,
    now: datetime,
) -> UserAccount:
    """Create or update the account of someone the provider vouched for."""
    where = (ACCOUNT.c.issuer == issuer) & (ACCOUNT.c.subject == subject)
    row = conn.execute(select(ACCOUNT).where(where)).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(ACCOUNT).values(
                        id=str(uuid.uuid4()),
                        issuer=issuer,
                        subject=subject,
                        email=email,
                        display_name=display_name[:200],
                        role=None,
                        supplier_id=None,
                        created_at=now,
                    )
                )
        except IntegrityError:
            pass  # the same person logging in twice at once: the other insert won
        row = conn.execute(select(ACCOUNT).where(where)).one()
    current = _account(row)
    if staff_role is not None:
        role: Role | None = staff_role
    elif current.role is Role.SUPPLIER and current.supplier_id:
        role = Role.SUPPLIER
    else:
        role = None  # a staff role the provider no longer grants is gone
    if role is not current.role:
        # sessions opened with the old role end now, not at their timeout
        end_account_sessions(conn, current.id, now, "role_changed")
    conn.execute(
        update(ACCOUNT)
        .where(ACCOUNT.c.id == current.id)
        .values(
            email=email or current.email,
            display_name=(display_name or current.display_name)[:200],
            role=role.value if role else None,
            last_login_at=now,
        )
    )
    account = get_account(conn, current.id)
    assert account is not None
    return account
