"""Free-text fields: what is refused before anything is stored.

Control characters, spreadsheet formulas (a cell starting ``= + - @``, or a
tab or carriage return, which spreadsheet programs execute) and absurd
lengths are refused with ``input.rejected``.

>>> clean('  上海示例科技有限公司 ', 'name')
'上海示例科技有限公司'
>>> clean('=HYPERLINK("http://x")', 'name')
Traceback (most recent call last):
    ...
portal.domain.errors.InvalidFormat: name starts with =, which spreadsheets run as a formula
>>> neutralise_cell('=1+1')
"'=1+1"
"""

from __future__ import annotations

import re
import unicodedata

from portal.domain.errors import InvalidFormat, InvalidLength

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_LENGTHS = {"name": 200, "address": 500, "business_scope": 4000}
DEFAULT_MAX = 500
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def clean(value: str, field_name: str, *, max_length: int | None = None) -> str:
    """Return the trimmed text or raise ``input.rejected``."""
    text = unicodedata.normalize("NFC", value).strip()
    limit = max_length or MAX_LENGTHS.get(field_name, DEFAULT_MAX)
    if len(text) > limit:
        raise InvalidLength(
            f"{field_name} has {len(text)} characters; at most {limit} are accepted",
            code="input.rejected",
            zh=f"{field_name} 长度为{len(text)}，最多允许{limit}个字符",
        )
    if _CONTROL.search(text):
        raise InvalidFormat(
            f"{field_name} contains control characters",
            code="input.rejected",
            zh=f"{field_name} 含有控制字符",
        )
    if text.startswith(FORMULA_PREFIXES):
        raise InvalidFormat(
            f"{field_name} starts with {text[0]}, which spreadsheets run as a formula",
            code="input.rejected",
            zh=f"{field_name} 以 {text[0]} 开头，电子表格会把它当作公式执行",
        )
    return text


def neutralise_cell(value: str) -> str:
    """Make a value safe to put in a CSV or XLSX cell (prefix a quote)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value
