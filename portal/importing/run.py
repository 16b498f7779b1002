"""``portal import suppliers FILE``: stream, validate, de-duplicate, store, report.

Rows are read one at a time and handled in batches; each batch goes through
the same registration service as every other write. The report lists, per
row, what happened and every finding with its code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from portal.db.supplier_store import SupplierStore
from portal.dedup import screen_batch
from portal.domain import fields, names, tax_number, text, uscc
from portal.domain.errors import DomainValidationError
from portal.domain.findings import Finding, Severity, finding, register
from portal.domain.supplier import Supplier
from portal.domain.supplier_input import parse_supplier_draft
from portal.finance.export import EXPORT_ONLY_TITLES
from portal.importing.changes import ProposeChanges, unchanged_rows
from portal.importing.collector import fewer_collections
from portal.importing.first_rows import FirstRows
from portal.importing.headers import canonical_header
from portal.importing.readers import (
    DEFAULT_LIMITS,
    RowValues,
    UnreadableFileError,
    check_zip,
    iter_rows,
)
from portal.importing.workbook import (
    HiddenCells,
    first_filled_sheet,
    hidden_rows_and_columns,
    is_workbook,
)
from portal.onboarding.registration import (
    OnCreated,
    Outcome,
    OutcomeStatus,
    register_suppliers,
)
from portal.resolution import KEY_CAP, PostingCache

BATCH_SIZE = 5000


@dataclass
class RowReport:
    """What happened to one data row (row numbers as the spreadsheet shows them)."""

    row: int
    status: str
    uscc: str | None
    supplier_id: str | None
    findings: list[Finding]
    change_request_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "change_request_id": self.change_request_id,
            "row": self.row,
            "status": self.status,
            "uscc": self.uscc,
            "supplier_id": self.supplier_id,
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass
class ImportReport:
    """Totals and the rows worth a look."""

    file: str
    dry_run: bool
    sha256: str | None = None
    sheet: str | None = None  # the worksheet read (None for a CSV)
    header_rows: list[int] = field(default_factory=lambda: [1])
    columns: dict[str, str] = field(default_factory=dict)
    column_index: dict[str, int] = field(default_factory=dict)  # import key -> column (from 0)
    ignored_columns: list[str] = field(default_factory=list)
    hidden_columns: list[str] = field(default_factory=list)  # not read: hidden in the workbook
    skipped_rows: list[int] = field(default_factory=list)  # a second (English) header row
    counts: dict[str, int] = field(default_factory=dict)
    rows: list[RowReport] = field(default_factory=list)

    def add(self, report: RowReport) -> None:
        """Count a row; keep it in the listing when it has findings or was not created."""
        self.counts[report.status] = self.counts.get(report.status, 0) + 1
        self.counts["rows"] = self.counts.get("rows", 0) + 1
        if report.findings or report.status not in ("created", "would_create", "unchanged"):
            self.rows.append(report)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "file": self.file,
            "sha256": self.sha256,
            "dry_run": self.dry_run,
            "sheet": self.sheet,
            "header_rows": self.header_rows,
            "columns": self.columns,
            "column_index": self.column_index,
            "ignored_columns": self.ignored_columns,
            "hidden_columns": self.hidden_columns,
            "skipped_rows": self.skipped_rows,
            "counts": self.counts,
            "rows": [r.as_dict() for r in self.rows],
        }


#: Rows looked at for the header (a title or a merged group-label row may come first).
HEADER_SCAN = 10
#: Excel keeps 15 significant digits of a number: a longer account typed as a number lost
#: its last digits (6.22848E+18), and nothing in the file says what they were.
EXCEL_DIGITS = 15
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
#: Columns whose values are digit strings that Excel turns into numbers.
ACCOUNT_KEYS = ("bank_account", "invoice_account")

register(
    "bank_account.excel_number",
    Severity.ERROR,
    "Excel stored the account number as a number and lost its last digits ({detail}); "
    "format the column as Text, type the account again and import the file again",
    "银行账号被 Excel 当作数字保存，末尾数位已丢失（{detail}）；请把该列设置为“文本”格式，"
    "重新填写账号后再导入",
)
register(
    "row.hidden",
    Severity.WARNING,
    "The row is hidden in the workbook and was not imported{detail}; unhide it to import it",
    "该行在工作簿中被隐藏，未导入{detail}；如需导入请取消隐藏",
)


def _cell(value: object) -> object:
    if value is None or isinstance(value, (date, datetime)):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def excel_damage(key: str, value: object) -> Finding | None:
    """``bank_account.excel_number`` for an account Excel rounded: a number cell of more
    than 15 digits, or the scientific notation (``6.22848E+18``) a CSV saved from Excel
    holds; None for an account that is intact."""
    if key not in ACCOUNT_KEYS or value in (None, "") or isinstance(value, bool):
        return None
    shown: str | None = None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            shown = f"{value:.6G}"
        elif abs(value) >= 10**EXCEL_DIGITS:
            shown = f"{value:.6G}".replace("E+", "E+")
    elif isinstance(value, str) and _SCIENTIFIC.match(value.strip()):
        shown = value.strip()
    if shown is None:
        return None
    return finding(
        "bank_account.excel_number",
        key,
        detail=f"the file holds {shown}",
        detail_zh=f"文件中为 {shown}",
        source="import",
        evidence={"shown": shown},
    )


@dataclass(frozen=True)
class _Header:
    """Where the header is and which column holds which field."""

    rows: list[int]  # the header's row numbers (two when a merged header spans two rows)
    mapping: dict[int, str]  # column index -> import key


def _mapped(values: Sequence[object]) -> dict[int, str]:
    found: dict[int, str] = {}
    for i, title in enumerate(values):
        key = canonical_header(title)
        if key and key not in found.values():
            found[i] = key
    return found


def _names_a_supplier(keys: Iterable[str]) -> bool:
    """A name column and a number column: the credit code, or a foreign supplier's tax
    number (a list of foreign suppliers may have no credit-code column at all)."""
    present = set(keys)
    return "name" in present and bool({"uscc", "foreign_tax_id"} & present)


def _find_header(head: list[RowValues]) -> _Header | None:
    """The first row naming a credit-code and a name column, joined with the row below it
    when that one names further columns (a header merged over two rows: 银行信息 above
    开户行 | 银行账号)."""
    for at, values in enumerate(head):
        mapping = _mapped(values)
        if not _names_a_supplier(mapping.values()):
            continue
        rows = [at + 1]
        if at + 1 < len(head):
            below = _mapped(head[at + 1])
            extra = {i: k for i, k in below.items() if k not in mapping.values()}
            if extra and not any(i in mapping for i in extra):
                mapping |= extra
                rows.append(at + 2)
        return _Header(rows, dict(sorted(mapping.items())))
    return None


def _records(
    path: Path, report: ImportReport, sheet: str | None = None
) -> Iterator[tuple[int, dict[str, object], list[Finding]]]:
    if is_workbook(path):
        check_zip(path, DEFAULT_LIMITS)  # a zip bomb is refused before any part is opened
    if sheet is None and is_workbook(path):
        sheet = first_filled_sheet(path)
    report.sheet = sheet
    hidden = hidden_rows_and_columns(path, sheet) if sheet else HiddenCells()
    rows = iter_rows(path, sheet=sheet)
    head = list(islice(rows, HEADER_SCAN))
    if not head:
        raise UnreadableFileError(f"{path.name} is empty")
    header = _find_header(head)
    if header is None:
        first = next((r for r in head if any(v not in (None, "") for v in r)), head[0])
        raise UnreadableFileError(
            f"{path.name} needs a credit-code column (统一社会信用代码) and a name column "
            f"(供应商名称); found {', '.join(str(h) for h in first if h)}"
        )
    report.header_rows = header.rows
    titles = head[header.rows[-1] - 1]
    mapping: dict[int, str] = {}
    for i, key in header.mapping.items():
        title = next(
            (
                str(head[r - 1][i])
                for r in reversed(header.rows)
                if i < len(head[r - 1]) and head[r - 1][i] not in (None, "")
            ),
            key,
        )
        if i in hidden.columns:
            report.hidden_columns.append(title)
            continue
        mapping[i] = key
        report.columns[title] = key
        report.column_index[key] = i
    report.ignored_columns += [  # (the export's payment-hold and version columns are no input)
        str(t)
        for i, t in enumerate(titles)
        if t not in (None, "")
        and i not in header.mapping
        and str(t).strip() not in EXPORT_ONLY_TITLES
    ]
    if not _names_a_supplier(mapping.values()):
        raise UnreadableFileError(
            f"{path.name}: the credit-code or the name column is hidden; unhide it "
            "(hidden columns are not imported)"
        )
    start = header.rows[-1] + 1
    data = chain(head[header.rows[-1] :], rows)
    for number, values in enumerate(data, start=start):
        if not any(v not in (None, "") for v in values):
            continue
        if number == start and _english_headers(values, mapping):
            report.skipped_rows.append(number)  # the template's second header row
            continue
        picked = {key: values[i] for i, key in mapping.items() if i < len(values)}
        if number in hidden.rows:
            shown = picked.get("uscc")
            report.add(
                RowReport(
                    number,
                    "hidden",
                    str(shown) if shown not in (None, "") else None,
                    None,
                    [finding("row.hidden", None, source="import")],
                )
            )
            continue
        damage = [f for key, v in picked.items() if (f := excel_damage(key, v)) is not None]
        raw = {
            key: (None if any(f.field_name == key for f in damage) else _cell(v))
            for key, v in picked.items()
        }
        yield number, raw, damage


def _english_headers(values: Sequence[object], mapping: dict[int, str]) -> bool:
    """Whether a row names the mapped columns again (in English, as the template does)."""
    named = [
        (values[i], key)
        for i, key in mapping.items()
        if i < len(values) and values[i] not in (None, "")
    ]
    return len(named) >= 2 and all(
        str(value).strip().casefold() == fields.by_import_key(key).en.casefold()
        or canonical_header(value) == key
        for value, key in named
    )


def import_suppliers(
    path: Path,
    *,
    engine: Engine,
    store: SupplierStore,
    dry_run: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    batch_size: int = BATCH_SIZE,
    propose_changes: ProposeChanges | None = None,
    on_created: OnCreated | None = None,
    on_progress: Callable[[int], None] | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Import a supplier list; never stops at a bad row.

    With ``propose_changes``, a row for a supplier already on file whose bank accounts,
    contacts or invoicing details differ becomes a change request (channel import).
    ``on_progress`` hears the rows done after each batch; ``on_created`` runs in the
    transaction storing each batch (the audit entry naming
    the suppliers created); channels call :func:`portal.importing.audited.import_supplier_list`.
    """
    report = ImportReport(file=path.name, dry_run=dry_run)
    parsed: list[_Parsed] = []
    pending: list[tuple[int, Supplier, list[Finding]]] = []
    rejected: list[_Rejected] = []
    cache = PostingCache(cap=KEY_CAP)

    def sort(first_rows: FirstRows) -> None:
        """Each parsed row of the batch to ``pending`` or ``rejected``, a repeat of an
        earlier row's credit code said (earlier batches asked in one query)."""
        seen = first_rows.earlier({p.identity for p in parsed if p.identity})
        firsts: list[tuple[str, int, str | None]] = []
        for p in parsed:
            findings = p.findings
            if p.identity:
                name = p.draft.name if p.draft else None
                if p.identity not in seen:
                    firsts.append((p.identity, p.row, name))
                findings += _repeated(seen, p.identity, p.row, name, findings)
            if p.draft is None or any(f.severity is Severity.ERROR for f in findings):
                if any(f.code == "uscc.legacy_tax_number" for f in findings) and p.shown:
                    findings += _legacy_owner(engine, store, p.shown)
                rejected.append(_Rejected(p.row, p.credit_code, p.shown, p.draft, findings))
            else:
                pending.append((p.row, p.draft, findings))
        first_rows.remember(firsts)
        parsed.clear()

    def flush() -> None:
        outcomes = register_suppliers(
            engine,
            store,
            pending,
            now=clock(),
            dry_run=dry_run,
            cache=cache,
            on_created=on_created,
        )
        quiet = _unchanged(engine, store, pending, outcomes, propose_changes, dry_run)
        for (row, supplier, _), outcome in zip(pending, outcomes, strict=True):
            rep = _row_report(row, supplier.identifier, outcome)
            if outcome.status is OutcomeStatus.EXISTS and outcome.supplier_id:
                rep = _existing(
                    rep, outcome.supplier_id, supplier, propose_changes, dry_run, row in quiet
                )
            report.add(rep)
        pending.clear()
        for rep in _screen_rejected(engine, store, rejected, cache):
            report.add(rep)
        rejected.clear()
        if on_progress is not None:
            on_progress(report.counts.get("rows", 0))

    with fewer_collections(), FirstRows() as first_rows:
        for row, raw, damage in _records(path, report, sheet):
            draft, findings = parse_supplier_draft(raw)
            if damage:  # the account was blanked above: say why instead of "missing"
                damaged = {f.field_name for f in damage}
                findings = [
                    *damage,
                    *(f for f in findings if f.field_name not in damaged),
                ]
            credit_code = draft.uscc if draft is not None else _credit_code(raw)
            identity = credit_code or _foreign_key(draft)
            shown = credit_code or (str(raw.get("uscc") or "") or None)
            parsed.append(_Parsed(row, draft, findings, credit_code, shown, identity))
            if len(parsed) >= batch_size:
                sort(first_rows)
                flush()
        if parsed:
            sort(first_rows)
            flush()
    report.rows.sort(key=lambda r: r.row)
    return report


@dataclass
class _Parsed:
    """A row parsed and validated, waiting for its batch to be told apart from earlier
    rows with the same credit code."""

    row: int
    draft: Supplier | None
    findings: list[Finding]
    credit_code: str | None  # a valid credit code, when the row has one
    shown: str | None  # what the row holds in the credit-code column
    identity: str | None  # the credit code, or a foreign supplier's tax id key


@dataclass
class _Rejected:
    """A row with an error finding, kept until its batch is screened for duplicates."""

    row: int
    credit_code: str | None  # a valid credit code, when the row has one
    shown: str | None  # what the row holds in the credit-code column
    draft: Supplier | None
    findings: list[Finding]


def _credit_code(raw: Mapping[str, object]) -> str | None:
    """The row's credit code when it is a valid one (the rest of the row may not be)."""
    value = raw.get("uscc")
    if value in (None, ""):
        return None
    try:
        return uscc.validate(text.strip_invisible(str(value)))
    except DomainValidationError:
        return None


def _foreign_key(draft: Supplier | None) -> str | None:
    """A foreign supplier's identity (``eu_vat:DE…``), what its rows repeat."""
    return draft.foreign_tax_id.key if draft and draft.foreign_tax_id else None


def _repeated(
    seen: dict[str, tuple[int, str | None]],
    credit_code: str,
    row: int,
    name: str | None,
    already: list[Finding],
) -> list[Finding]:
    """``duplicate.uscc`` (``duplicate.foreign_tax_id``) for a row repeating an earlier row's
    credit code (foreign tax id), and ``name.truncated`` when its name is a short form of
    that row's name."""
    first, first_name = seen.setdefault(credit_code, (row, name))
    if first == row:
        return []
    kind = "foreign_tax_id" if ":" in credit_code else "uscc"
    number = credit_code.rpartition(":")[2]
    found = [
        finding(
            f"duplicate.{kind}",
            kind,
            detail=f"{number} is also on row {first}",
            detail_zh=f"{number} 与第 {first} 行相同",
            source="import",
            evidence={"row": str(first)},
        )
    ]
    said = any(f.code == "name.truncated" for f in already)
    if name and first_name and not said and names.is_short_form(name, first_name):
        found.append(
            finding(
                "name.truncated",
                "name",
                detail=f"{first_name} (row {first})",
                detail_zh=f"{first_name}（第 {first} 行）",
                source="import",
                evidence={"row": str(first), "registered": first_name},
            )
        )
    return found


def _screen_rejected(
    engine: Engine, store: SupplierStore, rows: list[_Rejected], cache: PostingCache
) -> list[RowReport]:
    """Rejected rows, screened against the stored suppliers like the accepted ones, so
    each carries its duplicates beside its other findings."""
    if not rows:
        return []
    with engine.connect() as conn:
        existing = store.existing_usccs(conn, {r.credit_code for r in rows if r.credit_code})
        names = store.names_of(conn, existing.values())
        drafts = [r for r in rows if r.draft is not None and r.credit_code not in existing]
        screened = screen_batch(
            conn,
            store.sealer,
            [r.draft for r in drafts if r.draft],
            within_batch=False,
            cache=cache,
        )
    for r, found in zip(drafts, screened, strict=True):
        r.findings.extend(found)
    reports = []
    for r in rows:
        known = existing.get(r.credit_code or "", "")
        if known:
            r.findings.append(
                finding(
                    "duplicate.uscc",
                    "uscc",
                    detail=f"{r.credit_code} is supplier 「{names.get(known, '')}」 on file",
                    detail_zh=f"{r.credit_code} 已是供应商「{names.get(known, '')}」",
                    evidence={"existing_id": known},
                )
            )
        reports.append(RowReport(r.row, OutcomeStatus.REJECTED.value, r.shown, None, r.findings))
    return reports


def _legacy_owner(engine: Engine, store: SupplierStore, legacy: str) -> list[Finding]:
    """A legacy tax number of a supplier we already have: point at it."""
    org_code = tax_number.organisation_code(legacy)
    with engine.connect() as conn:
        owners = store.owners_by_org_code(conn, [org_code])
        owner = store.get(conn, owners[org_code]) if org_code in owners else None
    if owner is None:
        return []
    return [
        finding(
            "duplicate.uscc",
            "uscc",
            detail=f"legacy number {tax_number.compact(legacy)} carries organisation code "
            f"{org_code} of supplier 「{owner.name}」 ({owner.uscc})",
            detail_zh=f"旧税号 {tax_number.compact(legacy)} 的组织机构代码 {org_code} "
            f"属于供应商「{owner.name}」（{owner.uscc}）",
            source="dedup",
            evidence={"existing_id": owners[org_code], "matched": "legacy_tax_number"},
        )
    ]


def _unchanged(
    engine: Engine,
    store: SupplierStore,
    pending: Sequence[tuple[int, Supplier, list[Finding]]],
    outcomes: Sequence[Outcome],
    propose_changes: ProposeChanges | None,
    dry_run: bool,
) -> set[int]:
    """Rows of suppliers on file that repeat what is stored (a re-imported file), told
    apart for the whole batch at once; the proposer sees only the others."""
    if propose_changes is None or dry_run:
        return set()
    known = [
        (row, outcome.supplier_id, supplier)
        for (row, supplier, _), outcome in zip(pending, outcomes, strict=True)
        if outcome.status is OutcomeStatus.EXISTS and outcome.supplier_id
    ]
    if not known:
        return set()
    with engine.connect() as conn:
        verdicts = unchanged_rows(conn, store.sealer, [(sid, s) for _, sid, s in known])
    return {row for (row, _, _), same in zip(known, verdicts, strict=True) if same}


def _existing(
    rep: RowReport,
    supplier_id: str,
    row: Supplier,
    propose_changes: ProposeChanges | None,
    dry_run: bool,
    unchanged: bool = False,
) -> RowReport:
    """A row of a supplier on file: unchanged (``unchanged``: known to be, not compared
    again), or its differences proposed for approval."""
    if propose_changes is None or dry_run:
        return rep
    change_id = None if unchanged else propose_changes(supplier_id, row)
    if change_id is None:
        rep.status = "unchanged"
        rep.findings = [f for f in rep.findings if f.code != "duplicate.uscc"]
        return rep
    rep.status = "change_requested"
    rep.change_request_id = change_id
    rep.findings = [f for f in rep.findings if f.code != "duplicate.uscc"]
    return rep


def _row_report(row: int, uscc: str, outcome: Outcome) -> RowReport:
    return RowReport(row, outcome.status.value, uscc, outcome.supplier_id, outcome.findings)


def write_report(report: ImportReport, path: Path) -> None:
    """Write the report as JSON (UTF-8, Chinese kept readable)."""
    path.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
