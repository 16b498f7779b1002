# ruff: noqa: E501 - one row per company/code reads better than wrapped dicts
"""Finding codes produced by registry and tax-bureau verification.

They are registered in :data:`portal.domain.findings.CATALOG` by
:func:`register_codes`, which importing :mod:`registry` calls; calling it
again is harmless.

>>> register_codes()
>>> from portal.domain.findings import finding
>>> finding('name.truncated', 'name', detail='上海示例科技有限公司').message_en
'The company name is incomplete; the registered name is 上海示例科技有限公司'
"""

from __future__ import annotations

from portal.domain.findings import Severity, register

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES: dict[str, tuple[Severity, str, str]] = {
    "registry.not_found": (E, "No company is registered under this credit code: {detail}", "工商登记中查无此企业：{detail}"),
    "registry.unavailable": (INFO, "The business registry could not answer; the check will be retried later: {detail}", "工商登记数据暂时无法获取，稍后将自动重新核验：{detail}"),
    "tax.unavailable": (INFO, "The tax data source could not answer; the check will be retried later: {detail}", "税务数据暂时无法获取，稍后将自动重新核验：{detail}"),
    "name.mismatch": (E, "The company name differs from the registered name: {detail}", "企业名称与登记名称不一致：{detail}"),
    "name.truncated": (W, "The company name is incomplete; the registered name is {detail}", "企业名称不完整，登记名称为：{detail}"),
    "legal_rep.mismatch": (W, "The legal representative differs from the registry: {detail}", "法定代表人与工商登记不一致：{detail}"),
    "status.inactive": (E, "The company is no longer active in the registry: {detail}", "企业登记状态异常：{detail}"),
    "licence.expired": (E, "The business term has ended: {detail}", "营业期限已届满：{detail}"),
    "licence.expiring": (W, "The business term ends soon: {detail}", "营业期限即将届满：{detail}"),
    "term.mismatch": (W, "The business term end differs from the registry: {detail}", "营业期限与工商登记不一致：{detail}"),
    "tax.abnormal": (E, "The tax bureau lists the company as an abnormal taxpayer: {detail}", "企业为税务非正常户：{detail}"),
    "invoicing.mismatch": (W, "Invoicing details differ from the tax records: {detail}", "开票信息与税务登记不一致：{detail}"),
    "vat.invalid": (E, "VIES says this VAT number is not valid: {detail}", "VIES 显示该增值税号无效：{detail}"),
}  # fmt: skip


def register_codes() -> None:
    """Add the codes above to the findings catalog (idempotent)."""
    for code, (severity, en, zh) in CODES.items():
        register(code, severity, en, zh)


__all__ = ["CODES", "register_codes"]
