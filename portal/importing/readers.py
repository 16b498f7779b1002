"""Streaming readers for .csv and .xlsx: one row at a time, never the whole file.

CSV files come as UTF-8, UTF-8 with BOM, or GBK/GB18030 as Chinese Excel
writes them; the encoding is chosen from the first 64 KiB and the header.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from openpyxl import load_workbook

Cell = object
RowValues = list[Cell]


class UnreadableFileError(ValueError):
    """The file is not a spreadsheet we can read; permanent."""


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the sample decodes as such, else GB18030."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut at the sample's end
            return "utf-8"
    try:
        sample.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            "the file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8 or .xlsx"
        ) from exc
    return "gb18030"


def iter_csv(path: Path) -> Iterator[RowValues]:
    """Yield the rows of a CSV file (header first)."""
    with path.open("rb") as raw:
        encoding = detect_encoding(raw.read(65536))
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = handle.read(8192)
        handle.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
        except csv.Error:
            dialect = csv.excel
        try:
            yield from csv.reader(handle, dialect)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise UnreadableFileError(f"cannot read {path.name} as CSV: {exc}") from exc


def iter_xlsx(path: Path) -> Iterator[RowValues]:
    """Yield the rows of the first worksheet of an .xlsx file (header first)."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise UnreadableFileError(f"cannot open {path.name} as an .xlsx workbook: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def iter_rows(path: Path) -> Iterator[RowValues]:
    """Rows of a .csv or .xlsx file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return iter_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return iter_xlsx(path)
    raise UnreadableFileError(f"{path.name}: only .xlsx and .csv files can be imported")


def read_text_sample(path: Path) -> str:
    """The first lines of a CSV, decoded (for error messages)."""
    with path.open("rb") as raw:
        data = raw.read(4096)
    return io.TextIOWrapper(io.BytesIO(data), encoding=detect_encoding(data)).read()
