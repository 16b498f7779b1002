from __future__ import annotations

from datetime import timedelta

from approvals import PaymentHold, evaluate_payment_hold
from approvals.payment_hold import COOLING_OFF, PENDING_BANK_CHANGE
from tests.support.approvals import (
    REQUESTER,
    SUPERVISOR,
    T0,
    at,
    bank_change,
    contact_change,
    first_bank_approval,
)

HOUR = timedelta(hours=1)


def test_payments_are_held_while_a_bank_change_is_pending() -> None:
    hold = evaluate_payment_hold([bank_change()], None, now=at(10))
    assert hold == PaymentHold(on_hold=True, reason_code=PENDING_BANK_CHANGE, until=None)


def test_payments_are_held_while_a_bank_change_is_partially_approved() -> None:
    hold = evaluate_payment_hold([first_bank_approval(bank_change())], None, now=at(70))
    assert hold.on_hold and hold.reason_code == PENDING_BANK_CHANGE


def test_payments_are_held_during_cooling_off_after_a_bank_change_is_applied() -> None:
    hold = evaluate_payment_hold([], T0, now=T0 + 47 * HOUR)
    assert hold == PaymentHold(on_hold=True, reason_code=COOLING_OFF, until=T0 + 48 * HOUR)


def test_payments_are_released_after_cooling_off() -> None:
    hold = evaluate_payment_hold([], T0, now=T0 + 48 * HOUR)
    assert hold == PaymentHold(on_hold=False, reason_code=None, until=None)


def test_cooling_off_period_is_configurable() -> None:
    hold = evaluate_payment_hold([], T0, now=T0 + 47 * HOUR, cooling_off=24 * HOUR)
    assert not hold.on_hold


def test_pending_request_wins_over_cooling_off() -> None:
    hold = evaluate_payment_hold([bank_change()], T0, now=T0 + HOUR)
    assert hold.reason_code == PENDING_BANK_CHANGE


def test_closed_and_non_bank_requests_do_not_hold_payments() -> None:
    withdrawn, _ = bank_change().withdraw(REQUESTER, at(5))
    rejected, _ = bank_change().reject_all("u-boss", SUPERVISOR, at(5), "fraud suspected")
    hold = evaluate_payment_hold([withdrawn, rejected, contact_change()], None, now=at(10))
    assert hold == PaymentHold(on_hold=False)
