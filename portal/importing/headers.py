"""Spreadsheet headers, in Chinese or English, mapped onto supplier fields.

Matching ignores case, spaces, brackets and a trailing ``*`` (the mark for a
required column in Chinese templates). The synonyms are documented in
``docs/import.md`` and declared with each field in :mod:`portal.domain.fields`; unknown
columns are reported, not guessed.

>>> canonical_header('供应商名称*')
'name'
>>> canonical_header(' Tax ID ')
'uscc'
>>> canonical_header('备注') is None
True
>>> canonical_header('银行账号 bank_account')  # as the finance export writes it
'bank_account'
"""

from __future__ import annotations

import re
import unicodedata

from portal.domain import fields

#: Import key -> header synonyms, from the field catalogue (:mod:`portal.domain.fields`).
SYNONYMS: dict[str, tuple[str, ...]] = fields.header_synonyms()

_LOOKUP = {syn: key for key, syns in SYNONYMS.items() for syn in syns}


def _fold(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).lower()
    return re.sub(r"[\s*()（）:：_\-]", "", text)


# the headers the portal itself writes (finance export, template): "银行账号 bank_account"
_LOOKUP.update({_fold(fields.column_title(key)): key for key in SYNONYMS})


def canonical_header(header: object) -> str | None:
    """The supplier field a header names, or None."""
    if header is None:
        return None
    folded = _fold(str(header))
    return _LOOKUP.get(folded) or _LOOKUP.get(folded.replace("e-mail", "email"))
