"""Who must approve a change request, and how many distinct people.

An :class:`ApprovalPolicy` holds a default :class:`ApprovalRule`, a rule per
:class:`~approvals.model.ChangeKind`, and rules per field (``entity.field_name``, or
``entity.*`` for every field of an entity). A request's rule is the strictest of its kind's
rule and the rules of every field it changes: the most approvals, a call-back if any rule
asks for one, and only roles that every applicable rule allows.

The default policy: bank changes (bank account add/change/retire, merges, any
``bank_account`` field, 开票信息的开户行/账号) need two different purchasing supervisors,
neither of them the requester, and the first must record a confirming call-back to a
contact eligible for call-backs (see :mod:`approvals.callback`). A contact's phone or e-mail
(adding a contact with either included) is sensitive too: two different purchasing
supervisors, or one whose approval records a confirming call-back to *another* eligible
contact (``approvals_with_call_back = 1``). Everything else needs one purchasing supervisor
who is not the requester. Sensitive requests are approved by people only, never by API
clients (:mod:`approvals.people`).

>>> rule = DEFAULT_POLICY.by_kind[ChangeKind.BANK_ACCOUNT_CHANGE]
>>> rule.approvals_required, sorted(rule.roles), rule.call_back_required
(2, ['purchasing_supervisor'], True)
>>> rule = DEFAULT_POLICY.by_field["contact.phone"]
>>> rule.approvals_required, rule.with_call_back, rule.call_back_required
(2, 1, False)
>>> policy = ApprovalPolicy.from_dict({"default": {"approvals_required": 2}})
>>> policy.default.approvals_required, policy.by_kind
(2, mappingproxy({}))
>>> ApprovalPolicy.from_dict({"kinds": {"bank_acount_add": {}}})
Traceback (most recent call last):
...
approvals.errors.PolicyConfigError: Approval policy setting kinds.bank_acount_add: \
unknown change kind; expected one of ...
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from approvals.errors import (
    CallBackContactNotOnFileError,
    CallBackRequiredError,
    DuplicateApproverError,
    NotAuthorisedError,
    PolicyConfigError,
    SelfApprovalError,
)
from approvals.model import (
    BANK_FIELDS,
    BANK_KINDS,
    CallBack,
    CallBackOutcome,
    ChangeKind,
    ChangeRequest,
    Entity,
    require_utc,
)

__all__ = [
    "CONTACT_FIELDS",
    "DEFAULT_POLICY",
    "PURCHASING_SUPERVISOR",
    "ApprovalPolicy",
    "ApprovalRule",
]

PURCHASING_SUPERVISOR = "purchasing_supervisor"

#: ``entity.field_name`` of contact fields through which a call-back or a notice could be
#: steered to someone else: changing them is as sensitive as a bank change.
CONTACT_FIELDS: frozenset[str] = frozenset({"contact.phone", "contact.email"})

_RULE_KEYS = frozenset(
    {"approvals_required", "approvals_with_call_back", "roles", "call_back_required"}
)
_POLICY_KEYS = frozenset({"default", "kinds", "fields"})
_FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*)$")
_MAX_APPROVALS = 5


@dataclass(frozen=True)
class ApprovalRule:
    """How many distinct approvers, from which roles, and whether the first calls back.

    ``approvals_with_call_back`` (default: the same as ``approvals_required``) is how many
    approvals suffice when the first one records a confirming call-back to an eligible
    contact: a call-back may stand in for an approver.
    """

    approvals_required: int = 1
    roles: frozenset[str] = frozenset({PURCHASING_SUPERVISOR})
    call_back_required: bool = False
    approvals_with_call_back: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))
        if not 1 <= self.approvals_required <= _MAX_APPROVALS:
            raise PolicyConfigError("approvals_required", f"must be between 1 and {_MAX_APPROVALS}")
        if self.approvals_with_call_back is not None and not (
            1 <= self.approvals_with_call_back <= self.approvals_required
        ):
            raise PolicyConfigError(
                "approvals_with_call_back", "must be between 1 and approvals_required"
            )
        if not self.roles or not all(isinstance(r, str) and r.strip() for r in self.roles):
            raise PolicyConfigError("roles", "must name at least one role")

    @property
    def with_call_back(self) -> int:
        """Approvals needed when the first one records a confirming call-back."""
        if self.approvals_with_call_back is None:
            return self.approvals_required
        return self.approvals_with_call_back

    @property
    def call_back_accepted(self) -> bool:
        """Whether the first approver records a call-back (required, or standing in)."""
        return self.call_back_required or self.with_call_back < self.approvals_required

    def stricter(self, other: ApprovalRule) -> ApprovalRule:
        """The rule that satisfies both ``self`` and ``other``."""
        required = max(self.approvals_required, other.approvals_required)
        with_call_back = max(self.with_call_back, other.with_call_back)
        return ApprovalRule(
            approvals_required=required,
            roles=self.roles & other.roles,
            call_back_required=self.call_back_required or other.call_back_required,
            approvals_with_call_back=None if with_call_back == required else with_call_back,
        )

    @classmethod
    def from_dict(cls, data: object, path: str = "rule") -> ApprovalRule:
        if not isinstance(data, Mapping):
            raise PolicyConfigError(path, "must be a table of settings")
        unknown = set(data) - _RULE_KEYS
        if unknown:
            raise PolicyConfigError(
                f"{path}.{sorted(map(str, unknown))[0]}",
                f"unknown setting; expected {', '.join(sorted(_RULE_KEYS))}",
            )
        count = data.get("approvals_required", 1)
        if isinstance(count, bool) or not isinstance(count, int):
            raise PolicyConfigError(f"{path}.approvals_required", "must be a whole number")
        if not 1 <= count <= _MAX_APPROVALS:
            raise PolicyConfigError(
                f"{path}.approvals_required", f"must be between 1 and {_MAX_APPROVALS}"
            )
        roles = data.get("roles", [PURCHASING_SUPERVISOR])
        if (
            isinstance(roles, str)
            or not isinstance(roles, Iterable)
            or not (roles := list(roles))
            or not all(isinstance(r, str) and r.strip() for r in roles)
        ):
            raise PolicyConfigError(f"{path}.roles", "must be a non-empty list of role names")
        call_back = data.get("call_back_required", False)
        if not isinstance(call_back, bool):
            raise PolicyConfigError(f"{path}.call_back_required", "must be true or false")
        with_call_back = data.get("approvals_with_call_back")
        if with_call_back is not None and (
            isinstance(with_call_back, bool)
            or not isinstance(with_call_back, int)
            or not 1 <= with_call_back <= count
        ):
            raise PolicyConfigError(
                f"{path}.approvals_with_call_back",
                "must be a whole number between 1 and approvals_required",
            )
        return cls(count, frozenset(r.strip() for r in roles), call_back, with_call_back)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "approvals_required": self.approvals_required,
            "roles": sorted(self.roles),
            "call_back_required": self.call_back_required,
        }
        if self.approvals_with_call_back is not None:
            data["approvals_with_call_back"] = self.approvals_with_call_back
        return data


@dataclass(frozen=True)
class ApprovalPolicy:
    default: ApprovalRule = ApprovalRule()
    by_kind: Mapping[ChangeKind, ApprovalRule] = field(default_factory=dict)
    by_field: Mapping[str, ApprovalRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_kind", MappingProxyType(dict(self.by_kind)))
        object.__setattr__(self, "by_field", MappingProxyType(dict(self.by_field)))
        for key in self.by_field:
            if not _FIELD_KEY.match(key):
                raise PolicyConfigError(
                    f"fields.{key}", "must look like entity.field_name or entity.*"
                )
        # Any mix of field rules must leave some role able to approve every kind.
        field_roles = [rule.roles for rule in self.by_field.values()]
        for kind, rule in [("default", self.default), *self.by_kind.items()]:
            if not rule.roles.intersection(*field_roles):
                raise PolicyConfigError(
                    f"kinds.{kind}" if kind != "default" else "default",
                    "no role is allowed by both this rule and every field rule",
                )

    @classmethod
    def standard(cls) -> ApprovalPolicy:
        """The default policy described in the module docstring."""
        bank = ApprovalRule(approvals_required=2, call_back_required=True)
        contact = ApprovalRule(approvals_required=2, approvals_with_call_back=1)
        return cls(
            default=ApprovalRule(),
            by_kind={kind: bank for kind in BANK_KINDS},
            by_field={f"{Entity.BANK_ACCOUNT}.*": bank}
            | {key: bank for key in BANK_FIELDS}
            | {key: contact for key in CONTACT_FIELDS},
        )

    # ---- reading the policy ------------------------------------------------------------

    def rule_for(self, request: ChangeRequest) -> ApprovalRule:
        """The strictest rule among the request's kind and every field it changes.

        Rejecting a field later does not lower the bar: the rule covers the whole request.
        """
        rule = self.by_kind.get(request.kind, self.default)
        for change in request.changes:
            for key in (f"{change.entity}.{change.field_name}", f"{change.entity}.*"):
                if key in self.by_field:
                    rule = rule.stricter(self.by_field[key])
        return rule

    def approvals_required(self, request: ChangeRequest) -> int:
        """Distinct approvals needed, counting a confirming call-back where it may stand in."""
        rule = self.rule_for(request)
        first = request.approvals[0].call_back if request.approvals else None
        if first is not None and first.outcome is CallBackOutcome.CONFIRMED:
            return rule.with_call_back
        return rule.approvals_required

    def check_reviewer(self, request: ChangeRequest, reviewer: str, role: str) -> None:
        """Raise unless ``reviewer`` (acting as ``role``) may review ``request`` at all."""
        if reviewer == request.requested_by:
            raise SelfApprovalError(reviewer)
        allowed = self.rule_for(request).roles
        if role not in allowed:
            raise NotAuthorisedError(role, allowed)

    def check_approval(
        self,
        request: ChangeRequest,
        reviewer: str,
        role: str,
        call_back: CallBack | None,
        contacts_on_file: Collection[str],
        now: datetime,
    ) -> None:
        """Raise the :class:`~approvals.errors.ReviewRefusedError` this approval breaks."""
        self.check_reviewer(request, reviewer, role)
        if any(a.approver_id == reviewer for a in request.approvals):
            raise DuplicateApproverError(reviewer)
        rule = self.rule_for(request)
        if request.approvals:
            return
        if rule.call_back_required or (rule.call_back_accepted and call_back is not None):
            _check_call_back(request, call_back, contacts_on_file, now)

    # ---- settings files ----------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApprovalPolicy:
        """Build exactly the policy ``data`` describes (sections left out are empty).

        Start from ``DEFAULT_POLICY.to_dict()`` to keep the bank rules.
        """
        if not isinstance(data, Mapping):
            raise PolicyConfigError("(top)", "must be a table with default, kinds, fields")
        unknown = set(data) - _POLICY_KEYS
        if unknown:
            raise PolicyConfigError(
                sorted(map(str, unknown))[0],
                f"unknown section; expected {', '.join(sorted(_POLICY_KEYS))}",
            )
        default = ApprovalRule.from_dict(data.get("default", {}), "default")
        by_kind: dict[ChangeKind, ApprovalRule] = {}
        for name, rule in _table(data, "kinds").items():
            try:
                kind = ChangeKind(name)
            except ValueError as exc:
                expected = ", ".join(k.value for k in ChangeKind)
                raise PolicyConfigError(
                    f"kinds.{name}", f"unknown change kind; expected one of {expected}"
                ) from exc
            by_kind[kind] = ApprovalRule.from_dict(rule, f"kinds.{name}")
        by_field = {
            str(key): ApprovalRule.from_dict(rule, f"fields.{key}")
            for key, rule in _table(data, "fields").items()
        }
        return cls(default=default, by_kind=by_kind, by_field=by_field)

    def to_dict(self) -> dict[str, Any]:
        return {
            "default": self.default.to_dict(),
            "kinds": {kind.value: rule.to_dict() for kind, rule in sorted(self.by_kind.items())},
            "fields": {key: rule.to_dict() for key, rule in sorted(self.by_field.items())},
        }


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise PolicyConfigError(name, "must be a table")
    return table


def _check_call_back(
    request: ChangeRequest,
    call_back: CallBack | None,
    contacts_on_file: Collection[str],
    now: datetime,
) -> None:
    require_utc(now, "now")
    if call_back is None:
        raise CallBackRequiredError()
    if call_back.contact_id in request.touched_contact_ids:
        raise CallBackContactNotOnFileError(call_back.contact_id, added_by_request=True)
    if call_back.contact_id not in contacts_on_file:
        raise CallBackContactNotOnFileError(call_back.contact_id, added_by_request=False)
    if call_back.outcome is not CallBackOutcome.CONFIRMED:
        raise CallBackRequiredError(
            f"The call-back did not confirm the change (outcome: {call_back.outcome}); "
            "it cannot be approved on that basis.",
            message_zh=f"回访未确认此变更（结果：{call_back.outcome}），不能据此审批通过。",
        )
    since = request.submitted_at or request.requested_at
    if not since <= call_back.called_at <= now:
        raise CallBackRequiredError(
            "The call-back must be made after the request was submitted and before approving.",
            message_zh="回访须在申请提交之后、审批之前进行。",
        )


DEFAULT_POLICY = ApprovalPolicy.standard()
