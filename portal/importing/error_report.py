"""The Excel error report: the user's own sheet back, with what the import found.

Two columns are added after the user's last one, 状态 status and 问题 findings (Chinese
and English), and every cell a finding names is highlighted (red for an error, amber
for a warning), so the list is fixed in place and imported again. An ``.xlsx`` keeps its
formatting and other sheets; a ``.csv`` becomes the first sheet of a new workbook, with
columns as wide as their text (a CSV has no widths). The header stays in view while
scrolling, a filter on it shows only the rows not imported, and the sheet prints one
page wide in landscape, the new columns included.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from portal.domain.findings import Finding, Severity
from portal.importing.headers import canonical_header
from portal.importing.readers import iter_csv
from portal.importing.run import ImportReport

__all__ = ["STATUS_WORDS", "error_report_bytes", "write_error_report"]

#: status -> (中文, English), as the report column shows it.
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "created": ("已导入", "created"),
    "would_create": ("可导入", "can be imported"),
    "rejected": ("未导入", "not imported"),
    "exists": ("已存在", "already on file"),
    "unchanged": ("已存在，无变化", "on file, unchanged"),
    "change_requested": ("已提交变更申请", "change request opened"),
    "hidden": ("隐藏行，未导入", "hidden row, not imported"),
}
_ERROR = PatternFill("solid", fgColor="FFC7CE")
_WARNING = PatternFill("solid", fgColor="FFEB9C")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _sheet(source: Path, name: str | None = None) -> tuple[Workbook, Worksheet]:
    if source.suffix.lower() == ".csv":
        book = Workbook()
        sheet = book.active
        assert sheet is not None  # a new workbook has one sheet
        for row in iter_csv(source):
            sheet.append(list(row))
        return book, sheet
    book = load_workbook(source)
    return book, (book[name] if name in book.sheetnames else book.worksheets[0])


def _columns(sheet: Worksheet, report: ImportReport) -> dict[str, int]:
    """Import key -> column number (1-based), as the import read them."""
    if report.column_index:
        return {key: index + 1 for key, index in report.column_index.items()}
    found: dict[str, int] = {}
    for number, cell in enumerate(sheet[report.header_rows[-1]], start=1):
        key = canonical_header(cell.value)
        if key and key not in found:
            found[key] = number
    return found


def _width(value: object) -> float:
    """How wide a value shows: a Chinese character takes two columns of a Latin one."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _fit_columns(sheet: Worksheet, last: int) -> None:
    """Columns as wide as their text (at most 40), for a sheet that came without widths."""
    for number in range(1, last + 1):
        letter = get_column_letter(number)
        longest = max((_width(c.value) for c in sheet[letter][:200]), default=0)
        sheet.column_dimensions[letter].width = min(max(longest + 2, 8), 40)


def _easy_to_work_in(sheet: Worksheet, header: int, last_column: int) -> None:
    """Header frozen, a filter on it (unless the user's sheet has its own), one page wide."""
    if sheet.freeze_panes is None:
        sheet.freeze_panes = f"A{header + 1}"
    if not sheet.auto_filter.ref:
        sheet.auto_filter.ref = f"A{header}:{get_column_letter(last_column)}{sheet.max_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    fit = sheet.sheet_properties.pageSetUpPr or PageSetupProperties()
    fit.fitToPage = True
    sheet.sheet_properties.pageSetUpPr = fit
    sheet.print_title_rows = f"{header}:{header}"


def _text(findings: list[Finding]) -> str:
    return "\n".join(f"{f.message_zh}\n{f.message_en}" for f in findings)


def write_error_report(source: Path, report: ImportReport, out: io.BytesIO | Path) -> None:
    """Write ``source`` with the findings of ``report`` (see the module docstring)."""
    book, sheet = _sheet(source, report.sheet)
    columns = _columns(sheet, report)
    status_col, findings_col = sheet.max_column + 1, sheet.max_column + 2
    header = report.header_rows[-1]
    if source.suffix.lower() == ".csv":
        _fit_columns(sheet, status_col - 1)
        for cell in sheet[header]:
            cell.font = Font(bold=True)
    for col, title in ((status_col, "状态 status"), (findings_col, "问题 findings")):
        cell = sheet.cell(row=header, column=col, value=title)
        cell.font = Font(bold=True)
    sheet.column_dimensions[get_column_letter(status_col)].width = 24
    sheet.column_dimensions[get_column_letter(findings_col)].width = 60
    reported = {r.row: r for r in report.rows}
    clean = " ".join(STATUS_WORDS["would_create" if report.dry_run else "created"])
    for number in range(header + 1, sheet.max_row + 1):
        if number in report.skipped_rows or not any(
            c.value not in (None, "") for c in sheet[number][: status_col - 1]
        ):
            continue
        row = reported.get(number)
        if row is None:
            sheet.cell(row=number, column=status_col, value=clean)
            continue
        zh, en = STATUS_WORDS.get(row.status, (row.status, row.status))
        sheet.cell(row=number, column=status_col, value=f"{zh} {en}")
        sheet.cell(row=number, column=findings_col, value=_text(row.findings)).alignment = _WRAP
        for f in row.findings:
            where = columns.get(f.field_name or "")
            if where is None:
                continue
            target = sheet.cell(row=number, column=where)
            serious = f.severity is Severity.ERROR or target.fill == _ERROR
            target.fill = _ERROR if serious else _WARNING
            target.comment = Comment(_text([f]), "portal")
    _easy_to_work_in(sheet, header, findings_col)
    book.save(out)


def error_report_bytes(source: Path, report: ImportReport) -> bytes:
    """The error report as ``.xlsx`` bytes (what the web import offers for download)."""
    out = io.BytesIO()
    write_error_report(source, report, out)
    return out.getvalue()
