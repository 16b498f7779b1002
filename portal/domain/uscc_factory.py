"""Make valid fictional credit codes (for demo data, tests and benchmarks).

>>> from portal.domain import uscc
>>> code = make_uscc(7)
>>> uscc.is_valid(code), len(code)
(True, 18)
"""

from __future__ import annotations

import random

from portal.domain import orgcode, uscc

_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_REGIONS = ("110108", "310115", "440300", "330106", "320505", "510107", "420106", "370202")


def make_uscc(seed: int | random.Random, *, region: str | None = None, kind: str = "91") -> str:
    """A valid code: both the organisation-code and the final check characters hold."""
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    while True:
        body = "".join(rng.choice(_BODY[:10] if i < 2 else _BODY) for i in range(8))
        check = orgcode.calc_check_digit(body)
        if check in _BODY:
            break
    first17 = kind + (region or rng.choice(_REGIONS)) + body + check
    return first17 + uscc.calc_check_digit(first17)


def legacy_tax_number(credit_code: str) -> str:
    """The 15-character tax number the same company had before 2015."""
    return credit_code[2:8] + credit_code[8:17]
