"""Matches as findings, worded like every other finding of the portal.

The evidence names the other record (``existing_id`` for a stored supplier,
``batch_index`` for another row of the same batch), its name, the attribute
that matched and the score, so a reviewer sees why without opening both.
"""

from __future__ import annotations

from portal.domain.findings import Finding, finding
from portal.resolution.model import Attribute, Match

SOURCE = "dedup"

_FIELD: dict[Attribute, str] = {
    Attribute.USCC: "uscc",
    Attribute.ORG_CODE: "uscc",
    Attribute.NAME: "name",
    Attribute.FORMER_NAME: "name",
    Attribute.BANK_ACCOUNT: "bank_account",
    Attribute.PHONE: "contact_phone",
    Attribute.LEGAL_REP_ADDRESS: "legal_representative",
}


def to_finding(match: Match) -> Finding:
    """The finding for one match."""
    if match.other.startswith("#"):
        where_en = f"row {int(match.other[1:]) + 1} of this batch"
        where_zh = f"本批第 {int(match.other[1:]) + 1} 行"
        evidence = {"batch_index": match.other[1:]}
    else:
        where_en = f"supplier {match.other} ({match.other_name})"
        where_zh = f"供应商 {match.other}（{match.other_name}）"
        evidence = {"existing_id": match.other}
    evidence.update(
        existing_name=match.other_name,
        matched=match.attribute.value,
        score=f"{match.score:.3f}",
    )
    if match.detail and match.attribute not in (Attribute.BANK_ACCOUNT, Attribute.PHONE):
        evidence["detail"] = match.detail
    how = f" by {match.attribute.value}" if match.attribute is not Attribute.USCC else ""
    return finding(
        match.code,
        _FIELD[match.attribute],
        detail=f"{where_en}{how}, score {match.score:.2f}",
        detail_zh=f"{where_zh}，匹配项 {match.attribute.value}，相似度 {match.score:.2f}",
        source=SOURCE,
        evidence=evidence,
    )
