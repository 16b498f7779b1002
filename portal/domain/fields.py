"""The supplier's fields, declared once: entity, name, labels, sensitivity, who may edit
them, and the spreadsheet headers an import recognises for them.

Every list of supplier fields is derived from :data:`CATALOGUE`: what a change request
may touch (:func:`editable`), what is sealed and masked (:func:`sensitive`), what a
reveal may show (:func:`revealable`), what the licence form offers (:func:`licence`),
the keys an import row carries (:func:`import_keys`) and their header synonyms
(:func:`header_synonyms`). Add a field here and every channel knows it.

>>> editable("contact")
('name', 'role', 'phone', 'email')
>>> ("bank_account", "account_number") in sensitive()
True
>>> spec("bank_account", "holder_name").import_key, spec("bank_account", "holder_name").zh
('account_holder', '户名')
>>> licence()[:3]
('name', 'entity_type', 'legal_representative')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

__all__ = [
    "CATALOGUE",
    "ENTITIES",
    "FieldSpec",
    "by_import_key",
    "column_title",
    "editable",
    "fields_of",
    "header_synonyms",
    "import_keys",
    "licence",
    "required_on_add",
    "revealable",
    "sensitive",
    "spec",
]

#: The entities of a supplier's record (the same words as ``approvals.Entity``).
ENTITIES = ("supplier", "bank_account", "invoicing_profile", "contact")


@dataclass(frozen=True)
class FieldSpec:
    """One field of one entity of the supplier's record.

    ``editable``: a change request may touch it. ``sensitive``: sealed at rest and masked
    in views. ``revealable``: one clear value can be shown (audited) by its row id.
    ``licence``: read off the business licence (营业执照), offered on the licence form.
    ``import_key``/``headers``: the key of an import row and the header synonyms (folded:
    lower case, no spaces or brackets) that name it. ``required_on_add``: a new account or
    contact needs it.
    """

    entity: str
    name: str
    zh: str
    en: str
    editable: bool = False
    sensitive: bool = False
    revealable: bool = False
    licence: bool = False
    required_on_add: bool = False
    import_key: str | None = None
    headers: tuple[str, ...] = ()


def _f(entity: str, name: str, zh: str, en: str, *flags: str, **kw: object) -> FieldSpec:
    """Shorthand: flags are the names of the boolean attributes that are true."""
    return FieldSpec(entity, name, zh, en, **dict.fromkeys(flags, True), **kw)  # type: ignore[arg-type]


_S, _B, _I, _C = ENTITIES
_LIC = ("editable", "licence")

#: Every field, in import-column order (which is also the order of forms and views).
CATALOGUE: tuple[FieldSpec, ...] = (
    _f(_S, "uscc", "统一社会信用代码", "credit code", import_key="uscc", headers=(
        "统一社会信用代码", "社会信用代码", "信用代码", "纳税人识别号", "税号", "uscc",
        "creditcode", "unifiedsocialcreditcode", "taxid", "taxnumber")),
    _f(_S, "foreign_tax_id", "境外税号", "foreign tax number", "editable",
       import_key="foreign_tax_id", headers=(
        "境外税号", "外国税号", "增值税号", "vat号", "vatnumber", "vat", "euvat",
        "foreigntaxid", "foreigntaxnumber")),
    _f(_S, "name", "名称", "name", *_LIC, import_key="name", headers=(
        "供应商名称", "单位名称", "公司名称", "企业名称", "名称", "供应商", "name",
        "suppliername", "companyname")),
    _f(_S, "aliases", "曾用名", "former names", import_key="aliases",
       headers=("曾用名", "别名", "aliases", "formernames")),
    _f(_S, "entity_type", "企业类型", "entity type", *_LIC, import_key="entity_type",
       headers=("企业类型", "类型", "主体类型", "entitytype", "type")),
    _f(_S, "legal_representative", "法定代表人", "legal representative", *_LIC,
       import_key="legal_representative",
       headers=("法定代表人", "法人", "负责人", "legalrepresentative", "legalrep")),
    _f(_S, "legal_rep_id_number", "法定代表人身份证号", "legal representative's ID number",
       "sensitive", "revealable", import_key="legal_rep_id_number", headers=(
        "法定代表人身份证号", "法人身份证号", "身份证号", "idnumber", "legalrepidnumber")),
    _f(_S, "registered_capital", "注册资本", "registered capital", *_LIC,
       import_key="registered_capital",
       headers=("注册资本", "出资额", "registeredcapital", "capital")),
    _f(_S, "established_on", "成立日期", "established", *_LIC, import_key="established_on",
       headers=("成立日期", "注册日期", "establishedon", "established")),
    _f(_S, "term_from", "营业期限自", "term from", *_LIC, import_key="term_from",
       headers=("营业期限自", "经营期限自", "termfrom")),
    _f(_S, "term_to", "营业期限至", "term to", *_LIC, import_key="term_to",
       headers=("营业期限至", "经营期限至", "termto")),
    _f(_S, "address", "地址", "address", *_LIC, import_key="address",
       headers=("住所", "注册地址", "地址", "经营场所", "address")),
    _f(_S, "business_scope", "经营范围", "business scope", *_LIC, import_key="business_scope",
       headers=("经营范围", "businessscope", "scope")),
    _f(_S, "registration_authority", "登记机关", "registration authority", *_LIC,
       import_key="registration_authority", headers=("登记机关", "registrationauthority")),
    _f(_S, "registry_status", "登记状态", "registry status", import_key="registry_status",
       headers=("登记状态", "经营状态", "registrystatus")),
    _f(_S, "taxpayer_qualification", "纳税人资格", "taxpayer qualification",
       import_key="taxpayer_qualification",
       headers=("纳税人资格", "纳税人类型", "taxpayerqualification")),
    _f(_S, "tax_status", "税务状态", "tax status", import_key="tax_status",
       headers=("税务状态", "taxstatus")),
    _f(_S, "lifecycle_state", "状态", "state", import_key="lifecycle_state",
       headers=("状态", "供应商状态", "lifecyclestate", "state")),
    _f(_B, "bank_name", "开户行", "bank", "editable", "required_on_add", import_key="bank_name",
       headers=("开户行", "开户行全称", "开户银行", "银行名称", "bankname", "bank")),
    _f(_B, "cnaps_code", "联行号", "CNAPS code", "editable", import_key="cnaps_code",
       headers=("联行号", "开户行行号", "行号", "cnaps", "cnapscode")),
    _f(_B, "account_number", "银行账号", "account number", "editable", "required_on_add",
       "sensitive", "revealable", import_key="bank_account",
       headers=("银行账号", "账号", "收款账号", "bankaccount", "accountnumber", "account")),
    _f(_B, "holder_name", "户名", "account holder", "editable", "required_on_add",
       import_key="account_holder",
       headers=("户名", "账户名称", "开户名", "accountholder", "holder", "holdername")),
    _f(_B, "currency", "币种", "currency", "editable", import_key="bank_currency",
       headers=("币种", "currency")),
    _f(_B, "purpose", "用途", "purpose", "editable", import_key="bank_purpose",
       headers=("用途", "账户用途", "purpose")),
    _f(_B, "department", "部门", "department"),
    _f(_C, "name", "联系人", "contact", "editable", "required_on_add", import_key="contact_name",
       headers=("联系人", "联系人姓名", "contact", "contactname")),
    _f(_C, "role", "职务", "role", "editable", import_key="contact_role",
       headers=("联系人职务", "职务", "contactrole", "role")),
    _f(_C, "phone", "电话", "phone", "editable", "sensitive", "revealable",
       import_key="contact_phone",
       headers=("联系电话", "电话", "手机", "手机号", "phone", "mobile", "contactphone")),
    _f(_C, "email", "邮箱", "e-mail", "editable", import_key="contact_email",
       headers=("邮箱", "电子邮箱", "email", "e-mail", "contactemail")),
    _f(_I, "title", "发票抬头", "invoice title", "editable", import_key="invoice_title",
       headers=("发票抬头", "开票名称", "invoicetitle")),
    _f(_I, "tax_number", "税号", "tax number", "editable", import_key="invoice_tax_number",
       headers=("开票税号", "invoicetaxnumber")),
    _f(_I, "address", "开票地址", "invoice address", "editable", import_key="invoice_address",
       headers=("开票地址", "invoiceaddress")),
    _f(_I, "phone", "开票电话", "invoice phone", "editable", "sensitive",
       import_key="invoice_phone", headers=("开票电话", "invoicephone")),
    _f(_I, "bank_name", "开票开户行", "invoice bank", "editable",
       import_key="invoice_bank_name", headers=("开票开户行", "invoicebankname")),
    _f(_I, "account_number", "开票账号", "invoice account", "editable", "sensitive",
       import_key="invoice_account", headers=("开票账号", "invoiceaccount")),
)  # fmt: skip


@cache
def _index() -> dict[tuple[str, str], FieldSpec]:
    return {(f.entity, f.name): f for f in CATALOGUE}


def spec(entity: str, name: str) -> FieldSpec:
    """The declaration of one field (``KeyError`` for a field we do not have)."""
    return _index()[(str(entity), name)]


@cache
def fields_of(entity: str) -> tuple[FieldSpec, ...]:
    """Every field of one entity, in catalogue order."""
    return tuple(f for f in CATALOGUE if f.entity == entity)


@cache
def editable(entity: str) -> tuple[str, ...]:
    """The fields of ``entity`` a change request may touch."""
    return tuple(f.name for f in fields_of(str(entity)) if f.editable)


@cache
def required_on_add(entity: str) -> tuple[str, ...]:
    """The fields a new bank account or contact cannot go without."""
    return tuple(f.name for f in fields_of(str(entity)) if f.required_on_add)


@cache
def sensitive() -> frozenset[tuple[str, str]]:
    """(entity, field) of every value sealed at rest and masked in views."""
    return frozenset((f.entity, f.name) for f in CATALOGUE if f.sensitive)


@cache
def revealable() -> frozenset[tuple[str, str]]:
    """(entity, field) of every value a reveal may show, one row at a time."""
    return frozenset((f.entity, f.name) for f in CATALOGUE if f.revealable)


@cache
def licence() -> tuple[str, ...]:
    """The licence fields (营业执照) of the supplier, as the licence form offers them."""
    return tuple(f.name for f in CATALOGUE if f.licence)


@cache
def import_keys() -> tuple[str, ...]:
    """Every key of an import row (what ``parse_supplier`` reads)."""
    return tuple(f.import_key for f in CATALOGUE if f.import_key)


def header_synonyms() -> dict[str, tuple[str, ...]]:
    """Import key -> the (folded) spreadsheet headers that name it."""
    return {f.import_key: f.headers for f in CATALOGUE if f.import_key}


@cache
def by_import_key(key: str) -> FieldSpec:
    """The field an import key names (``KeyError`` for a key we do not have)."""
    return {f.import_key: f for f in CATALOGUE if f.import_key}[key]


def column_title(key: str) -> str:
    """The header the portal writes for an import key, Chinese then the key: what the
    finance export and the template write, and what the import reads back.

    >>> column_title("bank_account")
    '银行账号 bank_account'
    """
    return f"{by_import_key(key).headers[0]} {key}"
