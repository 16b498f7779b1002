"""Decisions about a pair of suppliers: "not the same company" (a use case that owns
its transaction, its permission check and its audit entry, whatever the channel), and
the record a merge leaves (:mod:`portal.dedup.merge`).

Who may dismiss a pair is decided here, once, for the staff page and the API alike:
supervisors and admins may dismiss any pair; a purchasing clerk may dismiss a pair
unless the two suppliers share a bank account (two companies paid into one account is
the pattern of invoice fraud, so a supervisor looks at it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, insert, select

from portal.audit.log import AuditContext, AuditLog
from portal.dedup.tables import BANK, DECISION, INVOICING, PAIR, SUPPLIER, ordered_pair
from portal.domain.principal import Principal, Role
from portal.resolution import (
    FINDING_CODE,
    Attribute,
    Decision,
    DismissRefusedError,
    MergeRefusedError,
    SupplierNotFoundError,
)

__all__ = [
    "DISMISSERS",
    "PairDecision",
    "decide_not_the_same",
    "may_dismiss",
    "record_decision",
    "shares_bank_account",
]

#: Roles that may ever dismiss a pair (the channel's coarse guard); :func:`may_dismiss`
#: decides the pair in hand.
DISMISSERS = frozenset({Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN})
_ANY_PAIR = frozenset({Role.PURCHASING_SUPERVISOR, Role.ADMIN})
_BANK_CODE = FINDING_CODE[Attribute.BANK_ACCOUNT]


def may_dismiss(role: Role, *, shares_bank_account: bool) -> bool:
    """Whether ``role`` may decide that a pair is two different companies.

    >>> may_dismiss(Role.PURCHASING_SUPERVISOR, shares_bank_account=True)
    True
    >>> may_dismiss(Role.PURCHASING_CLERK, shares_bank_account=False)
    True
    >>> may_dismiss(Role.PURCHASING_CLERK, shares_bank_account=True)
    False
    >>> may_dismiss(Role.FINANCE, shares_bank_account=False)
    False
    """
    if role in _ANY_PAIR:
        return True
    return role is Role.PURCHASING_CLERK and not shares_bank_account


@dataclass(frozen=True)
class PairDecision:
    """What was decided about two suppliers, and by whom."""

    first_id: str
    second_id: str
    decision: Decision
    decided_by: str


def shares_bank_account(conn: Connection, first_id: str, second_id: str) -> bool:
    """Whether the two suppliers hold an account with the same number now (blind index),
    or were paired for one."""
    a, b = ordered_pair(first_id, second_id)
    codes = set(conn.scalars(select(PAIR.c.code).where(PAIR.c.a_id == a, PAIR.c.b_id == b)))
    if _BANK_CODE in codes:
        return True
    held: dict[str, set[str]] = {first_id: set(), second_id: set()}
    for table in (BANK, INVOICING):
        for sid, index in conn.execute(
            select(table.c.supplier_id, table.c.account_number_bidx).where(
                table.c.supplier_id.in_([first_id, second_id]),
                table.c.account_number_bidx.is_not(None),
            )
        ):
            held[sid].add(index)
    return bool(held[first_id] & held[second_id])


def record_decision(
    conn: Connection,
    first_id: str,
    second_id: str,
    decision: Decision,
    *,
    decided_by: str,
    now: datetime,
    note: str | None = None,
) -> None:
    """Remember a decision about two suppliers in the caller's transaction; the pair is
    not raised again."""
    if first_id == second_id:
        raise MergeRefusedError("a supplier cannot be a duplicate of itself")
    a, b = ordered_pair(first_id, second_id)
    found = set(conn.scalars(select(SUPPLIER.c.id).where(SUPPLIER.c.id.in_([a, b]))))
    if missing := {a, b} - found:
        raise SupplierNotFoundError(f"no supplier {', '.join(sorted(missing))}")
    conn.execute(delete(DECISION).where(DECISION.c.a_id == a, DECISION.c.b_id == b))
    conn.execute(
        insert(DECISION).values(
            a_id=a,
            b_id=b,
            decision=decision.value,
            decided_by=decided_by,
            decided_at=now,
            note=note,
        )
    )
    conn.execute(delete(PAIR).where(PAIR.c.a_id == a, PAIR.c.b_id == b))


def decide_not_the_same(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    decider: Principal,
    first_id: str,
    second_id: str,
    *,
    now: datetime,
    note: str | None = None,
) -> PairDecision:
    """ "Not the same company": checked against the decider's role, remembered (the pair
    stays quiet from now on) and audited as ``duplicate.not_the_same``, in one transaction.
    """
    with engine.begin() as conn:
        shared = shares_bank_account(conn, first_id, second_id)
        if not may_dismiss(decider.role, shares_bank_account=shared):
            reason = " (the two share a bank account)" if shared else ""
            raise DismissRefusedError(
                f"a {decider.role.value} may not decide that these suppliers are "
                f"different companies{reason}; ask a purchasing supervisor"
            )
        record_decision(
            conn,
            first_id,
            second_id,
            Decision.NOT_THE_SAME,
            decided_by=decider.subject,
            now=now,
            note=note,
        )
        audit.record(
            conn,
            ctx,
            "duplicate.not_the_same",
            subject_type="supplier",
            subject_id=first_id,
            field_name="duplicate_of",
            before=None,
            after=second_id,
            now=now,
        )
    return PairDecision(first_id, second_id, Decision.NOT_THE_SAME, decider.subject)
