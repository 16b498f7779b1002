"""Errors raised by the approvals domain.

Every error carries a plain-English message (``str(error)``) and a Chinese one
(``error.message_zh``) that the portal can show to the person who caused it::

    ApprovalError
    ├── InvalidTransitionError          the request's status does not allow this act (409)
    ├── VersionConflictError            the supplier record moved on since base_version (409)
    ├── ReviewRefusedError              this person may not take this review act (403/422)
    │   ├── SelfApprovalError           the requester tried to review their own change
    │   ├── DuplicateApproverError      the same person tried to approve twice
    │   ├── NotAuthorisedError          the person's role cannot approve this kind of change
    │   ├── NotRequesterError           only the requester may withdraw
    │   ├── ApproverNotAPersonError     an API client tried to approve a sensitive change
    │   ├── StepUpRequiredError         a bank approval needs a fresh two-factor login
    │   └── CallBackRequiredError       the first bank approval lacks a valid call-back
    │       └── CallBackContactNotOnFileError
    │           │                       the call-back went to a contact not already on file
    │           └── CallBackContactNotEligibleError
    │                                   ... or to one whose number changed recently, is being
    │                                   changed, or was set by the same requester
    └── InvalidInputError (ValueError)  malformed input from the caller (422)
        ├── UnknownFieldError           a field key that is not part of the request
        ├── NaiveDatetimeError          a datetime without UTC timezone
        ├── NotInConflictError          mark_conflict with an unchanged version
        └── PolicyConfigError           an approval policy dict that does not validate

None of these errors is temporary: retrying the same act with the same input fails the
same way.
"""

from __future__ import annotations

__all__ = [
    "ApprovalError",
    "ApproverNotAPersonError",
    "CallBackContactNotEligibleError",
    "CallBackContactNotOnFileError",
    "CallBackRequiredError",
    "DuplicateApproverError",
    "InvalidInputError",
    "InvalidTransitionError",
    "NaiveDatetimeError",
    "NotAuthorisedError",
    "NotInConflictError",
    "NotRequesterError",
    "PolicyConfigError",
    "ReviewRefusedError",
    "SelfApprovalError",
    "StepUpRequiredError",
    "UnknownFieldError",
    "VersionConflictError",
]


class ApprovalError(Exception):
    """Base class of every approvals error.

    >>> error = ApprovalError("Something went wrong.", message_zh="出错了。")
    >>> str(error), error.message_zh
    ('Something went wrong.', '出错了。')
    """

    def __init__(self, message: str, *, message_zh: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh or message


_ACTS_ZH = {
    "submit": "提交",
    "approve": "审批通过",
    "reject": "驳回",
    "withdraw": "撤回",
    "apply": "执行",
    "mark as conflicting": "标记冲突",
}


class InvalidTransitionError(ApprovalError):
    """The act would move the request between two statuses the state machine forbids."""

    def __init__(self, act: str, from_status: str, to_status: str) -> None:
        self.act = act
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(
            f"Cannot {act} this change request: it is {from_status}, "
            f"and a {from_status} request cannot become {to_status}.",
            message_zh=f"无法{_ACTS_ZH.get(act, act)}该变更申请：当前状态为 {from_status}，"
            f"不能变为 {to_status}。",
        )


class VersionConflictError(ApprovalError):
    """The supplier record changed after the request was drafted, so it cannot be applied."""

    def __init__(self, base_version: int, current_version: int) -> None:
        self.base_version = base_version
        self.current_version = current_version
        super().__init__(
            f"The supplier record has changed since this request was made "
            f"(version {base_version}, now {current_version}); it cannot be applied.",
            message_zh=f"该供应商档案在申请提交后已被修改（版本 {base_version}，"
            f"现为 {current_version}），此申请不能生效。",
        )


class ReviewRefusedError(ApprovalError):
    """This person may not take this review act on this request."""


class SelfApprovalError(ReviewRefusedError):
    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        super().__init__(
            "You submitted this change, so you cannot review it. "
            "Another purchasing supervisor must review it.",
            message_zh="此变更由您提交，您不能审核。请由其他采购主管审核。",
        )


class DuplicateApproverError(ReviewRefusedError):
    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        super().__init__(
            "You have already approved this change. "
            "The next approval must come from a different supervisor.",
            message_zh="您已审批过此变更，下一次审批须由另一位主管完成。",
        )


class NotAuthorisedError(ReviewRefusedError):
    def __init__(self, role: str, allowed_roles: frozenset[str]) -> None:
        self.role = role
        self.allowed_roles = allowed_roles
        allowed = ", ".join(sorted(allowed_roles))
        super().__init__(
            f"Your role ({role}) cannot approve this kind of change; it needs: {allowed}.",
            message_zh=f"您的角色（{role}）无权审批此类变更，需要：{allowed}。",
        )


class NotRequesterError(ReviewRefusedError):
    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        super().__init__(
            "Only the person who submitted this change can withdraw it.",
            message_zh="只有提交此变更的人才能撤回。",
        )


class ApproverNotAPersonError(ReviewRefusedError):
    def __init__(self, reviewer: str) -> None:
        self.reviewer = reviewer
        super().__init__(
            "Only a person logged in to the portal can approve bank or contact changes; "
            "API clients may propose and read changes but not approve them.",
            message_zh="银行或联系人信息变更只能由登录门户的审批人本人审批；"
            "API 客户端只能提交和查看变更，不能审批。",
        )


class StepUpRequiredError(ReviewRefusedError):
    """``reason``: ``"stale"`` (login too old or time unknown) or ``"one_factor"``."""

    def __init__(self, reason: str, max_age_minutes: int) -> None:
        self.reason = reason
        self.max_age_minutes = max_age_minutes
        if reason == "one_factor":
            why_en, why_zh = "with a second factor", "使用第二重认证（如动态验证码）的登录"
        else:
            why_en = f"made within the last {max_age_minutes} minutes"
            why_zh = f"最近 {max_age_minutes} 分钟内的登录"
        super().__init__(
            f"Approving a bank change needs a login {why_en}. "
            "Log in again (with your one-time code) and approve once more.",
            message_zh=f"审批银行信息变更需要{why_zh}。请重新登录（含动态验证码）后再审批。",
        )


class CallBackRequiredError(ReviewRefusedError):
    """The first approval of a bank change must record a confirming call-back."""

    def __init__(
        self,
        message: str = (
            "Bank details are changing: before the first approval, call the supplier "
            "on a contact already on file and record the call-back."
        ),
        *,
        message_zh: str = "银行信息变更：首次审批前，须致电档案中已有的联系人核实并记录回访。",
    ) -> None:
        super().__init__(message, message_zh=message_zh)


class CallBackContactNotOnFileError(CallBackRequiredError):
    def __init__(self, contact_id: str, *, added_by_request: bool) -> None:
        self.contact_id = contact_id
        self.added_by_request = added_by_request
        if added_by_request:
            super().__init__(
                "The call-back went to a contact that this same request adds or changes. "
                "Call a contact that was already on file before the request.",
                message_zh="回访对象是本申请新增或修改的联系人。请致电申请前档案中已有的联系人。",
            )
        else:
            super().__init__(
                "The call-back went to a contact that is not on file for this supplier. "
                "Call a contact already on file.",
                message_zh="回访对象不是该供应商档案中的联系人。请致电档案中已有的联系人。",
            )


class CallBackContactNotEligibleError(CallBackContactNotOnFileError):
    """The contact is on file, but its number cannot be trusted for a call-back yet."""

    def __init__(self, contact_id: str, why_en: str, why_zh: str) -> None:
        self.contact_id = contact_id
        self.added_by_request = False
        CallBackRequiredError.__init__(
            self,
            f"This contact cannot be used for the call-back: {why_en} "
            "Call a contact whose number was on file before any recent or pending change.",
            message_zh=f"不能向该联系人回访：{why_zh}请致电在近期及待审变更之前已在档案中的号码。",
        )


class InvalidInputError(ApprovalError, ValueError):
    """The caller passed something malformed; fix the input and try again."""


class UnknownFieldError(InvalidInputError):
    def __init__(self, field_key: str, known: tuple[str, ...]) -> None:
        self.field_key = field_key
        super().__init__(
            f"{field_key!r} is not a field of this change request; "
            f"its fields are: {', '.join(known)}.",
            message_zh=f"{field_key!r} 不是此变更申请中的字段。",
        )


class NaiveDatetimeError(InvalidInputError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name} must be a timezone-aware UTC datetime.",
            message_zh=f"{name} 必须是带时区的 UTC 时间。",
        )


class NotInConflictError(InvalidInputError):
    def __init__(self, version: int) -> None:
        super().__init__(
            f"The supplier record is still at version {version}, the version this request "
            "was based on; there is no conflict.",
            message_zh=f"供应商档案仍为版本 {version}，与申请基于的版本一致，不存在冲突。",
        )


class PolicyConfigError(InvalidInputError):
    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(
            f"Approval policy setting {path}: {problem}",
            message_zh=f"审批策略配置 {path} 有误：{problem}",
        )
