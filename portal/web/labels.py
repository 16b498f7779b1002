"""Display names of stored values (states, kinds, roles, fields), Chinese and English.

Templates write ``t('v:' ~ value)``; a value without a label shows as itself.
"""

from __future__ import annotations

from portal.domain.fields import CATALOGUE

VALUE_LABELS: dict[str, tuple[str, str]] = {
    # change-request states and verdicts
    "draft": ("草稿", "draft"), "pending": ("待审批", "pending"),
    "partially_approved": ("部分审批", "partly approved"), "approved": ("已批准", "approved"),
    "applied": ("已生效", "applied"), "rejected": ("已驳回", "rejected"),
    "withdrawn": ("已撤回", "withdrawn"), "conflict": ("数据冲突", "conflict"),
    # kinds
    "supplier_profile": ("企业信息变更", "company details"),
    "bank_account_add": ("新增银行账户", "new bank account"),
    "bank_account_change": ("银行账户变更", "bank account change"),
    "bank_account_retire": ("停用银行账户", "bank account retired"),
    "invoicing_profile": ("开票信息", "invoicing details"),
    "contact_add": ("新增联系人", "new contact"), "contact_change": ("联系人变更", "contact change"),
    "contact_remove": ("删除联系人", "contact removed"),
    "merge_suppliers": ("合并供应商", "merge suppliers"),
    # channels
    "portal": ("供应商门户", "portal"), "staff": ("采购录入", "staff"), "import": ("导入", "import"),
    "api": ("接口", "API"),
    # roles
    "supplier": ("供应商", "supplier"), "purchasing_clerk": ("采购专员", "purchasing clerk"),
    "purchasing_supervisor": ("采购主管", "purchasing supervisor"), "finance": ("财务", "finance"),
    "auditor": ("审计", "auditor"), "admin": ("管理员", "admin"),
    # sources a field was checked against ("registry:qichacha" -> words)
    **{
        f"{source}:{provider}": (f"{szh}（{pzh}）", f"{sen} ({pen})")
        for source, szh, sen in (
            ("registry", "工商登记", "business registry"),
            ("tax_bureau", "税务", "tax bureau"),
            ("licence", "营业执照", "licence"),
            ("ocr", "营业执照识别", "licence reading"),
        )
        for provider, pzh, pen in (
            ("demo", "演示数据源", "demo source"),
            ("qichacha", "企查查", "Qichacha"),
            ("tianyancha", "天眼查", "Tianyancha"),
            ("qixin", "启信宝", "Qixin"),
            ("vies", "欧盟 VIES", "EU VIES"),
            ("fake", "测试数据源", "test source"),
        )
    },
    # call-back outcomes
    "confirmed": ("已确认", "confirmed"), "denied": ("对方否认", "denied"),
    "unreachable": ("未接通", "unreachable"),
    # lifecycle
    "prospective": ("待准入", "prospective"), "active": ("合作中", "active"),
    "blocked": ("已冻结", "blocked"), "archived": ("已归档", "archived"),
    # entities and fields
    "bank_account": ("银行账户", "bank account"), "contact": ("联系人", "contact"),
    # documents
    "business_licence": ("营业执照", "business licence"),
    "bank_permit": ("开户许可证", "bank account permit"),
    "invoice_info": ("开票资料", "invoicing document"), "other": ("其他", "other"),
    # risk flags
    "bank_account.changed": ("收款账户变更", "bank account changed"),
    "bank_account.holder_mismatch": ("户名与登记名称不符", "holder differs from registered name"),
    "bank_account.shared": ("账号被其他供应商使用", "account used by another supplier"),
    "changes.frequent": ("短期内多次变更", "frequent changes"),
    # likely-duplicate reasons (portal.dedup)
    "duplicate.uscc": ("信用代码相同", "same credit code"),
    "duplicate.foreign_tax_id": ("境外税号相同", "same foreign tax number"),
    "duplicate.bank_account": ("银行账号相同", "same bank account"),
    "duplicate.phone": ("电话相同", "same phone"),
    "duplicate.similar_name": ("名称相近", "similar name"),
    "duplicate.legal_rep_address": ("法定代表人与住所相同", "same legal representative and address"),
    # registry and tax statuses (stored in Chinese, portal.domain.status)
    "存续": ("存续", "in business"), "在业": ("在业", "operating"), "吊销": ("吊销", "licence revoked"),
    "注销": ("注销", "deregistered"), "迁出": ("迁出", "moved out"), "撤销": ("撤销", "cancelled"),
    "停业": ("停业", "suspended"), "清算": ("清算", "in liquidation"), "未知": ("未知", "unknown"),
    "正常": ("正常", "normal"), "非正常户": ("非正常户", "abnormal taxpayer"),
    # verification outcomes
    "validated": ("核验通过", "verified"), "findings": ("有待处理的问题", "open findings"),
    "unavailable": ("数据源暂不可用，待核验", "sources unavailable; unknown"),
    "stale": ("资料已更新，待重新核验", "data changed; to be verified again"),
    # audited acts (portal.audit.acts.AUDITED_ACTS)
    "login.succeeded": ("登录", "signed in"), "login.failed": ("登录被拒绝", "sign-in refused"),
    "logout": ("退出登录", "signed out"),
    "logout.provider": ("身份提供方退出登录", "signed out by the identity provider"),
    "session.revoked": ("会话被撤销", "sessions revoked"),
    "account.disabled": ("账号停用", "account disabled"),
    "account.enabled": ("账号启用", "account enabled"),
    "data.exported": ("数据导出", "data exported"),
    "value.revealed": ("查看明文", "value revealed"),
    "call_back.number_revealed": ("查看回访号码", "call-back number revealed"),
    "document.read": ("查看文件", "document opened"),
    "document.uploaded": ("上传文件", "document uploaded"),
    "field.changed": ("字段变更", "field changed"),
    "change.submitted": ("提交变更申请", "change submitted"),
    "change.approved": ("批准变更", "change approved"),
    "change.rejected": ("驳回变更", "change rejected"),
    "change.withdrawn": ("撤回变更", "change withdrawn"),
    "change.applied": ("变更生效", "change applied"),
    "change.fields_rejected": ("驳回部分字段", "some fields rejected"),
    "change.conflicted": ("变更数据冲突", "change conflicted"),
    "change.rebased": ("变更基于最新资料继续审批", "change moved onto the latest record"),
    "duplicate.not_the_same": ("判定不是同一家", "marked not the same company"),
    "supplier.merged": ("合并供应商", "suppliers merged"),
    "supplier.data_confirmed": ("供应商确认资料", "supplier confirmed its data"),
    "invitation.created": ("发出邀请", "invitation sent"),
    "invitation.accepted": ("接受邀请", "invitation accepted"),
    "invitation.refused": ("邀请被拒绝", "invitation refused"),
    "verification.completed": ("完成核验", "verification finished"),
    "supplier.blocked": ("供应商已冻结", "supplier blocked"),
    "supplier.unblocked": ("解除冻结", "block lifted"),
    "invitation.revoked": ("撤销邀请", "invitation revoked"),
    "invitation.resent": ("重新发送邀请", "invitation sent again"),
    "api_client.created": ("创建接口令牌", "API token created"),
    "api_client.revoked": ("吊销接口令牌", "API token revoked"),
    "approval_policy.changed": ("修改审批规则", "approval policy changed"),
    "approval_policy": ("审批规则", "approval policy"),
    # payment-hold reasons
    "bank_change.pending": ("银行账户变更审批中", "bank change under review"),
    "bank_change.cooling_off": ("银行账户变更后的冷静期", "cooling-off after a bank change"),
    # lifecycle and records
    "merged_from": ("由合并而来", "merged from"), "lifecycle_state": ("合作状态", "status"),
    "invitation": ("邀请", "invitation"), "api_client": ("接口客户端", "API client"),
    # audit subjects and export kinds
    "supplier_list": ("供应商列表", "supplier list"), "audit_log": ("审计日志", "audit log"),
    "finance_suppliers": ("财务供应商导出", "finance supplier export"),
    "change_request": ("变更申请", "change request"), "user_account": ("用户账号", "user account"),
}  # fmt: skip


def _field_labels() -> dict[str, tuple[str, str]]:
    """The supplier's fields, labelled where they are declared (:mod:`portal.domain.fields`);
    for a name several entities share, the first entity's label is the one shown. English
    labels start with a capital, as a form label does ("Registered capital").

    >>> _field_labels()["registered_capital"], _field_labels()["name"][1]
    (('注册资本', 'Registered capital'), 'Name')
    """
    labels: dict[str, tuple[str, str]] = {}
    for spec in CATALOGUE:
        if spec.editable:
            labels.setdefault(spec.name, (spec.zh, spec.en[:1].upper() + spec.en[1:]))
    return labels


VALUE_LABELS.update(_field_labels())


def value_messages() -> dict[str, dict[str, str]]:
    """The labels as i18n messages under ``v:<value>``."""
    return {f"v:{value}": {"zh": zh, "en": en} for value, (zh, en) in VALUE_LABELS.items()}
