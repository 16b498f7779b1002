"""The people of the tests: one supplier user per supplier and the staff, with the
reveal right their role carries in production.

>>> STAFF["clerk"].can_reveal, STAFF["alice"].can_reveal
(False, True)
"""

from __future__ import annotations

from portal.domain.principal import MAY_REVEAL, Principal, Role

__all__ = ["STAFF", "staff_member", "supplier_user"]


def staff_member(subject: str, role: Role, name: str = "") -> Principal:
    """One of our own people; may reveal when the role may."""
    return Principal(subject, role, name, can_reveal=role in MAY_REVEAL)


def supplier_user(subject: str, supplier_id: str | None, name: str = "") -> Principal:
    """A login of one supplier."""
    return Principal(subject, Role.SUPPLIER, name, supplier_id=supplier_id)


#: Two supervisors who approve each other's work, a third for re-approval, a clerk,
#: finance and an auditor.
STAFF: dict[str, Principal] = {
    "alice": staff_member("u-alice", Role.PURCHASING_SUPERVISOR, "Alice"),
    "bob": staff_member("u-bob", Role.PURCHASING_SUPERVISOR, "Bob"),
    "carol": staff_member("u-carol", Role.PURCHASING_SUPERVISOR, "Carol"),
    "clerk": staff_member("u-clerk", Role.PURCHASING_CLERK, "Clerk"),
    "finance": staff_member("u-finance", Role.FINANCE, "Finance"),
    "auditor": staff_member("u-auditor", Role.AUDITOR, "Auditor"),
}
