"""Bank account numbers as printed on account-opening permits.

Corporate accounts in China have 8 to 32 digits and no public check digit;
personal cards (16-19 digits) carry a Luhn digit, which is reported but not
required because corporate accounts of the same length do not carry one.

>>> validate('6222 0212 3456 7891 234')
'6222021234567891234'
>>> format('6222021234567891234')
'6222 0212 3456 7891 234'
>>> validate('6222-02x')
Traceback (most recent call last):
    ...
portal.domain.errors.InvalidFormat: an account number has digits only, found x
"""

from __future__ import annotations

import unicodedata

from portal.domain.errors import InvalidFormat, InvalidLength


def compact(number: str) -> str:
    """Drop spaces and hyphens, normalise full-width digits."""
    return "".join(c for c in unicodedata.normalize("NFKC", number) if c not in " -\t")


def validate(number: str) -> str:
    """Return the digits or raise."""
    digits = compact(number)
    bad = sorted({c for c in digits if not c.isdigit()})
    if bad:
        raise InvalidFormat(
            f"an account number has digits only, found {''.join(bad)}",
            code="bank_account.invalid",
            zh=f"账号只能是数字，发现 {''.join(bad)}",
        )
    if not 8 <= len(digits) <= 32:
        raise InvalidLength(
            f"an account number has 8 to 32 digits, this one has {len(digits)}",
            code="bank_account.invalid",
            zh=f"账号应为8至32位数字，此处为{len(digits)}位",
        )
    return digits


def is_valid(number: str) -> bool:
    """Return whether the number is valid; never raises."""
    try:
        validate(number)
    except ValueError:
        return False
    return True


def format(number: str) -> str:
    """Group in fours as printed on permits."""
    digits = compact(number)
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
