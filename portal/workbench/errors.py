"""Errors of the workbench.

::

    PortalError
    ├── StaffOnlyError (PermissionError)      a supplier user asked for a staff list
    └── AuditorsOnlyError (PermissionError)   someone else asked for the audit log
"""

from __future__ import annotations

from portal.domain.errors import ErrorKind, PortalError


class StaffOnlyError(PortalError, PermissionError):
    """Only staff see the workbench lists."""

    kind = ErrorKind.FORBIDDEN
    code = "workbench.staff_only"

    def __init__(self) -> None:
        super().__init__("only staff may see this list", message_zh="仅限内部员工查看此列表")


class AuditorsOnlyError(PortalError, PermissionError):
    """Only auditors and administrators read and export the audit log."""

    kind = ErrorKind.FORBIDDEN
    code = "workbench.auditors_only"

    def __init__(self) -> None:
        super().__init__(
            "only auditors and administrators may read the audit log",
            message_zh="仅审计员和管理员可以查看审计日志",
        )
