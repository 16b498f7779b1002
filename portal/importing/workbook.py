"""What a workbook holds besides its cells: its sheets, and the rows and columns it hides.

openpyxl's streaming (read-only) mode, the one that keeps a 100,000-row list out of
memory, neither says which rows or columns are hidden nor which sheets are empty without
reading them. :func:`sheet_names` and :func:`first_filled_sheet` look at the sheets;
:func:`hidden_rows_and_columns` reads the ``hidden`` attributes of the sheet's XML
(``<row r="7" hidden="1">``, ``<col min="3" max="4" hidden="1">``) with a streaming
parser, so it costs one pass over the sheet and no more memory than a row.

What the import does with them is documented in ``docs/import.md``: hidden rows are not
imported and are listed with ``row.hidden`` (a list filtered in Excel hides the rows the
user left out), hidden columns are not read and are named on the dry-run page.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import iterparse

from openpyxl import load_workbook

__all__ = [
    "HiddenCells",
    "first_filled_sheet",
    "hidden_rows_and_columns",
    "is_workbook",
    "sheet_names",
]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SCAN_ROWS = 50  # rows looked at to tell an empty sheet from a filled one
#: _SAFE: ElementTree never fetches external entities, and expat >= 2.4 (CPython 3.11
#: ships 2.5) refuses billion-laughs expansion; the zip's declared sizes and ratios are
#: checked (:func:`portal.importing.readers.check_zip`) before any part is parsed.


@dataclass(frozen=True)
class HiddenCells:
    """Hidden rows (numbers as Excel shows them, from 1) and columns (indexes from 0)."""

    rows: frozenset[int] = frozenset()
    columns: frozenset[int] = frozenset()


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def sheet_names(path: Path) -> list[str]:
    """The worksheets' names in workbook order (an empty list for a CSV)."""
    if not is_workbook(path):
        return []
    book = load_workbook(path, read_only=True)
    try:
        return [sheet.title for sheet in book.worksheets]
    finally:
        book.close()


def first_filled_sheet(path: Path) -> str | None:
    """The first worksheet with a value in its first rows (None for a CSV or no such sheet)."""
    if not is_workbook(path):
        return None
    book = load_workbook(path, read_only=True)
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows(max_row=_SCAN_ROWS, values_only=True):
                if any(v not in (None, "") for v in row):
                    return str(sheet.title)
        return None
    finally:
        book.close()


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The zip entry of the worksheet called ``name`` (workbook.xml -> its relationships)."""
    rel_id = None
    with archive.open("xl/workbook.xml") as handle:
        for _, element in iterparse(handle):  # noqa: S314 (see _SAFE)
            if element.tag == f"{_MAIN}sheet" and element.get("name") == name:
                rel_id = element.get(f"{_REL}id")
                break
    if rel_id is None:
        return None
    with archive.open("xl/_rels/workbook.xml.rels") as handle:
        for _, element in iterparse(handle):  # noqa: S314 (see _SAFE)
            if element.tag == f"{_PKG_REL}Relationship" and element.get("Id") == rel_id:
                target = element.get("Target", "")
                if target.startswith("/"):
                    return target.lstrip("/")
                return posixpath.normpath(posixpath.join("xl", target))
    return None


def _flag(value: str | None) -> bool:
    return value in ("1", "true")


def hidden_rows_and_columns(path: Path, sheet: str) -> HiddenCells:
    """The rows and columns hidden on ``sheet`` (nothing for a CSV or an unknown sheet)."""
    if not is_workbook(path):
        return HiddenCells()
    rows: set[int] = set()
    columns: set[int] = set()
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, sheet)
        if part is None or part not in archive.namelist():
            return HiddenCells()
        with archive.open(part) as handle:
            for _, element in iterparse(handle):  # noqa: S314 (see _SAFE)
                if element.tag == f"{_MAIN}row":
                    if _flag(element.get("hidden")) and element.get("r"):
                        rows.add(int(element.get("r", "0")))
                    element.clear()  # keep one row in memory
                elif element.tag == f"{_MAIN}col" and _flag(element.get("hidden")):
                    first, last = int(element.get("min", "1")), int(element.get("max", "1"))
                    columns.update(range(first - 1, min(last, first + 16384)))
    return HiddenCells(frozenset(rows), frozenset(columns))
