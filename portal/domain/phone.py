"""Mainland China telephone numbers: mobiles and landlines.

Mobiles are 11 digits starting 13-19; landlines an area code (0 plus 2-3
digits) and a 7-8 digit local number, optionally with an extension; 400/800
service numbers are 10 digits. A leading +86 or 0086 is dropped.

>>> validate('+86 138-1234-5678')
'13812345678'
>>> validate('(021) 6888 1234 转 801')
'021-68881234-801'
>>> validate('0755-8888888')
'0755-8888888'
>>> validate('400 820 8820')
'4008208820'
>>> validate('12345')
Traceback (most recent call last):
    ...
portal.domain.errors.InvalidFormat: 12345 is neither a mobile (11 digits from 13) nor a landline with area code
>>> format('13812345678')
'138 1234 5678'
"""

from __future__ import annotations

import re
import unicodedata

from portal.domain.errors import InvalidFormat

_MOBILE = re.compile(r"1[3-9]\d{9}")
_SERVICE = re.compile(r"[48]00\d{7}")
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))([2-9]\d{6,7})(?:(?:转|ext\.?|x|#|-)(\d{1,6}))?")


def compact(number: str) -> str:
    """Drop spaces, brackets, dots and the country code; keep the extension marker."""
    text = unicodedata.normalize("NFKC", number).strip().lower()
    text = re.sub(r"[\s().]", "", text)
    text = re.sub(r"^(\+86|0086)-?", "", text)
    return text


def validate(number: str) -> str:
    """Return the canonical number (landlines as AREA-LOCAL[-EXT]) or raise."""
    text = compact(number)
    digits = text.replace("-", "")
    if _MOBILE.fullmatch(digits) or _SERVICE.fullmatch(digits):
        return digits
    match = _LANDLINE.fullmatch(_landline_form(text))
    if match:
        return "-".join(p for p in match.groups() if p)
    raise InvalidFormat(
        f"{number.strip()} is neither a mobile (11 digits from 13) nor a landline with area code",
        code="phone.invalid",
        zh=f"{number.strip()} 既不是11位手机号，也不是带区号的固定电话",
    )


def _landline_form(text: str) -> str:
    """Remove the hyphen between area code and number, keep one before an extension."""
    parts = text.split("-")
    if len(parts) >= 2 and parts[0].startswith("0"):
        head = parts[0] + parts[1]
        rest = parts[2:]
        return head + ("-" + "".join(rest) if rest else "")
    return text


def is_valid(number: str) -> bool:
    """Return whether the number is valid; never raises."""
    try:
        validate(number)
    except ValueError:
        return False
    return True


def is_mobile(number: str) -> bool:
    """Whether the canonical number is a mobile."""
    return bool(_MOBILE.fullmatch(number))


def format(number: str) -> str:
    """Group a mobile as 3-4-4; landlines keep their canonical form."""
    canonical = validate(number)
    if is_mobile(canonical):
        return f"{canonical[:3]} {canonical[3:7]} {canonical[7:]}"
    return canonical
