"""The approval policy as the admin edits it: :func:`effective_policy`, :func:`edit_policy`.

The policy file (``PORTAL_APPROVAL_POLICY_FILE``, or the built-in default) stays the
default. Each edit on the admin screen stores a new version of the whole policy in
``approval_policy`` (JSON, as :meth:`approvals.ApprovalPolicy.to_dict` writes it); the
newest version is the one in force, and the change rules read it through
:meth:`portal.changes.ChangeDeps.policy_in`. An edit is one use case: it checks that the
editor is an administrator, validates the policy (:class:`approvals.PolicyConfigError`
becomes :class:`PolicyEditError`, a 4xx in both languages), stores it and writes its audit
entry ``approval_policy.changed`` (before/after the rules that changed) in one transaction.
Roles per rule are not edited on the screen (they stay what the file says).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from approvals import ApprovalPolicy, ApprovalRule, PolicyConfigError
from portal.audit.log import AuditContext, AuditLog
from portal.db.approval_tables import ApprovalPolicyRow
from portal.db.tables import table_of
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role

__all__ = [
    "POLICY_TABLE",
    "PolicyEditError",
    "PolicyEditNotAllowedError",
    "PolicyVersion",
    "RuleEdit",
    "edit_policy",
    "effective_policy",
    "policy_version",
    "rule_edit",
]

POLICY_TABLE = table_of(ApprovalPolicyRow)
MAX_REASON = 500


class PolicyEditError(PortalError, ValueError):
    """The edited policy does not validate, or the edit names no rule or gives no reason."""

    kind = ErrorKind.INVALID
    code = "policy.invalid"


class PolicyEditNotAllowedError(PortalError, PermissionError):
    kind = ErrorKind.FORBIDDEN
    code = "policy.admin_only"

    def __init__(self) -> None:
        super().__init__(
            "only an administrator may change the approval policy",
            message_zh="仅管理员可以修改审批规则",
        )


@dataclass(frozen=True)
class RuleEdit:
    """The new numbers of one rule: ``default``, a change kind, or a field key."""

    approvals_required: int
    approvals_with_call_back: int | None
    call_back_required: bool


def rule_edit(key: str, approvals: str, with_call_back: str, call_back: bool) -> RuleEdit:
    """A rule's numbers as typed on the screen (blank "with a call-back": no reduction).

    >>> rule_edit("default", " 2 ", "", False)
    RuleEdit(approvals_required=2, approvals_with_call_back=None, call_back_required=False)
    >>> rule_edit("default", "two", "", False)
    Traceback (most recent call last):
    ...
    portal.changes.policy_edits.PolicyEditError: approvals of default: type a whole number
    """

    def number(text: str, what: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            raise PolicyEditError(
                f"{what} of {key}: type a whole number",
                message_zh="请填写整数（1 至 5）",
                field=f"{what}:{key}",
            ) from None

    reduced = number(with_call_back, "with_call_back") if with_call_back.strip() else None
    return RuleEdit(number(approvals, "approvals"), reduced, call_back)


@dataclass(frozen=True)
class PolicyVersion:
    """Which policy is in force: ``version`` 0 is the file (or built-in) default."""

    version: int
    edited_by: str | None
    edited_at: datetime | None
    reason: str


def _newest(conn: Connection) -> ApprovalPolicyRow | None:
    row = conn.execute(
        select(POLICY_TABLE).order_by(POLICY_TABLE.c.version.desc()).limit(1)
    ).first()
    return None if row is None else ApprovalPolicyRow(**row._mapping)


def effective_policy(conn: Connection, default: ApprovalPolicy) -> ApprovalPolicy:
    """The newest edited policy, else ``default`` (the file's)."""
    row = _newest(conn)
    return default if row is None else ApprovalPolicy.from_dict(json.loads(row.document))


def policy_version(conn: Connection) -> PolicyVersion:
    """The version in force and who set it (for the admin screen)."""
    row = _newest(conn)
    if row is None:
        return PolicyVersion(0, None, None, "")
    return PolicyVersion(row.version, row.edited_by, row.edited_at, row.reason)


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason or len(reason) > MAX_REASON:
        raise PolicyEditError(
            f"give a reason for the change (1 to {MAX_REASON} characters)",
            message_zh=f"请填写修改理由（1 至 {MAX_REASON} 个字）",
            field="reason",
        )
    return reason


def _section(document: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """The table holding rule ``key`` (None for ``default``)."""
    if key == "default":
        return None
    for name in ("kinds", "fields"):
        rules: dict[str, Any] = document[name]
        if key in rules:
            return rules
    raise PolicyEditError(f"there is no rule {key} to change", message_zh=f"没有可修改的规则 {key}")


def _rule_of(document: Mapping[str, Any], key: str) -> dict[str, Any]:
    rules = _section(document, key)
    return dict(document["default"] if rules is None else rules[key])


def _apply(document: dict[str, Any], key: str, edit: RuleEdit) -> dict[str, Any]:
    """Rule ``key`` of ``document`` with the edit's numbers (its roles kept)."""
    rule = _rule_of(document, key)
    rule["approvals_required"] = edit.approvals_required
    rule["call_back_required"] = edit.call_back_required
    if edit.approvals_with_call_back is None:
        rule.pop("approvals_with_call_back", None)
    else:
        rule["approvals_with_call_back"] = edit.approvals_with_call_back
    try:
        ApprovalRule.from_dict(rule, key)
    except PolicyConfigError as exc:
        raise PolicyEditError(
            f"rule {key}: {exc.problem}",
            message_zh="每条规则需要 1 至 5 人审批；“有电话回访时”的人数须在 1 与需审批人数之间",
            field=f"approvals:{key}",
        ) from exc
    rules = _section(document, key)
    if rules is None:
        document["default"] = rule
    else:
        rules[key] = rule
    return rule


def edit_policy(
    engine: Engine,
    audit: AuditLog,
    ctx: AuditContext,
    by: Principal,
    default: ApprovalPolicy,
    edits: Mapping[str, RuleEdit],
    reason: str,
    *,
    now: datetime,
) -> ApprovalPolicy:
    """Store a new version of the policy with ``edits`` applied (admins only; audited).

    Rules whose numbers did not change are left out of the audit entry; an edit that
    changes nothing is refused.
    """
    if by.role is not Role.ADMIN or not by.is_person:
        raise PolicyEditNotAllowedError()
    text = _reason(reason)
    with engine.begin() as conn:
        current = effective_policy(conn, default)
        document = current.to_dict()
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for key, edit in edits.items():
            old = _rule_of(document, key)
            new = _apply(document, key, edit)
            if old != new:
                before[key], after[key] = old, new
        if not after:
            raise PolicyEditError(
                "nothing was changed", message_zh="没有修改任何规则", field="rules"
            )
        policy = ApprovalPolicy.from_dict(document)  # each edited rule checked above
        version = (conn.execute(select(func.max(POLICY_TABLE.c.version))).scalar() or 0) + 1
        conn.execute(
            insert(POLICY_TABLE).values(
                version=version,
                document=json.dumps(policy.to_dict(), ensure_ascii=False, sort_keys=True),
                edited_by=ctx.actor,
                edited_at=now,
                reason=text,
            )
        )
        audit.record(
            conn, ctx, "approval_policy.changed", subject_type="approval_policy",
            subject_id=str(version), before=json.dumps(before, sort_keys=True),
            after=json.dumps({"rules": after, "reason": text}, ensure_ascii=False,
                             sort_keys=True),
            now=now,
        )  # fmt: skip
    return policy
