"""The licence against the registry and the master record: one row per field, and the
findings that concern the licence. Pure: the values come in as the text a change
request carries (ISO dates, ``长期``, ``<amount> <CUR>``).

>>> row = ComparisonRow("name", "示例科技有限公司", "示例科技 有限公司", None)
>>> row.agrees
True
>>> ComparisonRow("name", "甲", None, None).agrees is None
True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from portal.domain.findings import Finding

__all__ = ["ComparisonRow", "compare_fields", "licence_findings", "plain"]


def plain(text: str) -> str:
    """A value as compared: width-folded, without whitespace, case-folded.

    >>> plain("ＡＢＣ 公司")
    'abc公司'
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


@dataclass(frozen=True)
class ComparisonRow:
    """One field as typed (on file), as printed on the licence, and as registered."""

    name: str
    on_file: str | None
    licence: str | None
    registry: str | None

    @property
    def agrees(self) -> bool | None:
        """Whether every value present is the same (None: fewer than two to compare)."""
        present = {plain(v) for v in (self.on_file, self.licence, self.registry) if v}
        counted = sum(1 for v in (self.on_file, self.licence, self.registry) if v)
        return None if counted < 2 else len(present) == 1


def compare_fields(
    names: Sequence[str],
    on_file: Mapping[str, str | None],
    licence: Mapping[str, str | None],
    registered: Mapping[str, str | None],
) -> list[ComparisonRow]:
    """One row per field name, in order."""
    return [
        ComparisonRow(name, on_file.get(name), licence.get(name), registered.get(name))
        for name in names
    ]


def licence_findings(findings: Iterable[Finding]) -> list[Finding]:
    """The findings of a verification that rest on what the licence says."""
    return [f for f in findings if "ocr" in f.evidence]
