"""The account-version state machine: a payment may go only to an active version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from payments import AccountVersion, VersionState, VersionTransitionError

T = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
COOL = timedelta(hours=48)


def proposed() -> AccountVersion:
    return AccountVersion.propose("v-1", "s-1", "a-1", 1, "1:abc", "工商银行", "甲公司", T)


def test_a_proposed_version_is_neither_proven_nor_approved() -> None:
    assert proposed().state_at(T) is VersionState.PROPOSED


def test_proof_before_approval_waits_for_the_approvers() -> None:
    assert proposed().verify("demo", T, cooling_off=COOL).state_at(T) is (
        VersionState.OWNERSHIP_VERIFIED
    )


def test_approval_without_proof_is_not_enough_to_pay() -> None:
    assert proposed().approve(("alice", "bob"), T, cooling_off=COOL).state_at(T) is (
        VersionState.APPROVED
    )


def test_cooling_off_starts_from_the_later_of_proof_and_approval() -> None:
    version = proposed().approve(("alice", "bob"), T, cooling_off=COOL)
    version = version.verify("small_amount", T + timedelta(hours=5), cooling_off=COOL)
    assert version.cooling_until == T + timedelta(hours=53)
    assert version.state_at(T + timedelta(hours=52)) is VersionState.COOLING_OFF
    assert version.state_at(T + timedelta(hours=53)) is VersionState.ACTIVE


def test_a_retired_version_stays_retired() -> None:
    version = proposed().approve(("alice",), T, cooling_off=COOL).retire(T)
    assert version.state_at(T + timedelta(days=9)) is VersionState.RETIRED
    with pytest.raises(VersionTransitionError):
        version.verify("demo", T, cooling_off=COOL)


def test_ownership_is_proven_once() -> None:
    with pytest.raises(VersionTransitionError):
        proposed().verify("demo", T, cooling_off=COOL).verify("demo", T, cooling_off=COOL)


def test_an_approval_names_its_approvers() -> None:
    with pytest.raises(ValueError, match="approvers"):
        proposed().approve((), T, cooling_off=COOL)
