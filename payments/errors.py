"""Errors of the payment-safety rules.

::

    PaymentsError
    ├── VersionTransitionError (ValueError)   the act does not fit the version's state
    └── PaymentFileError (ValueError)         a payment file that cannot be read as one
"""

from __future__ import annotations

__all__ = ["PaymentFileError", "PaymentsError", "VersionTransitionError"]


class PaymentsError(Exception):
    """Base of the payment-safety errors; ``message_zh`` says the same in Chinese."""

    code = "payments.error"

    def __init__(self, message: str, *, message_zh: str | None = None) -> None:
        super().__init__(message)
        self.message_zh = message_zh or message


class VersionTransitionError(PaymentsError, ValueError):
    """An account version cannot take this step from the state it is in (permanent)."""

    code = "account_version.transition"

    def __init__(self, act: str, state: str) -> None:
        super().__init__(
            f"an account version that is {state} cannot be {act}",
            message_zh=f"处于「{state}」状态的账户版本不能执行「{act}」",
        )
        self.act = act
        self.state = state


class PaymentFileError(PaymentsError, ValueError):
    """The payment file is not one we can read (no header we know, no lines, bad amount)."""

    code = "payment_file.unreadable"

    def __init__(self, message: str, *, message_zh: str, line: int | None = None) -> None:
        super().__init__(message, message_zh=message_zh)
        self.line = line
