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
    Attribute.FOREIGN_TAX_ID: "foreign_tax_id",
    Attribute.ORG_CODE: "uscc",
    Attribute.NAME: "name",
    Attribute.FORMER_NAME: "name",
    Attribute.BANK_ACCOUNT: "bank_account",
    Attribute.PHONE: "contact_phone",
    Attribute.LEGAL_REP_ADDRESS: "legal_representative",
}


#: What matched, in words (English, Chinese): people read words, never attribute codes.
_WORDS: dict[Attribute, tuple[str, str]] = {
    Attribute.USCC: ("credit code", "统一社会信用代码"),
    Attribute.FOREIGN_TAX_ID: ("foreign tax number", "境外税号"),
    Attribute.ORG_CODE: ("organisation code", "组织机构代码"),
    Attribute.NAME: ("name", "名称"),
    Attribute.FORMER_NAME: ("former name", "曾用名"),
    Attribute.BANK_ACCOUNT: ("bank account", "银行账号"),
    Attribute.PHONE: ("phone", "联系电话"),
    Attribute.LEGAL_REP_ADDRESS: ("legal representative and address", "法定代表人与地址"),
}


def to_finding(match: Match) -> Finding:
    """The finding for one match: the other record by its name in the words, its id in the
    evidence (for the pages that link to it)."""
    if match.other.startswith("#"):
        where_en = f"row {int(match.other[1:]) + 1} of this batch"
        where_zh = f"本批第 {int(match.other[1:]) + 1} 行"
        evidence = {"batch_index": match.other[1:]}
    else:
        where_en = f"supplier 「{match.other_name}」"
        where_zh = f"供应商「{match.other_name}」"
        evidence = {"existing_id": match.other}
    evidence.update(
        existing_name=match.other_name,
        matched=match.attribute.value,
        score=f"{match.score:.3f}",
    )
    if match.detail and match.attribute not in (Attribute.BANK_ACCOUNT, Attribute.PHONE):
        evidence["detail"] = match.detail
    en, zh = _WORDS[match.attribute]
    how = f", matched on {en}" if match.attribute is not Attribute.USCC else ""
    return finding(
        match.code,
        _FIELD[match.attribute],
        detail=f"{where_en}{how}, similarity {match.score:.2f}",
        detail_zh=f"{where_zh}，依据：{zh}，相似度 {match.score:.2f}",
        source=SOURCE,
        evidence=evidence,
    )
