"""Approving a bank change needs a recent login with a second factor (issue 12, step-up)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from approvals import Authentication, StepUpRequiredError, StepUpRule
from tests.support.approvals import at, bank_change, contact_change

RULE = StepUpRule(max_age=timedelta(minutes=15))
WITH_OTP = frozenset({"pwd", "otp"})


def test_a_fresh_login_with_a_one_time_code_may_approve_a_bank_change() -> None:
    RULE.check(bank_change(), Authentication(at(50), WITH_OTP), at(60))


def test_a_login_older_than_the_limit_must_be_repeated() -> None:
    with pytest.raises(StepUpRequiredError, match="last 15 minutes") as refused:
        RULE.check(bank_change(), Authentication(at(40), WITH_OTP), at(60))
    assert refused.value.reason == "stale" and "15 分钟" in refused.value.message_zh


def test_a_password_only_login_must_step_up() -> None:
    with pytest.raises(StepUpRequiredError, match="second factor"):
        RULE.check(bank_change(), Authentication(at(55), frozenset({"pwd"})), at(60))


def test_a_login_whose_time_is_unknown_counts_as_too_old() -> None:
    with pytest.raises(StepUpRequiredError, match="last 15 minutes"):
        RULE.check(bank_change(), Authentication(None, WITH_OTP), at(60))


def test_an_acr_the_portal_is_told_means_multi_factor_counts_as_a_second_factor() -> None:
    rule = StepUpRule(timedelta(minutes=15), multi_factor_acr=frozenset({"urn:mfa"}))
    rule.check(bank_change(), Authentication(at(55), frozenset(), "urn:mfa"), at(60))
    with pytest.raises(StepUpRequiredError):
        RULE.check(bank_change(), Authentication(at(55), frozenset(), "urn:mfa"), at(60))


def test_changes_without_bank_details_need_no_step_up() -> None:
    RULE.check(contact_change(), Authentication(None, frozenset()), at(60))
