"""The approval policy and cooling-off period from settings.

``PORTAL_APPROVAL_POLICY_FILE`` names a TOML or JSON file in the shape of
:meth:`approvals.ApprovalPolicy.from_dict` (see docs/approvals.md); without it the
default policy applies. ``PORTAL_PAYMENT_COOLING_OFF_SECONDS``, when set, overrides the
hours of ``settings.payment_cooling_off_hours`` (for demos and end-to-end tests).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from approvals import DEFAULT_POLICY, ApprovalPolicy, PolicyConfigError

if TYPE_CHECKING:
    from portal.bootstrap import Services
    from portal.changes.requests import ChangeDeps

__all__ = ["POLICY_FILE_ENV", "cooling_off_from", "policy_from_env", "policy_from_file"]

POLICY_FILE_ENV = "PORTAL_APPROVAL_POLICY_FILE"
COOLING_OFF_SECONDS_ENV = "PORTAL_PAYMENT_COOLING_OFF_SECONDS"


def policy_from_file(path: Path) -> ApprovalPolicy:
    """Read a policy file (``.toml`` or ``.json``); errors name the file and the setting."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyConfigError(str(path), f"cannot be read ({exc.strerror})") from exc
    try:
        data = (
            tomllib.loads(raw.decode("utf-8"))
            if path.suffix.lower() == ".toml"
            else json.loads(raw)
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise PolicyConfigError(
            str(path), f"is not valid {path.suffix[1:] or 'JSON'}: {exc}"
        ) from exc
    return ApprovalPolicy.from_dict(data)


def policy_from_env(env: Mapping[str, str]) -> ApprovalPolicy:
    """The policy named by ``PORTAL_APPROVAL_POLICY_FILE``, else the default."""
    path = env.get(POLICY_FILE_ENV)
    return policy_from_file(Path(path)) if path else DEFAULT_POLICY


def cooling_off_from(env: Mapping[str, str], hours: int) -> timedelta:
    """Seconds from the environment when given (a whole number), else ``hours``."""
    seconds = env.get(COOLING_OFF_SECONDS_ENV)
    if seconds:
        try:
            return timedelta(seconds=int(seconds))
        except ValueError as exc:
            raise PolicyConfigError(COOLING_OFF_SECONDS_ENV, "must be a whole number") from exc
    return timedelta(hours=hours)


def change_deps_from_env(services: Services, env: Mapping[str, str]) -> ChangeDeps:
    """The change-request collaborators as ``portal serve``, ``demo`` and the CLI build them."""
    from portal.audit.log import AuditLog
    from portal.changes.requests import ChangeDeps
    from portal.changes.step_up import StepUpSettings
    from portal.notifications import outbox
    from portal.notifications.messages import OutboxNotifier

    return ChangeDeps(
        engine=services.engine,
        suppliers=services.suppliers,
        audit=AuditLog(services.sealer),
        notifier=OutboxNotifier(
            outbox.enqueue,
            public_url=services.settings.web.public_url.rstrip("/"),
            webhook=bool(env.get("PORTAL_WEBHOOK_URL")),
        ),
        policy=policy_from_env(env),
        cooling_off=cooling_off_from(env, services.settings.payment_cooling_off_hours),
        step_up=StepUpSettings.from_env(env).rule(),
    )
