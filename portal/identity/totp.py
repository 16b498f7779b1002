"""A second factor kept by the portal (TOTP, RFC 6238) for people whose provider gives none.

Approving a bank change needs a fresh login with a second factor (:mod:`approvals.step_up`).
When the OpenID provider sends no ``amr``/``acr`` that shows one, a member of staff enrols an
authenticator app here and proves it with a code; later, a code typed on the step-up page
counts as the factor (the web layer adds ``otp`` to the session's methods and a fresh time).

- The shared secret is sealed for its row (:class:`~portal.db.sealing.Sealer`, under the
  customer's key); the table never holds it in clear.
- A code is accepted once: ``last_step`` is the time step of the last accepted code, moved
  forward by a conditional UPDATE, so the same code (or an older one) is refused, also when two
  requests race.
- Codes from one step before or after now are accepted (clock drift); older ones are stale.
- After :data:`MAX_FAILURES` wrong codes in a row the account waits :data:`LOCKOUT`.
- Enrolling needs a login at most ``fresh_for`` old: a session left open must not be enough to
  bind someone else's authenticator to the account.

Acts (each owns its transaction and audit entry): :func:`confirm_enrolment`
(``totp.enrolled``), :func:`reset_enrolment` (``totp.reset``, admins), :func:`step_up_with_code`
(``step_up.succeeded`` / ``step_up.failed`` with the reason).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import Connection, Engine, delete, insert, or_, select, update

from portal.audit.log import AuditContext, AuditLog
from portal.db.auth_tables import TotpEnrolmentRow
from portal.db.sealing import Sealer
from portal.db.tables import table_of
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role
from portal.identity.sessions import NotAllowedError, UnknownSessionError

__all__ = [
    "ISSUER",
    "LOCKOUT",
    "MAX_FAILURES",
    "CodeRefusedError",
    "EnrolmentState",
    "LoginTooOldError",
    "NotEnrolledError",
    "Provisioning",
    "TooManyCodesError",
    "TotpError",
    "confirm_enrolment",
    "enrolled_accounts",
    "enrolment_state",
    "reset_enrolment",
    "start_enrolment",
    "step_up_with_code",
]

TOTP = table_of(TotpEnrolmentRow)
#: The name authenticator apps show above the code.
ISSUER = "Supplier Portal"
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)
_SEAL = ("totp_enrolment", "secret")


class TotpError(PortalError):
    """Base of the one-time-code errors."""

    code = "totp.error"


class CodeRefusedError(TotpError, ValueError):
    """The code is wrong, already used, or too old."""

    code = "totp.code_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(
            "This code is not accepted: check the time on your phone and type the code the "
            "app shows now (each code can be used once).",
            message_zh="验证码不正确、已使用过或已过期：请核对手机时间，输入验证器当前显示的验证码"
            "（每个验证码只能使用一次）。",
            field="code",
        )
        self.reason = reason  # "wrong", "reused" or "malformed"


class TooManyCodesError(TotpError):
    """Too many wrong codes in a row: wait before trying again."""

    kind = ErrorKind.CONFLICT
    code = "totp.locked"

    def __init__(self, until: datetime) -> None:
        minutes = max(1, int((LOCKOUT.total_seconds() + 59) // 60))
        super().__init__(
            f"Too many wrong codes: try again in {minutes} minutes.",
            message_zh=f"验证码错误次数过多，请 {minutes} 分钟后再试。",
            field="code",
        )
        self.until = until


class NotEnrolledError(TotpError, LookupError):
    """No confirmed authenticator for this person (or one is already confirmed)."""

    kind = ErrorKind.CONFLICT
    code = "totp.not_enrolled"

    def __init__(self, enrolled: bool = False) -> None:
        if enrolled:
            super().__init__(
                "An authenticator is already set up for you; an administrator can reset it.",
                message_zh="您已绑定验证器；如需更换，请联系管理员重置。",
            )
        else:
            super().__init__(
                "No authenticator is set up for you yet: set one up first.",
                message_zh="您尚未绑定验证器，请先绑定。",
            )
        self.enrolled = enrolled


class LoginTooOldError(TotpError, PermissionError):
    """Setting up an authenticator needs a recent login."""

    kind = ErrorKind.FORBIDDEN
    code = "totp.login_too_old"

    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"To set up an authenticator, log in again (your login must be at most {minutes} "
            "minutes old).",
            message_zh=f"绑定验证器需要最近 {minutes} 分钟内的登录，请重新登录。",
        )


class EnrolmentState:
    NONE = "none"
    PENDING = "pending"
    CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Provisioning:
    """What the enrolment page shows: the secret (for typing in) and the ``otpauth://`` URI."""

    secret: str
    uri: str


def _person(actor: Principal) -> None:
    if not (actor.is_person and actor.is_staff):
        raise NotAllowedError("only a member of staff, logged in themselves, has an authenticator")


def _row(conn: Connection, account_id: str) -> TotpEnrolmentRow | None:
    found = conn.execute(select(TOTP).where(TOTP.c.account_id == account_id)).mappings().first()
    return TotpEnrolmentRow(**found) if found is not None else None


def _secret(sealer: Sealer, row: TotpEnrolmentRow) -> str:
    opened = sealer.open(*_SEAL, row.account_id, row.secret)
    if opened.value is None:
        raise NotEnrolledError() from None  # a secret that does not open is as good as none
    return opened.value


def enrolment_state(engine: Engine, account_id: str) -> str:
    """:attr:`EnrolmentState.NONE`, ``PENDING`` (shown, not yet proven) or ``CONFIRMED``."""
    with engine.connect() as conn:
        row = _row(conn, account_id)
    if row is None:
        return EnrolmentState.NONE
    return EnrolmentState.CONFIRMED if row.confirmed_at is not None else EnrolmentState.PENDING


def enrolled_accounts(engine: Engine) -> frozenset[str]:
    """Accounts with an authenticator set up (confirmed), for the admin screen."""
    with engine.connect() as conn:
        found = conn.execute(select(TOTP.c.account_id).where(TOTP.c.confirmed_at.is_not(None)))
        return frozenset(str(a) for a in found.scalars())


def _check_fresh(actor: Principal, now: datetime, fresh_for: timedelta) -> None:
    when = actor.authenticated_at
    if when is None or not now - fresh_for <= when <= now + timedelta(minutes=1):
        raise LoginTooOldError(int(fresh_for.total_seconds() // 60))


def start_enrolment(
    engine: Engine, sealer: Sealer, actor: Principal, now: datetime, *, fresh_for: timedelta
) -> Provisioning:
    """A new secret for ``actor`` (or the one already shown and not yet confirmed)."""
    _person(actor)
    _check_fresh(actor, now, fresh_for)
    with engine.begin() as conn:
        row = _row(conn, actor.subject)
        if row is not None and row.confirmed_at is not None:
            raise NotEnrolledError(enrolled=True)
        if row is not None:
            secret = _secret(sealer, row)
        else:
            secret = pyotp.random_base32()
            conn.execute(
                insert(TOTP).values(
                    account_id=actor.subject,
                    secret=sealer.seal(*_SEAL, actor.subject, secret),
                    created_at=now,
                    failures=0,
                )
            )
    name = actor.display_name or actor.subject
    return Provisioning(secret, pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER))


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, one before or one after) whose code is ``code``."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalised(code: str) -> str:
    return "".join(code.split())


@dataclass(frozen=True)
class _Outcome:
    step: int | None = None
    reason: str | None = None  # why refused
    locked_until: datetime | None = None


def _try_code(
    conn: Connection, sealer: Sealer, row: TotpEnrolmentRow, code: str, now: datetime
) -> _Outcome:
    """Accept ``code`` once (moving ``last_step`` forward) or count a failure."""
    if row.locked_until is not None and row.locked_until > now:
        return _Outcome(reason="locked", locked_until=row.locked_until)
    clean = _normalised(code)
    step = _matching_step(_secret(sealer, row), clean, now) if clean.isdigit() else None
    if step is not None:
        moved = conn.execute(
            update(TOTP)
            .where(TOTP.c.account_id == row.account_id)
            .where(or_(TOTP.c.last_step.is_(None), TOTP.c.last_step < step))
            .values(last_step=step, failures=0, locked_until=None)
        )
        if moved.rowcount == 1:
            return _Outcome(step=step)
    reason = "wrong" if step is None else "reused"
    failures = row.failures + 1
    locked = now + LOCKOUT if failures >= MAX_FAILURES else None
    conn.execute(
        update(TOTP)
        .where(TOTP.c.account_id == row.account_id)
        .values(failures=0 if locked else failures, locked_until=locked)
    )
    return _Outcome(reason=reason, locked_until=locked)


def _raise_for(outcome: _Outcome) -> None:
    if outcome.locked_until is not None:
        raise TooManyCodesError(outcome.locked_until)
    if outcome.reason is not None:
        raise CodeRefusedError(outcome.reason)


def confirm_enrolment(
    engine: Engine,
    sealer: Sealer,
    audit: AuditLog,
    ctx: AuditContext,
    actor: Principal,
    code: str,
    now: datetime,
) -> None:
    """Prove the authenticator with its first code; from now on it counts as a factor."""
    _person(actor)
    with engine.begin() as conn:
        row = _row(conn, actor.subject)
        if row is None:
            raise NotEnrolledError()
        if row.confirmed_at is not None:
            raise NotEnrolledError(enrolled=True)
        outcome = _try_code(conn, sealer, row, code, now)
        if outcome.step is not None:
            conn.execute(
                update(TOTP).where(TOTP.c.account_id == actor.subject).values(confirmed_at=now)
            )
            audit.record(
                conn,
                ctx,
                "totp.enrolled",
                subject_type="user_account",
                subject_id=actor.subject,
                now=now,
            )
    _raise_for(outcome)


def step_up_with_code(
    engine: Engine,
    sealer: Sealer,
    audit: AuditLog,
    ctx: AuditContext,
    actor: Principal,
    code: str,
    now: datetime,
) -> datetime:
    """Check a code typed for a step-up; the time it was accepted (the new login time).

    Every attempt leaves an audit entry: ``step_up.succeeded``, or ``step_up.failed`` with the
    reason (``wrong``, ``reused``, ``locked``, ``not_enrolled``).
    """
    _person(actor)
    with engine.begin() as conn:
        row = _row(conn, actor.subject)
        if row is None or row.confirmed_at is None:
            outcome = _Outcome(reason="not_enrolled")
        else:
            outcome = _try_code(conn, sealer, row, code, now)
        audit.record(
            conn,
            ctx,
            "step_up.succeeded" if outcome.step is not None else "step_up.failed",
            subject_type="user_account",
            subject_id=actor.subject,
            field_name="method" if outcome.step is not None else "reason",
            after="otp" if outcome.step is not None else outcome.reason,
            now=now,
        )
    if outcome.reason == "not_enrolled":
        raise NotEnrolledError()
    _raise_for(outcome)
    return now


def reset_enrolment(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    actor: Principal,
    account_id: str,
    now: datetime,
) -> None:
    """Remove a person's authenticator (lost phone); they enrol again. Admins only; audited."""
    if not (actor.is_person and actor.role is Role.ADMIN):
        raise NotAllowedError("only an administrator may reset an authenticator")
    with engine.begin() as conn:
        gone = conn.execute(delete(TOTP).where(TOTP.c.account_id == account_id)).rowcount
        if gone == 0:
            raise UnknownSessionError("no authenticator is set up for this account")
        audit.record(
            conn, ctx, "totp.reset", subject_type="user_account", subject_id=account_id, now=now
        )
