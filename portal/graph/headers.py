"""Column headers of contract, invoice and store files, as the source systems print them."""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "MASTER_DATA_WORDS",
    "REQUIRED",
    "STATUSES",
    "SYNONYMS",
    "canonical_header",
    "fold",
]

_SUPPLIER_REF = {
    "supplier_uscc": (
        "统一社会信用代码",
        "供应商信用代码",
        "信用代码",
        "供应商税号",
        "uscc",
        "creditcode",
        "suppliertaxid",
        "supplieruscc",
    ),
    "supplier_name": ("供应商名称", "供应商", "乙方", "suppliername", "supplier"),
}
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "contracts": {
        "contract_number": ("合同编号", "合同号", "contractnumber", "contractno", "number"),
        "title": ("合同名称", "合同标题", "标题", "title", "contracttitle"),
        "signed_on": ("签订日期", "签约日期", "signedon", "signed"),
        "valid_from": ("生效日期", "开始日期", "validfrom"),
        "valid_to": ("到期日期", "截止日期", "结束日期", "validto"),
        "amount": ("合同金额", "金额", "amount"),
        "currency": ("币种", "currency"),
        **_SUPPLIER_REF,
    },
    "invoices": {
        "invoice_code": ("发票代码", "invoicecode"),
        "invoice_number": ("发票号码", "发票号", "invoicenumber", "invoiceno"),
        "seller_name": ("销售方名称", "销方名称", "开票方", "sellername", "seller"),
        "seller_tax_number": (
            "销售方纳税人识别号",
            "销售方税号",
            "销方税号",
            "纳税人识别号",
            "sellertaxnumber",
            "sellertaxid",
        ),
        "seller_bank_account": (
            "销售方开户行及账号",
            "销售方账号",
            "销方开户行及账号",
            "sellerbankaccount",
            "selleraccount",
        ),
        "issued_on": ("开票日期", "issuedon", "date"),
        "amount": ("价税合计", "金额", "amount", "total"),
        "status": ("状态", "发票状态", "status"),
        "rejection_reason": ("拒收原因", "退票原因", "rejectionreason", "reason"),
        "rejection_cause": ("拒收归因", "原因类别", "rejectioncause", "cause"),
    },
    "stores": {
        "code": ("门店编码", "门店编号", "仓库编码", "storecode", "code"),
        "name": ("门店名称", "仓库名称", "storename", "name"),
        "address": ("门店地址", "地址", "address"),
        "supplier_uscc": (
            "供货商信用代码",
            "供应商信用代码",
            "统一社会信用代码",
            "uscc",
            "suppliers",
            "supplieruscc",
        ),
    },
}
REQUIRED = {
    "contracts": ("contract_number",),
    "invoices": ("invoice_number", "seller_name"),
    "stores": ("code", "name"),
}
STATUSES = {
    "rejected": ("rejected", "拒收", "已拒收", "退回", "已退回", "退票"),
    "accepted": ("accepted", "已接收", "已认证", "认证", "已验收"),
    "paid": ("paid", "已付款", "已支付"),
    "received": ("received", "已收到", "待处理", "收到"),
}
MASTER_DATA_WORDS = (
    "主数据",
    "masterdata",
    "抬头",
    "名称",
    "税号",
    "纳税人识别号",
    "开户行",
    "账号",
    "title",
    "taxnumber",
    "taxid",
    "bank",
)


def fold(text: object) -> str:
    """A header or cell as compared: width-folded, lower case, without spaces and marks."""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[\s*()（）:：_\-]", "", folded)


def canonical_header(kind: str, header: object) -> str | None:
    """The field of ``kind`` (contracts, invoices, stores) a header names.

    >>> canonical_header('invoices', '销售方纳税人识别号*'), canonical_header('stores', '备注')
    ('seller_tax_number', None)
    """
    if header is None:
        return None
    folded = fold(header)
    for key, synonyms in SYNONYMS[kind].items():
        if folded in synonyms:
            return key
    return None
