"""Proving that an account belongs to its supplier, two ways; each act is audited.

* :func:`verify_ownership`: ask an enterprise-account verification service. ``match``
  proves it; ``no_match`` and ``not_found`` are recorded (the version stays unproven);
  ``unknown`` (the provider down or unsure) is never a pass and never a fail: the version
  stays unproven and :func:`retry_unknown` asks again from ``retry_at`` (one hour, then
  twice the last wait each time the answer is unknown again, at most a day). Each due row
  is claimed by a conditional UPDATE, so two workers never ask about it together.
* :func:`send_small_amount` / :func:`confirm_small_amount`: the customer's payment system
  sends a random number of cents; the supplier types it in. Only a blind index of the
  amount is kept; three wrong answers lock the challenge until a new one is sent.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from payments import AccountVersion
from payments.ports import OwnershipAnswer, OwnershipOutcome, OwnershipQuery, OwnershipVerifier
from portal.audit.log import AuditContext
from portal.db.lease import claim_each
from portal.db.payment_tables import OwnershipCheckRow
from portal.db.supplier_store import BANK, SUPPLIER
from portal.db.tables import table_of
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role
from portal.payments.deps import AccountVersionNotFoundError, PaymentDeps, PaymentForbiddenError
from portal.payments.versions import VERSION

__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_AFTER",
    "RETRY_MAX",
    "SENDERS",
    "SmallAmountError",
    "confirm_small_amount",
    "ownership_check",
    "retry_unknown",
    "save_check",
    "send_small_amount",
    "typed_cents",
    "verify_ownership",
]

CHECK = table_of(OwnershipCheckRow)
RETRY_AFTER = timedelta(hours=1)
RETRY_MAX = timedelta(hours=24)
#: how long a claimed retry is someone else's: if the worker dies, another asks after it
CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 3
#: Who may ask a verification service or send the small amount: purchasing supervisors,
#: finance (who pay), admins, and the portal's own worker.
SENDERS = frozenset({Role.PURCHASING_SUPERVISOR, Role.FINANCE, Role.ADMIN})


class SmallAmountError(PortalError):
    """The small-amount answer cannot be taken (no challenge, locked, not an amount)."""

    kind = ErrorKind.CONFLICT
    code = "small_amount.refused"


@dataclass(frozen=True)
class _Subject:
    version: AccountVersion
    query: OwnershipQuery


def ownership_check(conn: Connection, version_id: str) -> dict[str, object] | None:
    row = conn.execute(select(CHECK).where(CHECK.c.version_id == version_id)).first()
    return None if row is None else dict(row._mapping)


def save_check(conn: Connection, version_id: str, **values: object) -> None:
    """Update the version's check row, or make it (in the caller's transaction)."""
    done = conn.execute(update(CHECK).where(CHECK.c.version_id == version_id).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(CHECK).values(version_id=version_id, **{"attempts": 0, **values}))


@dataclass(frozen=True)
class AccountFacts:
    """What a provider is asked about a version's account: its supplier and the number."""

    version: AccountVersion
    credit_code: str | None
    name: str
    legal_person: str
    cnaps_code: str | None
    account_number: str


def account_facts(deps: PaymentDeps, version_id: str) -> AccountFacts:
    """The version, its supplier's registered facts and the account number (opened)."""
    with deps.engine.connect() as conn:
        version = deps.versions.get(conn, version_id)
        if version is None:
            raise AccountVersionNotFoundError(version_id)
        supplier = conn.execute(
            select(SUPPLIER.c.uscc, SUPPLIER.c.name, SUPPLIER.c.legal_representative).where(
                SUPPLIER.c.id == version.supplier_id
            )
        ).one()
        account = conn.execute(
            select(BANK.c.account_number_enc, BANK.c.cnaps_code).where(
                BANK.c.id == version.bank_account_id
            )
        ).one()
    number = deps.sealer.open(
        "bank_account", "account_number", version.bank_account_id, account.account_number_enc
    ).value
    return AccountFacts(version, supplier.uscc, supplier.name,
                        supplier.legal_representative or "", account.cnaps_code,
                        number or "")  # fmt: skip


def _subject(deps: PaymentDeps, version_id: str) -> _Subject:
    facts = account_facts(deps, version_id)
    query = OwnershipQuery(
        credit_code=facts.credit_code or "",
        enterprise_name=facts.name,
        legal_person=facts.legal_person,
        bank_name=facts.version.bank_name,
        account_number=facts.account_number,
    )
    return _Subject(facts.version, query)


async def verify_ownership(
    deps: PaymentDeps,
    ctx: AuditContext,
    viewer: Principal,
    version_id: str,
    verifier: OwnershipVerifier,
) -> OwnershipAnswer:
    """Ask ``verifier`` whether the version's account is the supplier's; audited."""
    if viewer.role not in SENDERS:
        raise PaymentForbiddenError("verify account ownership", "核验账户归属")
    return await _ask(deps, ctx, version_id, verifier, RETRY_AFTER)


async def _ask(
    deps: PaymentDeps,
    ctx: AuditContext,
    version_id: str,
    verifier: OwnershipVerifier,
    wait_if_unknown: timedelta,
) -> OwnershipAnswer:
    subject = await asyncio.to_thread(_subject, deps, version_id)
    answer = await verifier.verify(subject.query)
    await asyncio.to_thread(_keep_answer, deps, ctx, subject.version.id, answer, wait_if_unknown)
    return answer


def _keep_answer(
    deps: PaymentDeps,
    ctx: AuditContext,
    version_id: str,
    answer: OwnershipAnswer,
    wait_if_unknown: timedelta = RETRY_AFTER,
) -> None:
    now = deps.clock()
    unknown = answer.outcome is OwnershipOutcome.UNKNOWN
    with deps.engine.begin() as conn:
        version = deps.versions.lock(conn, version_id)
        if version is None:
            raise AccountVersionNotFoundError(version_id)
        proven = version.verified_at is not None or version.retired_at is not None
        if answer.outcome is OwnershipOutcome.MATCH and not proven:
            method = f"service:{answer.provider}"
            deps.versions.save(conn, version.verify(method, now, cooling_off=deps.cooling_off))
        save_check(
            conn,
            version_id,
            provider=answer.provider,
            outcome=answer.outcome.value,
            reference=answer.reference[:100] or None,
            checked_at=now,
            retry_at=now + wait_if_unknown if unknown else None,
        )
        deps.audit.record(
            conn,
            ctx,
            "account_version.ownership_checked",
            subject_type="supplier",
            subject_id=version.supplier_id,
            field_name=answer.provider,
            after=json.dumps(
                {
                    "version": version_id,
                    "outcome": answer.outcome.value,
                    "reference": answer.reference,
                },
                sort_keys=True,
            ),
            now=now,
        )


async def retry_unknown(
    deps: PaymentDeps, ctx: AuditContext, verifier: OwnershipVerifier, *, limit: int = 100
) -> list[OwnershipAnswer]:
    """Ask again about every unproven version whose last answer was unknown and is due;
    each row claimed first. An answer unknown again waits twice as long as the last time."""
    claimed = await asyncio.to_thread(_claim_due, deps, limit)
    return [await _ask(deps, ctx, vid, verifier, wait) for vid, wait in claimed]


def _claim_due(deps: PaymentDeps, limit: int) -> list[tuple[str, timedelta]]:
    """The due versions this caller won (conditional UPDATE on ``retry_at``), each with
    how long to wait if the answer is unknown again."""
    now = deps.clock()
    due = (
        select(CHECK.c.version_id, CHECK.c.retry_at, CHECK.c.checked_at)
        .join(VERSION, VERSION.c.id == CHECK.c.version_id)
        .where(
            CHECK.c.outcome == OwnershipOutcome.UNKNOWN.value,
            CHECK.c.retry_at <= now,
            VERSION.c.verified_at.is_(None),
            VERSION.c.retired_at.is_(None),
        )
        .order_by(CHECK.c.retry_at)
        .limit(limit)
    )
    return list(
        claim_each(
            deps.engine,
            CHECK,
            due,
            guard=lambda row: and_(
                CHECK.c.version_id == row.version_id, CHECK.c.retry_at == row.retry_at
            ),
            lease=lambda row: {"retry_at": now + CLAIM_LEASE},
            then=lambda conn, row: (row.version_id, _next_wait(row)),
        )
    )


def _next_wait(row: Any) -> timedelta:
    """Twice as long as the last wait, within RETRY_AFTER and RETRY_MAX."""
    waited = row.retry_at - row.checked_at if row.checked_at else RETRY_AFTER
    return min(max(2 * waited, RETRY_AFTER), RETRY_MAX)


def send_small_amount(
    deps: PaymentDeps, ctx: AuditContext, viewer: Principal, version_id: str
) -> Decimal:
    """A new random amount (0.01 to 0.99) for the payment system to send; only its blind
    index is kept. Returns the amount to send."""
    if viewer.role not in SENDERS:
        raise PaymentForbiddenError("send a small-amount verification", "发起小额打款验证")
    cents = secrets.randbelow(99) + 1
    now = deps.clock()
    with deps.engine.begin() as conn:
        version = deps.versions.lock(conn, version_id)
        if version is None:
            raise AccountVersionNotFoundError(version_id)
        save_check(
            conn,
            version_id,
            challenge_bidx=deps.sealer.index("small_amount", f"{version_id}:{cents}"),
            challenge_sent_at=now,
            challenge_provider=None,
            challenge_reference=None,
            attempts=0,
        )
        deps.audit.record(conn, ctx, "account_version.small_amount_sent",
                          subject_type="supplier", subject_id=version.supplier_id,
                          after=json.dumps({"version": version_id}), now=now)  # fmt: skip
    return Decimal(cents) / 100


def typed_cents(typed: str) -> int:
    """The amount the supplier typed, in cents ("0.37", "0.37元", "¥0.37" or "37")."""
    try:
        amount = Decimal(typed.strip().replace("元", "").replace("¥", ""))
    except InvalidOperation as exc:
        raise SmallAmountError(
            "type the amount received, e.g. 0.37",
            message_zh="请输入收到的金额，例如 0.37",
            field="amount",
        ) from exc
    return int(amount * 100) if amount < 1 else int(amount)


def suppliers_own(
    viewer: Principal, version: AccountVersion | None, version_id: str
) -> AccountVersion:
    """The version, when it is the viewing supplier's own; anyone else is told it does not
    exist (the small-amount answer is the supplier's alone)."""
    if version is None or viewer.role is not Role.SUPPLIER:
        raise AccountVersionNotFoundError(version_id)
    if viewer.supplier_id != version.supplier_id:
        raise AccountVersionNotFoundError(version_id)
    return version


def confirm_small_amount(
    deps: PaymentDeps, ctx: AuditContext, viewer: Principal, version_id: str, typed: str
) -> bool:
    """The supplier types the amount received; right proves ownership. Wrong answers are
    counted; the third locks the challenge."""
    now = deps.clock()
    with deps.engine.begin() as conn:
        version = suppliers_own(viewer, deps.versions.lock(conn, version_id), version_id)
        cents = typed_cents(typed)
        check = ownership_check(conn, version_id)
        if check is None or check["challenge_bidx"] is None:
            raise SmallAmountError("no small amount was sent to this account yet",
                                   message_zh="尚未向该账户发起小额打款")  # fmt: skip
        if int(str(check["attempts"])) >= MAX_ATTEMPTS:
            raise SmallAmountError(
                "three wrong amounts: ask for a new small-amount transfer",
                message_zh="已输错三次：请联系我方重新打款",
            )
        right = (
            deps.sealer.index("small_amount", f"{version_id}:{cents}") == (check["challenge_bidx"])
        )
        if right:
            if version.verified_at is None:
                deps.versions.save(
                    conn, version.verify("small_amount", now, cooling_off=deps.cooling_off)
                )
            save_check(conn, version_id, challenge_bidx=None, attempts=0)
        else:
            save_check(conn, version_id, attempts=int(str(check["attempts"])) + 1)
        deps.audit.record(
            conn, ctx,
            "account_version.small_amount_confirmed" if right
            else "account_version.small_amount_refused",
            subject_type="supplier", subject_id=version.supplier_id,
            after=json.dumps({"version": version_id}), now=now,
        )  # fmt: skip
    return right
