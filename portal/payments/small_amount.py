"""The small amount sent by a provider (e签宝 对公打款) instead of the customer's payment
system: the provider picks the amount, so the portal keeps only the provider's flow and
asks the provider whether the amount the supplier types is right.

* :func:`send_through_provider` (finance, purchasing supervisors, admins): the provider
  compares the company's details with the registry and sends a random amount. ``sent``
  keeps the flow on the version's check (a new flow replaces an earlier challenge);
  ``no_match`` (the details differ: nothing sent) and ``unknown`` keep nothing but the
  audit entry.
* :func:`answer_small_amount` (the supplier): a provider's flow is checked by the
  provider (``match`` proves the version; a wrong amount counts an attempt; a flow the
  provider ended asks for a new transfer; ``unknown`` changes nothing and says to try
  later); a challenge of our own goes to :func:`confirm_small_amount`.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from sqlalchemy import Connection

from payments import AccountVersion
from payments.ports import (
    SmallAmountAnswer,
    SmallAmountOutcome,
    SmallAmountQuery,
    SmallAmountTransfer,
)
from portal.audit.log import AuditContext
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal
from portal.payments.deps import AccountVersionNotFoundError, PaymentDeps, PaymentForbiddenError
from portal.payments.proving import (
    MAX_ATTEMPTS,
    SENDERS,
    SmallAmountError,
    account_facts,
    confirm_small_amount,
    ownership_check,
    save_check,
    suppliers_own,
    typed_cents,
)

__all__ = ["SmallAmountUnavailableError", "answer_small_amount", "send_through_provider"]


class SmallAmountUnavailableError(PortalError):
    """The provider could not check the amount now: nothing was counted."""

    kind = ErrorKind.UNAVAILABLE
    code = "small_amount.unavailable"


def _query(deps: PaymentDeps, version_id: str) -> tuple[AccountVersion, SmallAmountQuery]:
    facts = account_facts(deps, version_id)
    query = SmallAmountQuery(
        credit_code=facts.credit_code or "",
        enterprise_name=facts.name,
        legal_person=facts.legal_person,
        bank_name=facts.version.bank_name,
        cnaps_code=facts.cnaps_code or "",
        account_number=facts.account_number,
    )
    return facts.version, query


def _audit_answer(
    deps: PaymentDeps,
    conn: Connection,
    ctx: AuditContext,
    act: str,
    version: AccountVersion,
    answer: SmallAmountAnswer,
) -> None:
    after = {"version": version.id, "outcome": answer.outcome.value, "flow": answer.reference}
    deps.audit.record(conn, ctx, act, subject_type="supplier", subject_id=version.supplier_id,
                      field_name=answer.provider, after=json.dumps(after, sort_keys=True),
                      now=deps.clock())  # fmt: skip


async def send_through_provider(
    deps: PaymentDeps,
    ctx: AuditContext,
    viewer: Principal,
    version_id: str,
    transfer: SmallAmountTransfer,
) -> SmallAmountAnswer:
    """Ask ``transfer`` to send a random amount to the version's account; audited."""
    if viewer.role not in SENDERS:
        raise PaymentForbiddenError("send a small-amount verification", "发起小额打款验证")
    _, query = await asyncio.to_thread(_query, deps, version_id)
    answer = await transfer.send(query)

    def keep() -> None:
        with deps.engine.begin() as conn:
            version = deps.versions.lock(conn, version_id)
            if version is None:
                raise AccountVersionNotFoundError(version_id)
            if answer.outcome is SmallAmountOutcome.SENT:
                save_check(conn, version_id, challenge_bidx=None, attempts=0,
                            challenge_provider=answer.provider,
                            challenge_reference=answer.reference[:100],
                            challenge_sent_at=deps.clock())  # fmt: skip
            _audit_answer(deps, conn, ctx, "account_version.small_amount_sent", version, answer)

    await asyncio.to_thread(keep)
    return answer


async def answer_small_amount(
    deps: PaymentDeps,
    ctx: AuditContext,
    viewer: Principal,
    version_id: str,
    typed: str,
    transfer: SmallAmountTransfer | None,
) -> bool:
    """The supplier types the amount received: right proves the version. A provider's
    flow is checked by the provider; a challenge of our own by its blind index."""

    def flow() -> tuple[str, str, int] | None:
        with deps.engine.connect() as conn:
            suppliers_own(viewer, deps.versions.get(conn, version_id), version_id)
            check = ownership_check(conn, version_id)
        if check is None or not check["challenge_reference"]:
            return None
        return (str(check["challenge_provider"]), str(check["challenge_reference"]),
                int(str(check["attempts"])))  # fmt: skip

    found = await asyncio.to_thread(flow)
    if found is None:
        return await asyncio.to_thread(confirm_small_amount, deps, ctx, viewer, version_id, typed)
    provider, reference, attempts = found
    cents = typed_cents(typed)
    if attempts >= MAX_ATTEMPTS:
        raise SmallAmountError(
            "three wrong amounts: ask for a new small-amount transfer",
            message_zh="已输错三次：请联系我方重新打款",
        )
    if transfer is None or transfer.name != provider:
        raise SmallAmountUnavailableError(
            "the service that sent the amount cannot be reached now; try again later",
            message_zh="发起打款的服务暂不可用，请稍后再试",
        )
    answer = await transfer.confirm(reference, Decimal(cents) / 100)
    if answer.outcome is SmallAmountOutcome.UNKNOWN:
        raise SmallAmountUnavailableError(
            "the service could not check the amount now; nothing was counted, try again later",
            message_zh="服务暂时无法核对金额，本次不计次数，请稍后再试",
        )
    return await asyncio.to_thread(_keep_confirmation, deps, ctx, version_id, reference, answer)


def _keep_confirmation(
    deps: PaymentDeps,
    ctx: AuditContext,
    version_id: str,
    reference: str,
    answer: SmallAmountAnswer,
) -> bool:
    now = deps.clock()
    right = answer.outcome is SmallAmountOutcome.MATCH
    with deps.engine.begin() as conn:
        version = deps.versions.lock(conn, version_id)
        check = ownership_check(conn, version_id)
        if version is None or check is None or check["challenge_reference"] != reference:
            raise SmallAmountError("a new small amount was sent meanwhile: type that one",
                                   message_zh="期间已重新打款，请输入新收到的金额")  # fmt: skip
        if right:
            if version.verified_at is None:
                deps.versions.save(
                    conn, version.verify("small_amount", now, cooling_off=deps.cooling_off)
                )
            save_check(conn, version_id, challenge_provider=None, challenge_reference=None,
                        attempts=0)  # fmt: skip
        elif answer.outcome is SmallAmountOutcome.EXPIRED:
            save_check(conn, version_id, attempts=MAX_ATTEMPTS)
        else:
            save_check(conn, version_id, attempts=int(str(check["attempts"])) + 1)
        act = (
            "account_version.small_amount_confirmed"
            if right
            else "account_version.small_amount_refused"
        )
        _audit_answer(deps, conn, ctx, act, version, answer)
    if answer.outcome is SmallAmountOutcome.EXPIRED:
        raise SmallAmountError(
            "the service ended this transfer: ask for a new small-amount transfer",
            message_zh="该笔打款已失效：请联系我方重新打款",
        )
    return right
