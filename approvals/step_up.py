"""Step-up: approving a bank change needs a recent login with a second factor.

A stolen or left-open supervisor session should not be enough to move money. So the
approval of a request that touches bank details needs an :class:`Authentication` at most
``max_age`` old whose methods include a second factor: the OpenID provider's ``amr``
claim (RFC 8176 method names such as ``otp``, ``hwk``, ``mfa``) or an ``acr`` value the
portal is told means multi-factor. When the provider says nothing, the login counts as
one factor.

>>> from datetime import timedelta
>>> from tests.support.approvals import at, bank_change
>>> rule = StepUpRule(max_age=timedelta(minutes=15))
>>> rule.check(bank_change(), Authentication(at(50), frozenset({"pwd", "otp"})), at(60))
>>> rule.check(bank_change(), Authentication(at(30), frozenset({"pwd", "otp"})), at(60))
Traceback (most recent call last):
...
approvals.errors.StepUpRequiredError: Approving a bank change needs a login ...
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from approvals.errors import StepUpRequiredError
from approvals.model import ChangeRequest, require_utc

__all__ = ["SECOND_FACTORS", "Authentication", "StepUpRule"]

#: RFC 8176 ``amr`` values that prove a factor beyond the password.
SECOND_FACTORS: frozenset[str] = frozenset(
    {"otp", "hwk", "swk", "sms", "tel", "mfa", "fpt", "face", "iris", "retina", "vbm", "sc"}
)


@dataclass(frozen=True)
class Authentication:
    """How and when the person acting last logged in (from the ID token, via the session)."""

    at: datetime | None = None
    methods: frozenset[str] = frozenset()
    acr: str | None = None

    @classmethod
    def of(cls, at: datetime | None, methods: Collection[str], acr: str | None) -> Authentication:
        return cls(at, frozenset(methods), acr)


@dataclass(frozen=True)
class StepUpRule:
    """How fresh, and with what factors, the login of a bank-change approver must be."""

    max_age: timedelta = timedelta(minutes=15)
    multi_factor_acr: frozenset[str] = field(default_factory=frozenset)

    def applies_to(self, request: ChangeRequest) -> bool:
        return request.touches_bank_details

    def has_second_factor(self, authentication: Authentication) -> bool:
        return bool(authentication.methods & SECOND_FACTORS) or (
            authentication.acr is not None and authentication.acr in self.multi_factor_acr
        )

    def problem(
        self, request: ChangeRequest, authentication: Authentication, now: datetime
    ) -> str | None:
        """``"stale"``, ``"one_factor"`` or None when this login may approve ``request``."""
        require_utc(now, "now")
        if not self.applies_to(request):
            return None
        when = authentication.at
        if when is None or not now - self.max_age <= when <= now + timedelta(minutes=1):
            return "stale"
        if not self.has_second_factor(authentication):
            return "one_factor"
        return None

    def check(self, request: ChangeRequest, authentication: Authentication, now: datetime) -> None:
        """Raise :class:`StepUpRequiredError` unless this login may approve ``request``."""
        problem = self.problem(request, authentication, now)
        if problem is not None:
            minutes = int(self.max_age.total_seconds() // 60)
            raise StepUpRequiredError(problem, minutes)
