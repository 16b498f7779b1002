"""Organisation code (组织机构代码, GB 11714-1997).

Nine characters: eight body characters (digits or upper-case letters) and a
check character computed with weights 3, 7, 9, 10, 5, 8, 4, 2 modulo 11
(10 is written ``X``, 11 is written ``0``). It is embedded in the unified
social credit code (characters 9-17) and in legacy 15-digit tax numbers.

>>> validate('60003734-1')
'600037341'
>>> calc_check_digit('60003734')
'1'
>>> validate('600037342')
Traceback (most recent call last):
    ...
portal.domain.errors.InvalidChecksum: organisation code check character should be 1, not 2
>>> format('600037341')
'60003734-1'
"""

from __future__ import annotations

from portal.domain.errors import InvalidChecksum, InvalidFormat, InvalidLength

_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_BODY = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def compact(number: str) -> str:
    """Strip spaces and hyphens and upper-case the code."""
    return number.replace(" ", "").replace("-", "").strip().upper()


_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def calc_check_digit(body: str) -> str:
    """Return the check character for the eight body characters."""
    total = sum(_VALUES[c] * w for c, w in zip(body, _WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate(number: str) -> str:
    """Return the compact code or raise a validation error."""
    code = compact(number)
    if len(code) != 9:
        raise InvalidLength(
            f"organisation code must have 9 characters, not {len(code)}",
            code="orgcode.invalid_length",
        )
    if any(c not in _BODY for c in code[:8]) or not (code[8].isdigit() or code[8] == "X"):
        raise InvalidFormat("organisation code has characters outside 0-9 and A-Z")
    expected = calc_check_digit(code[:8])
    if code[8] != expected:
        raise InvalidChecksum(
            f"organisation code check character should be {expected}, not {code[8]}",
            code="orgcode.invalid_checksum",
        )
    return code


def is_valid(number: str) -> bool:
    """Return whether the code is valid; never raises."""
    try:
        validate(number)
    except ValueError:
        return False
    return True


def format(number: str) -> str:
    """Present the code as printed on certificates (``XXXXXXXX-X``)."""
    code = compact(number)
    return f"{code[:8]}-{code[8:]}"
