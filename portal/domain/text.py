"""Free-text fields: what is refused before anything is stored.

Control characters, spreadsheet formulas and absurd lengths are refused with
``input.rejected``. A formula is a value starting with ``=`` or ``@`` (full-width ``＝ ＠``
too), or with ``+``/``-`` followed by something that is not a number: ``+86 138 0013 8000``
and ``-5`` are data, ``+cmd|'/C calc'!A0`` is not. A formula start is only dangerous on the
way *out*, so every export neutralises its cells (:func:`neutralise_cell`) whatever came in.

Invisible and direction-changing characters (zero-width spaces, bidi overrides such as
U+202E, the byte-order mark: Unicode's "format" category) are removed: they make a name look
like another and never belong in master data. A leading apostrophe that an export put before
a formula-looking value is taken off again, so an export can be imported back.

>>> clean('  上海示例科技有限公司 ', 'name')
'上海示例科技有限公司'
>>> clean('=HYPERLINK("http://x")', 'name')
Traceback (most recent call last):
    ...
portal.domain.errors.InvalidFormat: name starts with =, which spreadsheets run as a formula
>>> clean('+86 138 0013 8000', 'contact_phone')
'+86 138 0013 8000'
>>> clean('王\u202e经理\u200b', 'contact_name')
'王经理'
>>> neutralise_cell('=1+1'), neutralise_cell('＋86'), neutralise_cell('甲')
("'=1+1", "'＋86", '甲')
>>> clean(neutralise_cell('-5'), 'amount')
'-5'
"""

from __future__ import annotations

import functools
import re
import unicodedata

from portal.domain.errors import InvalidFormat, InvalidLength

#: What a spreadsheet program may take as the start of a formula (ASCII and full-width forms).
FORMULA_PREFIXES = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    "＝",
    "＋",
    "－",
    "＠",
    "﹦",
    "﹢",
    "﹣",
    "﹫",
)
_FORMULA_IN = re.compile(r"^(?:[=＝﹦@＠﹫]|[+＋﹢\-－﹣](?![\d\s(（.]))")
MAX_LENGTHS = {"name": 200, "address": 500, "business_scope": 4000}
DEFAULT_MAX = 500
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def clean(value: str, field_name: str, *, max_length: int | None = None) -> str:
    """Return the trimmed text or raise ``input.rejected``."""
    text = unicodedata.normalize("NFC", strip_invisible(value)).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]  # our own export's neutralising quote
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
    if _FORMULA_IN.match(text):
        raise InvalidFormat(
            f"{field_name} starts with {text[0]}, which spreadsheets run as a formula",
            code="input.rejected",
            zh=f"{field_name} 以 {text[0]} 开头，电子表格会把它当作公式执行",
        )
    return text


def strip_invisible(value: str) -> str:
    """``value`` without invisible or direction-changing characters (Unicode category Cf)."""
    if value.isascii():
        return value
    return _format_characters().sub("", value)


#: the planes that hold format characters (basic, supplementary and special-purpose; the
#: others hold ideographs, private use or nothing: tests/portal/test_text_invisible.py
#: checks every code point)
_FORMAT_PLANES = (range(0x0, 0x20000), range(0xE0000, 0xF0000))


@functools.cache
def _format_characters() -> re.Pattern[str]:
    """Every character of category Cf in this Python's Unicode tables, as one character
    class (built once, on the first text that is not ASCII: about 15 ms)."""
    found = (
        ch for plane in _FORMAT_PLANES for ch in map(chr, plane) if unicodedata.category(ch) == "Cf"
    )
    return re.compile("[" + "".join(re.escape(ch) for ch in found) + "]")


def neutralise_cell(value: str) -> str:
    """Make a value safe to put in a CSV or XLSX cell (prefix a quote).

    Leading spaces do not hide a formula: some programs trim before they evaluate.
    """
    return "'" + value if value.lstrip(" ").startswith(FORMULA_PREFIXES) else value


def is_masked(value: str) -> bool:
    """Whether ``value`` is a masked sensitive value as the portal shows and exports it
    (``6222 **** **** 0002``, ``138****5678``): withheld, never data.

    >>> is_masked("6222 **** **** 0002"), is_masked("6222021234567800002")
    (True, False)
    """
    return "**" in value.replace(" ", "")
