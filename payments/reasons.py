"""What each hold reason means and what clears it, Chinese first, then English.

These words travel with the verdict to every channel (the page, the API, the CLI and
the result sheet), so they live with the rule rather than in the web layer's labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from payments.check import HoldReason, Verdict

__all__ = ["REASONS", "VERDICTS", "ReasonText"]


@dataclass(frozen=True)
class ReasonText:
    zh: str
    en: str
    clears_zh: str
    clears_en: str


REASONS: dict[HoldReason, ReasonText] = {
    HoldReason.PENDING: ReasonText(
        "银行账户变更正在审批中",
        "a bank-account change is under review",
        "变更审批完成（通过或驳回）后自动解除",
        "clears when the change is approved or rejected",
    ),
    HoldReason.PROPOSED: ReasonText(
        "账户随导入或注册登记，尚未完成归属验证和审批",
        "the account came with an import or registration and is not yet proven and approved",
        "对公账户核验一致或小额打款验证，并经两名采购主管在付款页面审批",
        "an account-verification match or small-amount verification, and two purchasing "
        "supervisors approving it on the payments page",
    ),
    HoldReason.COOLING_OFF: ReasonText(
        "新账户处于冷静期",
        "the new account is cooling off",
        "冷静期结束后自动解除；如供应商报告未申请此变更，立即冻结",
        "clears when cooling-off ends; if the supplier did not ask for the change, stop it",
    ),
    HoldReason.UNVERIFIED: ReasonText(
        "账户归属未验证",
        "ownership of the account is not proven",
        "对公账户核验一致，或供应商完成小额打款验证",
        "an account-verification match, or the supplier completing small-amount verification",
    ),
    HoldReason.RETIRED: ReasonText(
        "该账户已停用",
        "the account was retired",
        "改付供应商当前生效的账户",
        "pay the supplier's active account instead",
    ),
    HoldReason.OTHER_SUPPLIER: ReasonText(
        "该账户属于其他供应商",
        "the account belongs to another supplier",
        "核对收款方与账号，按正确的收款方付款",
        "check the payee and account; pay the right payee",
    ),
    HoldReason.NOT_ON_FILE: ReasonText(
        "该账户不在供应商档案中",
        "the account is not on the supplier's record",
        "供应商提交银行账户变更，经验证、审批和冷静期后生效",
        "the supplier proposes it; it becomes payable once proven, approved and cooled off",
    ),
    HoldReason.UNVERSIONED: ReasonText(
        "账户在档案中，但从未经过验证和审批",
        "the account is on file but was never proven and approved",
        "管理员确认档案中的账户（portal payments adopt-accounts），或供应商重新提交变更",
        "an administrator adopts the accounts on file (portal payments adopt-accounts), "
        "or the supplier proposes the account again",
    ),
    HoldReason.SUPPLIER_BLOCKED: ReasonText(
        "供应商已被冻结或归档",
        "the supplier is blocked or archived",
        "供应商恢复为正常合作状态",
        "the supplier is made active again",
    ),
    HoldReason.REGISTRY_INACTIVE: ReasonText(
        "工商登记状态显示已不能经营",
        "the company registry shows the company cannot trade",
        "重新核验显示登记状态为存续/在业",
        "a new verification shows the company active at the registry",
    ),
    HoldReason.TAX_ABNORMAL: ReasonText(
        "税务状态为非正常户",
        "the tax bureau lists the company as abnormal",
        "重新核验显示税务状态正常",
        "a new verification shows the tax status normal",
    ),
    HoldReason.LEGAL_REP_CHANGED: ReasonText(
        "工商登记的法定代表人与档案不一致",
        "the registry names another legal representative than our record",
        "供应商确认新的登记信息并经审批，重新核验一致后自动解除",
        "clears once the supplier confirms the new facts, the change is approved and a new "
        "verification agrees",
    ),
    HoldReason.INVOICE_MISMATCH: ReasonText(
        "发票上的销售方税号与档案不一致",
        "an invoice names another seller tax number than our record",
        "核实发票；发票被退回或更正后自动解除",
        "check the invoice; clears when it is rejected or corrected",
    ),
}

VERDICTS: dict[Verdict, tuple[str, str]] = {
    Verdict.PASS: ("通过", "pass"),
    Verdict.HOLD: ("暂停付款", "hold"),
    Verdict.UNKNOWN_PAYEE: ("未知收款方", "unknown payee"),
}
