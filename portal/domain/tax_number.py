"""Legacy 15-character tax registration numbers (税务登记证号).

Before 2015 a company's tax number was its 6-digit region code followed by
its 9-character organisation code. Such numbers still turn up in old supplier
lists; they are recognised, validated through the organisation code and
flagged as legacy, and they link to a credit code through that same
organisation code.

>>> validate('110108600037341')
'110108600037341'
>>> organisation_code('110108600037341')
'600037341'
>>> matches_uscc('110108600037341', '91110000600037341L')
True
>>> validate('110108600037342')
Traceback (most recent call last):
    ...
portal.domain.errors.InvalidChecksum: organisation code check character should be 1, not 2
"""

from __future__ import annotations

from portal.domain import orgcode, uscc
from portal.domain.errors import InvalidComponent, InvalidFormat, InvalidLength


def compact(number: str) -> str:
    """Normalise like a credit code."""
    return uscc.compact(number)


def validate(number: str) -> str:
    """Return the canonical legacy number or raise."""
    code = compact(number)
    if len(code) != 15:
        raise InvalidLength(
            f"a legacy tax number has 15 characters, this one has {len(code)}",
            code="tax_number.invalid_length",
        )
    if not code[:6].isdigit():
        raise InvalidFormat("a legacy tax number starts with a 6-digit region code")
    if code[:2] not in uscc.PROVINCES:
        raise InvalidComponent(f"region code {code[:6]} is not in a known province")
    orgcode.validate(code[6:])
    return code


def is_valid(number: str) -> bool:
    """Return whether the number is a valid legacy tax number; never raises."""
    try:
        validate(number)
    except ValueError:
        return False
    return True


def format(number: str) -> str:
    """Return the canonical presentation."""
    return compact(number)


def organisation_code(number: str) -> str:
    """Return the embedded organisation code."""
    return compact(number)[6:]


def matches_uscc(legacy: str, credit_code: str) -> bool:
    """Whether a legacy number and a credit code carry the same organisation code."""
    return organisation_code(legacy) == uscc.organisation_code(credit_code)
