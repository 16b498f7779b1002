"""Who is asking, and what each role may do. Deny unless allowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """Roles of people and machine clients."""

    SUPPLIER = "supplier"
    PURCHASING_CLERK = "purchasing_clerk"
    PURCHASING_SUPERVISOR = "purchasing_supervisor"
    FINANCE = "finance"
    AUDITOR = "auditor"
    ADMIN = "admin"


STAFF = frozenset(Role) - {Role.SUPPLIER}
#: Roles that may ask for clear sensitive values (each reveal is audit-logged).
MAY_REVEAL = frozenset({Role.FINANCE, Role.PURCHASING_SUPERVISOR})
#: ``Principal.kind`` of a person logged in interactively, and of an API client (token).
PERSON = "user"
API = "api"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    subject: str
    role: Role
    display_name: str = ""
    supplier_id: str | None = None  # set for supplier users: the one supplier they belong to
    can_reveal: bool = False
    kind: str = "user"  # PERSON ("user": an interactive login) or API ("api": a token)
    # How the person logged in, from the provider's ID token (people only; for step-up):
    authenticated_at: datetime | None = None  # auth_time: when they last proved who they are
    auth_methods: tuple[str, ...] = ()  # amr: e.g. ("pwd", "otp")
    auth_context: str | None = None  # acr

    @property
    def is_person(self) -> bool:
        """A person who logged in themselves (a browser session), not an API client."""
        return self.kind == PERSON

    @property
    def is_staff(self) -> bool:
        """Whether this is one of our own people or systems."""
        return self.role in STAFF
