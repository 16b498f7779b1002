"""Masked display of sensitive values, and the only way to reveal one in clear.

>>> mask_bank_account("6222021234567891234")
'6222 **** **** 1234'
>>> mask_bank_account("6222 0212 3456 7891 234")
'6222 **** **** 1234'
>>> mask_phone("13812345678")
'138****5678'
>>> mask_phone("+86 138-1234-5678")
'+86 138****5678'
>>> mask_phone("021-12345678")
'*******5678'
>>> mask_id_number("11010519491231002X")
'110***********002X'
>>> mask_id_number("short")
'****'
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Protocol, runtime_checkable

from crypto.errors import RevealDeniedError
from crypto.field import FieldCipher

__all__ = ["RevealHook", "mask_bank_account", "mask_id_number", "mask_phone", "reveal"]

_SEPARATORS = re.compile(r"[\s\-]")


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value)


def mask_bank_account(value: str) -> str:
    """First 4 and last 4 digits, fixed-width stars so the length is not shown."""
    digits = _compact(value)
    if len(digits) < 12:
        return "****"
    return f"{digits[:4]} **** **** {digits[-4:]}"


def mask_phone(value: str) -> str:
    """Mainland mobile: ``138****5678``; other numbers keep only the last 4 digits."""
    number = _compact(value)
    prefix = ""
    for country in ("+86", "0086"):
        if number.startswith(country):
            prefix, number = "+86 ", number[len(country) :]
    if len(number) == 11 and number.startswith("1") and number.isdigit():
        return f"{prefix}{number[:3]}****{number[-4:]}"
    if len(number) < 7:
        return "****"
    return prefix + "*" * (len(number) - 4) + number[-4:]


def mask_id_number(value: str) -> str:
    """Resident ID (18 or 15 characters): first 3 and last 4 kept, so neither the
    full region code nor the birth date is shown."""
    number = _compact(value).upper()
    if len(number) not in (15, 18):
        return "****"
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


@runtime_checkable
class RevealHook(Protocol):
    """Called before a clear value is shown (write the audit record here).

    If the hook raises, nothing is revealed.
    """

    def on_reveal(self, actor: str, role: str, table: str, column: str, row_id: str) -> None: ...


def reveal(
    value_token: str,
    *,
    cipher: FieldCipher,
    actor: str,
    role: str,
    allowed_roles: Collection[str],
    table: str,
    column: str,
    row_id: str,
    hook: RevealHook,
) -> str:
    """Decrypt ``value_token`` for ``actor`` if ``role`` is allowed; deny otherwise.

    The hook runs before decryption, so every reveal is recorded even when the
    caller drops the result.
    """
    if role not in allowed_roles:
        raise RevealDeniedError(
            f"role {role!r} of {actor!r} may not reveal {table}.{column}; ask someone with "
            f"one of: {', '.join(sorted(allowed_roles)) or 'no role is allowed'}"
        )
    hook.on_reveal(actor, role, table, column, row_id)
    return cipher.decrypt(value_token, table=table, column=column, row_id=row_id)
