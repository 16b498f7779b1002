"""The approval policy file.

``PORTAL_APPROVAL_POLICY_FILE`` names a TOML or JSON file in the shape of
:meth:`approvals.ApprovalPolicy.from_dict` (see docs/approvals.md); the composition root
(:func:`portal.bootstrap.approval_policy`) reads it with :func:`policy_from_file`; without
it the default policy applies.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from approvals import ApprovalPolicy, PolicyConfigError

__all__ = ["policy_from_file"]


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
