"""The portal's own second factor (issue 12, step-up): enrol, step up, refuse, reset."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import Engine, select

from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import SupplierStore
from portal.domain.principal import Principal, Role
from portal.identity.sessions import NotAllowedError
from portal.identity.totp import (
    TOTP,
    CodeRefusedError,
    EnrolmentState,
    LoginTooOldError,
    NotEnrolledError,
    TooManyCodesError,
    confirm_enrolment,
    enrolment_state,
    reset_enrolment,
    start_enrolment,
    step_up_with_code,
)
from portal.identity.users import record_login

NOW = datetime(2026, 12, 3, 9, 0, 10, tzinfo=UTC)
FRESH = timedelta(minutes=15)
CTX = AuditContext(actor="someone", actor_role="purchasing_supervisor", ip="10.0.0.1")


def account(engine: Engine, subject: str, role: Role) -> Principal:
    with engine.begin() as conn:
        found = record_login(conn, issuer="https://idp.example", subject=subject, email=None,
                             display_name=f"{subject} 主管", staff_role=role, now=NOW)  # fmt: skip
    return replace(found.principal(), authenticated_at=NOW - timedelta(minutes=1))


@pytest.fixture
def log(store: SupplierStore) -> AuditLog:
    return AuditLog(store.sealer)


@pytest.fixture
def enrolled(engine: Engine, store: SupplierStore, log: AuditLog) -> tuple[Principal, pyotp.TOTP]:
    """A supervisor with a confirmed authenticator (the code of NOW used to confirm it)."""
    me = account(engine, "sup-1", Role.PURCHASING_SUPERVISOR)
    shown = start_enrolment(engine, store.sealer, me, NOW, fresh_for=FRESH)
    app = pyotp.TOTP(shown.secret)
    confirm_enrolment(engine, store.sealer, log, CTX, me, app.at(NOW), NOW)
    return me, app


def actions(engine: Engine, log: AuditLog) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        return [
            (e.action, e.after) for e in log.entries(conn) if e.action.startswith(("totp", "step"))
        ]


def step_up(engine: Engine, store: SupplierStore, log: AuditLog, me: Principal, code: str,
            at: datetime) -> datetime:  # fmt: skip
    return step_up_with_code(engine, store.sealer, log, CTX, me, code, at)


def test_a_confirmed_authenticator_steps_up_with_the_next_code_and_is_audited(
    engine: Engine, store: SupplierStore, log: AuditLog, enrolled: tuple[Principal, pyotp.TOTP]
) -> None:
    me, app = enrolled
    later = NOW + timedelta(minutes=3)
    assert step_up(engine, store, log, me, app.at(later), later) == later
    assert enrolment_state(engine, me.subject) == EnrolmentState.CONFIRMED
    assert actions(engine, log) == [("totp.enrolled", None), ("step_up.succeeded", "otp")]


def test_a_wrong_code_is_refused_and_audited(
    engine: Engine, store: SupplierStore, log: AuditLog, enrolled: tuple[Principal, pyotp.TOTP]
) -> None:
    me, app = enrolled
    wrong = f"{(int(app.at(NOW + timedelta(minutes=1))) + 1) % 1_000_000:06d}"
    with pytest.raises(CodeRefusedError, match="not accepted"):
        step_up(engine, store, log, me, wrong, NOW + timedelta(minutes=1))
    assert actions(engine, log)[-1] == ("step_up.failed", "wrong")


def test_the_same_code_is_not_accepted_twice(
    engine: Engine, store: SupplierStore, log: AuditLog, enrolled: tuple[Principal, pyotp.TOTP]
) -> None:
    me, app = enrolled
    later = NOW + timedelta(minutes=2)
    step_up(engine, store, log, me, app.at(later), later)
    with pytest.raises(CodeRefusedError) as refused:
        step_up(engine, store, log, me, app.at(later), later + timedelta(seconds=5))
    assert refused.value.reason == "reused"
    assert actions(engine, log)[-1] == ("step_up.failed", "reused")


def test_the_code_that_confirmed_the_enrolment_cannot_step_up_again(
    engine: Engine, store: SupplierStore, log: AuditLog, enrolled: tuple[Principal, pyotp.TOTP]
) -> None:
    me, app = enrolled
    with pytest.raises(CodeRefusedError):
        step_up(engine, store, log, me, app.at(NOW), NOW + timedelta(seconds=10))


def test_a_code_from_two_minutes_ago_is_stale(
    engine: Engine, store: SupplierStore, log: AuditLog, enrolled: tuple[Principal, pyotp.TOTP]
) -> None:
    me, app = enrolled
    later = NOW + timedelta(minutes=10)
    with pytest.raises(CodeRefusedError):
        step_up(engine, store, log, me, app.at(later - timedelta(minutes=2)), later)
    assert step_up(engine, store, log, me, app.at(later), later) == later  # the current one is


def test_five_wrong_codes_lock_the_account_for_five_minutes(
    engine: Engine, store: SupplierStore, log: AuditLog, enrolled: tuple[Principal, pyotp.TOTP]
) -> None:
    me, app = enrolled
    at = NOW + timedelta(minutes=1)
    wrong = f"{(int(app.at(at)) + 1) % 1_000_000:06d}"
    for _ in range(4):
        with pytest.raises(CodeRefusedError):
            step_up(engine, store, log, me, wrong, at)
    with pytest.raises(TooManyCodesError):
        step_up(engine, store, log, me, wrong, at)
    with pytest.raises(TooManyCodesError):  # even the right code waits
        step_up(engine, store, log, me, app.at(at), at)
    after = at + timedelta(minutes=6)
    assert step_up(engine, store, log, me, app.at(after), after) == after


def test_the_secret_is_not_in_the_database_in_clear(
    engine: Engine, store: SupplierStore, log: AuditLog
) -> None:
    me = account(engine, "sup-2", Role.PURCHASING_SUPERVISOR)
    shown = start_enrolment(engine, store.sealer, me, NOW, fresh_for=FRESH)
    with engine.connect() as conn:
        row = conn.execute(select(TOTP)).mappings().one()
    stored = " ".join(str(value) for value in row.values())
    assert shown.secret not in stored and shown.secret.lower() not in stored.lower()
    assert me.subject in stored  # the row was read: the account is there, the secret is not


def test_enrolling_needs_a_recent_login(engine: Engine, store: SupplierStore) -> None:
    me = account(engine, "sup-3", Role.PURCHASING_SUPERVISOR)
    old = replace(me, authenticated_at=NOW - timedelta(hours=2))
    with pytest.raises(LoginTooOldError, match="log in again"):
        start_enrolment(engine, store.sealer, old, NOW, fresh_for=FRESH)
    assert enrolment_state(engine, me.subject) == EnrolmentState.NONE


def test_a_second_enrolment_is_refused_until_an_admin_resets_it(
    engine: Engine, store: SupplierStore, log: AuditLog, enrolled: tuple[Principal, pyotp.TOTP]
) -> None:
    me, _ = enrolled
    with pytest.raises(NotEnrolledError, match="already set up"):
        start_enrolment(engine, store.sealer, me, NOW, fresh_for=FRESH)
    admin = account(engine, "admin-1", Role.ADMIN)
    with pytest.raises(NotAllowedError):
        reset_enrolment(engine, log, CTX, me, me.subject, NOW)
    reset_enrolment(engine, log, CTX, admin, me.subject, NOW)
    assert enrolment_state(engine, me.subject) == EnrolmentState.NONE
    assert actions(engine, log)[-1] == ("totp.reset", None)
    with pytest.raises(NotEnrolledError):
        step_up(engine, store, log, me, "123456", NOW)
