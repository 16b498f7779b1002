"""The payment-file check: :func:`check_payment_file`, one use case for the page, the API
and the CLI.

It reads the file, finds each line's payee (by credit code, else by exact registered
name), finds every version of the line's account by blind index, and asks the rule
(:func:`payments.judge`) for the verdict. One read transaction holds the lookups and the
``payment_check.run`` audit entry (who, which file by its SHA-256, how many lines of each
verdict); nothing of the file's content is written to the log.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from approvals import Status
from payments import (
    REASONS,
    VERDICTS,
    AccountVersion,
    LineVerdict,
    Payee,
    Verdict,
    judge,
)
from payments.check import HoldReason, LineReason, payee_reasons
from portal.audit.log import AuditContext
from portal.db.approval_tables import ChangeRequestRow
from portal.db.hold_tables import HoldFindingRow
from portal.db.sealing import Sealer
from portal.db.supplier_store import BANK, SUPPLIER
from portal.db.tables import InvoiceRow, table_of
from portal.db.verification_tables import FieldStateRow
from portal.domain.principal import Principal, Role
from portal.domain.status import RegistryStatus, TaxStatus
from portal.payments.deps import PaymentDeps, PaymentForbiddenError
from portal.payments.hold_findings import open_invoice_findings
from portal.payments.sheets import PaymentLine, PaymentSheet, read_payment_file, result_sheet

__all__ = [
    "CHECKERS",
    "CheckResult",
    "CheckedLine",
    "check_payment_file",
    "explain",
    "supplier_hold_reasons",
]

#: what the registry, the tax bureau or an invoice says about the supplier itself
REGISTRY_AND_INVOICE = frozenset(
    {
        HoldReason.REGISTRY_INACTIVE,
        HoldReason.TAX_ABNORMAL,
        HoldReason.LEGAL_REP_CHANGED,
        HoldReason.INVOICE_MISMATCH,
    }
)

REQUEST = table_of(ChangeRequestRow)
INVOICE = table_of(InvoiceRow)
FIELD_STATE = table_of(FieldStateRow)
HOLD = table_of(HoldFindingRow)
_OPEN = (Status.PENDING.value, Status.PARTIALLY_APPROVED.value, Status.APPROVED.value)
_CHUNK = 500
_SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Who may check a payment file: the people and systems that pay. Deny by default.
CHECKERS = frozenset({Role.FINANCE, Role.ADMIN})


@dataclass(frozen=True)
class CheckedLine:
    line: PaymentLine
    result: LineVerdict
    attestation: str = ""  # on passing lines, when the deployment signs (docs/payments.md)


@dataclass(frozen=True)
class CheckResult:
    id: str
    filename: str
    sheet: PaymentSheet
    lines: tuple[CheckedLine, ...]
    checked_at: datetime

    def count(self, verdict: Verdict) -> int:
        return sum(1 for c in self.lines if c.result.verdict is verdict)

    @property
    def counts(self) -> dict[str, int]:
        return {v.value: self.count(v) for v in Verdict}

    def sheet_bytes(self, file_format: str | None = None) -> tuple[bytes, str]:
        """The checked sheet with its verdict columns (CSV or XLSX)."""
        extra = ([*explain(c.result), c.attestation] for c in self.lines)
        return result_sheet(self.sheet, extra, file_format)


def explain(result: LineVerdict) -> list[str]:
    """The verdict columns of one line: verdict, reasons, what clears them, version (the
    attestation is the sheet's last column)."""
    zh, en = VERDICTS[result.verdict]
    reasons, clears = [], []
    for reason in result.reasons:
        text = REASONS[reason.code]
        extra = f"（{reason.detail}）" if reason.detail else ""
        when = ""
        if reason.until is not None:
            when = f"，至 {reason.until.astimezone(_SHANGHAI):%Y-%m-%d %H:%M}"
        elif reason.since is not None:
            when = f"，自 {reason.since.astimezone(_SHANGHAI):%Y-%m-%d %H:%M}"
        reasons.append(f"{text.zh}{extra}{when} / {text.en}")
        clears.append(f"{text.clears_zh} / {text.clears_en}")
    if result.verdict is Verdict.UNKNOWN_PAYEE:
        reasons.append("收款方不是已登记的供应商 / the payee is not a supplier on record")
        clears.append("核对收款方名称与信用代码 / check the payee's name and credit code")
    version = result.version.id if result.version is not None and result.version.id else ""
    return [f"{zh} / {en}", "；".join(reasons), "；".join(clears), version]


def check_payment_file(
    deps: PaymentDeps, ctx: AuditContext, viewer: Principal, filename: str, content: bytes
) -> CheckResult:
    """Check every line of a payment file; audited. Raises on an unreadable file."""
    if viewer.role not in CHECKERS:
        raise PaymentForbiddenError("check payment files", "核对付款文件")
    sheet = read_payment_file(filename, content)
    now = deps.clock()
    check_id = str(uuid.uuid4())
    with deps.engine.begin() as conn:
        checked = _attested(deps, judge_lines(deps, conn, sheet.lines, now), now)
        result = CheckResult(check_id, filename, sheet, tuple(checked), now)
        deps.audit.record(
            conn,
            ctx,
            "payment_check.run",
            subject_type="payment_check",
            subject_id=check_id,
            field_name=sheet.layout,
            after=json.dumps(
                {
                    "file_sha256": hashlib.sha256(content).hexdigest(),
                    "lines": len(checked),
                    **result.counts,
                    "held": _held_by_reason(checked),
                },
                sort_keys=True,
            ),
            now=now,
        )
    return result


def _attested(deps: PaymentDeps, checked: list[CheckedLine], now: datetime) -> list[CheckedLine]:
    """Each passing line with its attestation, when the deployment signs."""
    if deps.attestation is None or not any(c.result.verdict is Verdict.PASS for c in checked):
        return checked
    signer = deps.attestation.signer(now)
    # lines paying the same account of the same version share one statement, so they share
    # its signature: a payment run pays most suppliers several times (SM2 signs in ~2.5 ms)
    signed: dict[tuple[str, str, str], str] = {}
    out = []
    for c in checked:
        payee, version = c.result.payee, c.result.version
        if c.result.verdict is Verdict.PASS and payee is not None and version is not None:
            key = (payee.supplier_id, version.id, c.line.account)
            if key not in signed:
                signed[key] = signer.attest(payee, version, c.line.account)
            c = replace(c, attestation=signed[key])
        out.append(c)
    return out


def _held_by_reason(checked: Iterable[CheckedLine]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in checked:
        for reason in c.result.reasons:
            counts[reason.code.value] = counts.get(reason.code.value, 0) + 1
    return dict(sorted(counts.items()))


def judge_lines(
    deps: PaymentDeps, conn: Connection, lines: Iterable[PaymentLine], now: datetime
) -> list[CheckedLine]:
    """The verdict on each line (reads only; the caller owns the transaction)."""
    lines = list(lines)
    payees = _payees(conn, lines)
    index = {ln.account: _index(deps.sealer, ln.account) for ln in lines}
    versions = deps.versions.by_index(conn, set(index.values()) - {""})
    _add_unversioned(conn, versions, set(index.values()) - {""})
    owners = {v.supplier_id for vs in versions.values() for v in vs}
    names = _names(conn, owners - {p.supplier_id for p in payees.values() if p})
    names |= {p.supplier_id: p.name for p in payees.values() if p}
    out = []
    for line in lines:
        payee = payees.get(_payee_key(line))
        found = versions.get(index[line.account], [])
        out.append(CheckedLine(line, judge(payee, found, now, names=names)))
    return out


def _index(sealer: Sealer, account: str) -> str:
    """The account's blind index; a line without an account finds nothing ("")."""
    return (sealer.index("bank_account", account) or "") if account else ""


def _payee_key(line: PaymentLine) -> str:
    return f"c:{line.credit_code}" if line.credit_code else f"n:{line.payee}"


def _payees(conn: Connection, lines: list[PaymentLine]) -> dict[str, Payee | None]:
    codes = sorted({ln.credit_code for ln in lines if ln.credit_code})
    names = sorted({ln.payee for ln in lines if not ln.credit_code and ln.payee})
    cols = (
        SUPPLIER.c.id, SUPPLIER.c.name, SUPPLIER.c.uscc, SUPPLIER.c.lifecycle_state,
        SUPPLIER.c.registry_status, SUPPLIER.c.tax_status,
    )  # fmt: skip
    rows: list[Any] = []
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        rows += conn.execute(select(*cols).where(SUPPLIER.c.uscc.in_(chunk))).all()
    by_name: dict[str, list[Any]] = {}
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        for row in conn.execute(select(*cols).where(SUPPLIER.c.name.in_(chunk))):
            by_name.setdefault(row.name, []).append(row)
    unique_names = {n: rs[0] for n, rs in by_name.items() if len(rs) == 1}
    ids = {r.id for r in rows} | {r.id for r in unique_names.values()}
    open_since = _open_bank_changes(conn, ids)
    rep_changed = _legal_rep_changed(conn, ids)
    invoices = _mismatched_invoices(conn, ids)
    since = _findings_since(conn, ids)
    flagged = open_invoice_findings(conn, ids)

    def payee(row: Any) -> Payee:
        registry = RegistryStatus.from_text(row.registry_status)
        return Payee(
            supplier_id=row.id,
            name=row.name,
            uscc=row.uscc,
            blocked=row.lifecycle_state in ("blocked", "archived"),
            registry_inactive=registry.is_inactive,
            registry_status=registry.value,
            tax_abnormal=TaxStatus.from_text(row.tax_status) is TaxStatus.ABNORMAL,
            registry_inactive_since=since.get((row.id, "registry.inactive")),
            tax_abnormal_since=since.get((row.id, "tax.abnormal")),
            invoices_since=since.get((row.id, "invoice.seller_mismatch")),
            bank_change_since=open_since.get(row.id),
            # a mismatch holds even when the source gave no time (then the finding's)
            legal_rep_changed=row.id in rep_changed,
            legal_rep_changed_since=rep_changed.get(row.id)
            or since.get((row.id, "registry.legal_rep_changed")),
            mismatched_invoices=tuple(
                dict.fromkeys(
                    [number for number, code in invoices.get(row.id, []) if code != row.uscc]
                    + flagged.get(row.id, [])  # e.g. a seller account not on record
                )
            ),
        )

    found: dict[str, Payee | None] = {f"c:{r.uscc}": payee(r) for r in rows}
    found |= {f"n:{n}": payee(r) for n, r in unique_names.items()}
    return found


def supplier_hold_reasons(conn: Connection, supplier_id: str) -> list[LineReason]:
    """Why the payment check holds every payment to the supplier because of what the
    registry, the tax bureau or an invoice says (the check's own rule, so the supplier's
    dashboard and the payment file never disagree). A supplier known only by a name
    another supplier shares is not judged here (the check could not tell them apart)."""
    row = conn.execute(
        select(SUPPLIER.c.name, SUPPLIER.c.uscc).where(SUPPLIER.c.id == supplier_id)
    ).first()
    if row is None:
        return []
    line = PaymentLine(0, row.name, row.uscc or "", "", "", None, ())
    payee = _payees(conn, [line]).get(_payee_key(line))
    if payee is None or payee.supplier_id != supplier_id:
        return []
    return [r for r in payee_reasons(payee) if r.code in REGISTRY_AND_INVOICE]


def _open_bank_changes(conn: Connection, supplier_ids: set[str]) -> dict[str, datetime]:
    since: dict[str, datetime] = {}
    ids = sorted(supplier_ids)
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(REQUEST.c.supplier_id, func.min(REQUEST.c.requested_at))
            .where(
                REQUEST.c.supplier_id.in_(ids[start : start + _CHUNK]),
                REQUEST.c.touches_bank.is_(True),
                REQUEST.c.status.in_(_OPEN),
            )
            .group_by(REQUEST.c.supplier_id)
        )
        since |= {sid: at for sid, at in conn.execute(query)}
    return since


def _legal_rep_changed(conn: Connection, supplier_ids: set[str]) -> dict[str, datetime | None]:
    """Suppliers whose latest verification found another legal representative at the
    registry (``field_state`` mismatch); gone once a verification agrees again."""
    ids = sorted(supplier_ids)
    found: dict[str, datetime | None] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(FIELD_STATE.c.supplier_id, FIELD_STATE.c.checked_at).where(
            FIELD_STATE.c.supplier_id.in_(ids[start : start + _CHUNK]),
            FIELD_STATE.c.field_path == "legal_representative",
            FIELD_STATE.c.state == "mismatch",
        )
        found |= {sid: at for sid, at in conn.execute(query)}
    return found


def _mismatched_invoices(conn: Connection, supplier_ids: set[str]) -> dict[str, list[Any]]:
    """(number, seller tax number) of each open invoice matched to these suppliers; the
    caller keeps those whose seller code is not the supplier's."""
    ids = sorted(supplier_ids)
    found: dict[str, list[Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(
            INVOICE.c.supplier_id, INVOICE.c.invoice_number, INVOICE.c.seller_tax_number
        ).where(INVOICE.c.supplier_id.in_(ids[start : start + _CHUNK]),
                INVOICE.c.status != "rejected")  # fmt: skip
        for sid, number, code in conn.execute(query):
            found.setdefault(sid, []).append((number, code))
    return found


def _findings_since(conn: Connection, supplier_ids: set[str]) -> dict[tuple[str, str], datetime]:
    """(supplier, code) -> when the oldest open hold finding of that code was opened (a
    registry event seen by monitoring, a mismatched invoice): the hold's "since"."""
    ids = sorted(supplier_ids)
    found: dict[tuple[str, str], datetime] = {}
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(HOLD.c.supplier_id, HOLD.c.code, func.min(HOLD.c.opened_at))
            .where(HOLD.c.supplier_id.in_(ids[start : start + _CHUNK]), HOLD.c.status == "open")
            .group_by(HOLD.c.supplier_id, HOLD.c.code)
        )
        found |= {(sid, code): at for sid, code, at in conn.execute(query)}
    return found


def _names(conn: Connection, supplier_ids: set[str]) -> dict[str, str]:
    ids = sorted(supplier_ids)
    names: dict[str, str] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(SUPPLIER.c.id, SUPPLIER.c.name).where(
            SUPPLIER.c.id.in_(ids[start : start + _CHUNK])
        )
        names |= {sid: name for sid, name in conn.execute(query)}
    return names


def _add_unversioned(
    conn: Connection, versions: dict[str, list[AccountVersion]], wanted: set[str]
) -> None:
    """Accounts on file that no version covers (added by an import or the seed after
    versions existed) appear as version number 0: never approved and proven."""
    indexes = sorted(wanted)
    covered = {v.bank_account_id for vs in versions.values() for v in vs}
    for start in range(0, len(indexes), _CHUNK):
        query = select(BANK).where(BANK.c.account_number_bidx.in_(indexes[start : start + _CHUNK]))
        for row in conn.execute(query):
            if row.id in covered:
                continue
            versions.setdefault(row.account_number_bidx, []).append(
                AccountVersion.propose(
                    "",
                    row.supplier_id,
                    row.id,
                    0,
                    row.account_number_bidx,
                    row.bank_name,
                    row.holder_name,
                    row.created_at,
                )
            )
