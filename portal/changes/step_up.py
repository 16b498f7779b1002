"""Step-up settings, and the authentication facts of a principal (see approvals.step_up).

Settings (read by :mod:`portal.config`, built into a rule by the composition root):

- ``PORTAL_STEP_UP``: ``0`` turns the step-up off (default on);
- ``PORTAL_STEP_UP_MAX_AGE_MINUTES``: how old the approver's login may be (default 15);
- ``PORTAL_STEP_UP_MFA_ACR``: ``acr`` values (space separated) that the provider uses for
  a multi-factor login, for providers that send ``acr`` but no ``amr``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from approvals import (
    Authentication,
    ChangeRequest,
    StepUpRequiredError,
    StepUpRule,
)
from portal.domain.principal import Principal

if TYPE_CHECKING:
    from portal.changes.deps import ChangeDeps

__all__ = ["StepUpSettings", "authentication_of", "step_up_link", "step_up_refusal"]


@dataclass(frozen=True)
class StepUpSettings:
    enabled: bool = True
    max_age_minutes: int = 15
    multi_factor_acr: frozenset[str] = frozenset()

    def rule(self) -> StepUpRule | None:
        if not self.enabled:
            return None
        return StepUpRule(timedelta(minutes=self.max_age_minutes), self.multi_factor_acr)


def authentication_of(principal: Principal) -> Authentication:
    """How ``principal`` logged in (nothing known for API clients and system principals)."""
    return Authentication.of(
        principal.authenticated_at, principal.auth_methods, principal.auth_context
    )


def step_up_link(back_to: str) -> str:
    """Where to log in again, now, to come back to ``back_to`` (a local path)."""
    return "/auth/login?" + urlencode({"step_up": "true", "next": back_to})


def step_up_refusal(
    deps: ChangeDeps, principal: Principal, request: ChangeRequest
) -> StepUpRequiredError | None:
    """Why ``principal``'s login may not approve ``request`` yet (for the approval page)."""
    if deps.step_up is None:
        return None
    try:
        deps.step_up.check(request, authentication_of(principal), deps.clock())
    except StepUpRequiredError as refused:
        return refused
    return None
