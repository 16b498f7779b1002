"""Findings: what a check found wrong (or could not confirm) about a value.

A finding has a stable ``code`` that is part of the public API (see
``docs/findings.md``), a severity, the field it concerns, a message in
Chinese and English, the source that produced it (validation, registry,
tax bureau, OCR, dedup) and evidence. Messages are looked up in ``CATALOG``
and filled from the evidence, so every producer words a code the same way.

>>> f = finding('uscc.invalid_checksum', 'uscc', detail='check character should be L, not K')
>>> f.code, f.severity.value
('uscc.invalid_checksum', 'error')
>>> f.message_en
'Credit code check failed: check character should be L, not K'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Severity(StrEnum):
    """How much a finding matters: errors block, warnings need a look, info is a note."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One thing found about one field of a record."""

    code: str
    severity: Severity
    field_name: str | None
    message_en: str
    message_zh: str
    source: str = "validation"
    evidence: Mapping[str, str] = field(default_factory=dict)
    observed_at: datetime | None = None
    request_id: str | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "field": self.field_name,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
            "source": self.source,
            "evidence": dict(self.evidence),
            "observed_at": self.observed_at.isoformat() if self.observed_at else None,
            "request_id": self.request_id,
        }


@dataclass(frozen=True)
class CatalogEntry:
    """Default severity and message templates (``str.format`` over the evidence)."""

    severity: Severity
    en: str
    zh: str


E, W = Severity.ERROR, Severity.WARNING

CATALOG: dict[str, CatalogEntry] = {
    "uscc.invalid_checksum": CatalogEntry(
        E, "Credit code check failed: {detail}", "统一社会信用代码校验位错误：{detail}"
    ),
    "uscc.invalid_length": CatalogEntry(
        E, "Credit code has the wrong length: {detail}", "统一社会信用代码长度错误：{detail}"
    ),
    "uscc.invalid_format": CatalogEntry(
        E, "Not a credit code: {detail}", "统一社会信用代码格式错误：{detail}"
    ),
    "uscc.unknown_region": CatalogEntry(
        E,
        "Credit code region is unknown: {detail}",
        "统一社会信用代码中的登记管理机关行政区划码无效：{detail}",
    ),
    "uscc.legacy_tax_number": CatalogEntry(
        W,
        "This is a legacy 15-digit tax registration number, not a credit code: {detail}",
        "这是旧版15位税务登记号，不是统一社会信用代码：{detail}",
    ),
    "foreign_tax_id.invalid": CatalogEntry(
        E, "Foreign tax number refused: {detail}", "境外税号无效：{detail}"
    ),
    "identity.both": CatalogEntry(E, "Two identities: {detail}", "身份重复：{detail}"),
    "duplicate.foreign_tax_id": CatalogEntry(
        E,
        "A supplier with this foreign tax number already exists: {detail}",
        "该境外税号的供应商已存在：{detail}",
    ),
    "required.missing": CatalogEntry(
        E, "Required field is missing: {detail}", "必填项缺失：{detail}"
    ),
    "phone.invalid": CatalogEntry(
        E,
        "Not a mainland mobile or landline number: {detail}",
        "不是有效的手机号或固定电话：{detail}",
    ),
    "email.invalid": CatalogEntry(
        E, "Not an e-mail address: {detail}", "电子邮箱格式错误：{detail}"
    ),
    "id_number.invalid": CatalogEntry(
        E, "Not a valid resident ID number: {detail}", "居民身份证号码无效：{detail}"
    ),
    "bank_account.invalid": CatalogEntry(
        E, "Not a bank account number: {detail}", "银行账号格式错误：{detail}"
    ),
    "cnaps.invalid": CatalogEntry(
        E, "Not a 12-digit CNAPS bank code: {detail}", "联行号应为12位数字：{detail}"
    ),
    "bank_account.holder_mismatch": CatalogEntry(
        E,
        "Account holder differs from the registered name: {detail}",
        "银行户名与登记名称不一致：{detail}",
    ),
    # also the registry's (registry/codes.py registers the same entry): an import
    # tells a short name from the full one on the same credit code
    "name.truncated": CatalogEntry(
        W,
        "The company name is incomplete; the registered name is {detail}",
        "企业名称不完整，登记名称为：{detail}",
    ),
    "duplicate.uscc": CatalogEntry(
        E,
        "A supplier with this credit code already exists: {detail}",
        "该统一社会信用代码的供应商已存在：{detail}",
    ),
    "duplicate.similar_name": CatalogEntry(
        W, "A supplier with a similar name exists: {detail}", "存在名称相近的供应商：{detail}"
    ),
    "duplicate.bank_account": CatalogEntry(
        W,
        "This bank account is used by another supplier: {detail}",
        "该银行账号已被其他供应商使用：{detail}",
    ),
    "duplicate.phone": CatalogEntry(
        W,
        "This phone number belongs to another supplier: {detail}",
        "该电话号码属于其他供应商：{detail}",
    ),
    "duplicate.legal_rep_address": CatalogEntry(
        W,
        "Another supplier has the same legal representative and address: {detail}",
        "其他供应商的法定代表人和地址相同：{detail}",
    ),
    "input.rejected": CatalogEntry(E, "Input refused: {detail}", "输入被拒绝：{detail}"),
    "value.invalid": CatalogEntry(E, "Value is not valid: {detail}", "取值无效：{detail}"),
}


def finding(
    code: str,
    field_name: str | None,
    *,
    detail: str = "",
    source: str = "validation",
    severity: Severity | None = None,
    evidence: Mapping[str, str] | None = None,
    observed_at: datetime | None = None,
    request_id: str | None = None,
    detail_zh: str | None = None,
) -> Finding:
    """Build a finding for a catalogued code; unknown codes are a programming error."""
    entry = CATALOG[code]
    return Finding(
        code=code,
        severity=severity or entry.severity,
        field_name=field_name,
        message_en=entry.en.format(detail=detail),
        message_zh=entry.zh.format(detail=detail_zh if detail_zh is not None else detail),
        source=source,
        evidence=dict(evidence or {}),
        observed_at=observed_at,
        request_id=request_id,
    )


def register(code: str, severity: Severity, en: str, zh: str) -> None:
    """Add a code to the catalog (packages such as ``registry`` add their own)."""
    if code in CATALOG and CATALOG[code] != CatalogEntry(severity, en, zh):
        raise ValueError(f"finding code {code} is already registered differently")
    CATALOG[code] = CatalogEntry(severity, en, zh)
