"""The small-amount scenarios every :class:`payments.ports.SmallAmountTransfer` is run
through in the contract test, and what each must answer (shared by the recorder and the
test). Each scenario has its own cassette, so a flow's wrong answers are counted in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal

import vcr

from payments.adapters.esign import EsignCredentials
from payments.ports import SmallAmountOutcome, SmallAmountQuery, SmallAmountTransfer

FIXED_NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
REPLAY = EsignCredentials("replay-app-id", "replay-secret")
CODE, NAME, LEGAL = "91310115MAFE1KM15M", "上海澜川智能科技有限公司", "陈思远"
CNAPS = "102290020215"  # 中国工商银行上海张江支行
SENT, MATCH, NO_MATCH, EXPIRED, UNKNOWN = (
    SmallAmountOutcome.SENT,
    SmallAmountOutcome.MATCH,
    SmallAmountOutcome.NO_MATCH,
    SmallAmountOutcome.EXPIRED,
    SmallAmountOutcome.UNKNOWN,
)
PAID = "6222020000000011111"
#: the company's details do not match the registry (a different legal representative)
DETAILS_DIFFER = "6222020000000010000"
#: the provider cannot make the transfer (打款失败)
TRANSFER_FAILS = "6222020000000019999"
#: an account the fake refuses; the recorded provider is refused by its details instead
FAKE_REFUSES = {DETAILS_DIFFER: NO_MATCH, TRANSFER_FAILS: UNKNOWN}
#: what the recorded provider holds as the amount it sent (e签宝's sandbox: always 0.01)
SENT_AMOUNT, WRONG_AMOUNT = Decimal("0.01"), Decimal("0.37")


def query(account: str) -> SmallAmountQuery:
    legal = "陈四远" if account == DETAILS_DIFFER else LEGAL
    return SmallAmountQuery(CODE, NAME, legal, "中国工商银行上海张江支行", CNAPS, account)


Scenario = Callable[[SmallAmountTransfer], Awaitable[list[SmallAmountOutcome]]]


async def each_send_outcome(transfer: SmallAmountTransfer) -> list[SmallAmountOutcome]:
    return [(await transfer.send(query(a))).outcome for a in (PAID, DETAILS_DIFFER, TRANSFER_FAILS)]


async def _sent_then(
    transfer: SmallAmountTransfer, amounts: list[Decimal]
) -> list[SmallAmountOutcome]:
    sent = await transfer.send(query(PAID))
    return [sent.outcome] + [(await transfer.confirm(sent.reference, a)).outcome for a in amounts]


async def right_amount(transfer: SmallAmountTransfer) -> list[SmallAmountOutcome]:
    return await _sent_then(transfer, [SENT_AMOUNT])


async def wrong_then_right_amount(transfer: SmallAmountTransfer) -> list[SmallAmountOutcome]:
    return await _sent_then(transfer, [WRONG_AMOUNT, SENT_AMOUNT])


async def three_wrong_amounts(transfer: SmallAmountTransfer) -> list[SmallAmountOutcome]:
    return await _sent_then(transfer, [WRONG_AMOUNT] * 3 + [SENT_AMOUNT])


async def unknown_flow(transfer: SmallAmountTransfer) -> list[SmallAmountOutcome]:
    return [(await transfer.confirm("8365513000000000404", SENT_AMOUNT)).outcome]


#: scenario -> (what it does, what every implementation must answer)
SCENARIOS: dict[str, tuple[Scenario, list[SmallAmountOutcome]]] = {
    "each_send_outcome": (each_send_outcome, [SENT, NO_MATCH, UNKNOWN]),
    "right_amount": (right_amount, [SENT, MATCH]),
    "wrong_then_right_amount": (wrong_then_right_amount, [SENT, NO_MATCH, MATCH]),
    "three_wrong_amounts": (three_wrong_amounts, [SENT, NO_MATCH, NO_MATCH, NO_MATCH, EXPIRED]),
    "unknown_flow": (unknown_flow, [EXPIRED]),
}

_SECRET_HEADERS = ("X-Tsign-Open-App-Id", "X-Tsign-Open-Ca-Signature", "X-Tsign-Open-Ca-Timestamp")


def esign_vcr(record_mode: str = "none") -> vcr.VCR:
    """vcrpy for e签宝: the app id, signature and timestamp headers filtered; requests
    matched on method, path, query and body, each played once and in order."""
    return vcr.VCR(
        record_mode=record_mode,
        match_on=["method", "host", "path", "query", "body"],
        filter_headers=list(_SECRET_HEADERS),
        decode_compressed_response=True,
    )
