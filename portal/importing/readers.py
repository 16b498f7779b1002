"""Streaming readers for .csv and .xlsx: one row at a time, never the whole file, within limits.

CSV files come as UTF-8, UTF-8 with BOM, UTF-16 with BOM, or GBK/GB18030 as Chinese Excel
writes them. The encoding is decided over the *whole* file with incremental decoders, which
never split a multi-byte character at a chunk boundary (a 64 KiB sample used to cut a GBK
character in half about every other large file).

Hostile files are refused before they cost memory: an ``.xlsx`` is a zip, so its entries'
declared sizes and compression ratios are checked before openpyxl opens it (a few megabytes
can unpack to gigabytes); rows, columns and characters per cell are counted while streaming.
Every refusal is an :class:`UnreadableFileError` whose message says which limit and what to do.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

Cell = object
RowValues = list[Cell]
CHUNK = 1 << 16


class UnreadableFileError(ValueError):
    """The file is not a spreadsheet we can read, or exceeds a limit; permanent."""


@dataclass(frozen=True)
class ReadLimits:
    """What one imported file may hold (the same for the CLI and the web import)."""

    max_rows: int = 200_000
    max_columns: int = 200
    max_cell_chars: int = 10_000
    max_uncompressed_bytes: int = 512 * 1024 * 1024
    max_compression_ratio: int = 200


DEFAULT_LIMITS = ReadLimits()


def _decodes(path: Path, encoding: str, skip: int = 0) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as raw:
        raw.seek(skip)
        try:
            while chunk := raw.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_file_encoding(path: Path) -> str:
    """The encoding of a text file, judged over all of it.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d) / "x.csv"
    ...     _ = p.write_bytes(("名称\\n" + "供应商" * 40000).encode("gbk"))
    ...     detect_file_encoding(p)
    'gb18030'
    """
    with path.open("rb") as raw:
        head = raw.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(path, "utf-8"):
        return "utf-8"
    if _decodes(path, "gb18030"):
        return "gb18030"
    raise UnreadableFileError(
        f"{path.name} is neither UTF-8 nor GBK/GB18030 text (nor UTF-16 with a byte-order "
        "mark); save it as CSV UTF-8 or .xlsx"
    )


def detect_encoding(sample: bytes) -> str:
    """The encoding of an in-memory sample (the whole sample is judged)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableFileError(
        "the file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8 or .xlsx"
    )


def _bounded(rows: Iterable[Sequence[Cell]], name: str, limits: ReadLimits) -> Iterator[RowValues]:
    for count, cells in enumerate(rows, start=1):
        row: RowValues = list(cells)
        if count > limits.max_rows + 1:  # the header does not count
            raise UnreadableFileError(
                f"{name} has more than {limits.max_rows:,} rows; split it into smaller files"
            )
        while row and (row[-1] is None or row[-1] == ""):
            row = row[:-1]
        if len(row) > limits.max_columns:
            raise UnreadableFileError(
                f"{name}, row {count}: more than {limits.max_columns} columns; "
                "remove the unused columns"
            )
        for cell in row:
            if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
                raise UnreadableFileError(
                    f"{name}, row {count}: a cell holds more than {limits.max_cell_chars:,} "
                    "characters; no supplier field is that long"
                )
        yield row


def iter_csv(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[RowValues]:
    """Yield the rows of a CSV file (header first)."""
    encoding = detect_file_encoding(path)
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = handle.read(8192)
        handle.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
        except csv.Error:
            dialect = csv.excel
        previous = csv.field_size_limit(limits.max_cell_chars + 1)
        try:
            yield from _bounded(csv.reader(handle, dialect), path.name, limits)
        except (UnicodeDecodeError, csv.Error) as exc:
            if "field larger than field limit" in str(exc):
                raise UnreadableFileError(
                    f"{path.name}: a cell holds more than {limits.max_cell_chars:,} characters; "
                    "no supplier field is that long"
                ) from exc
            raise UnreadableFileError(f"cannot read {path.name} as CSV: {exc}") from exc
        finally:
            csv.field_size_limit(previous)


def check_zip(path: Path, limits: ReadLimits) -> None:
    """Refuse an .xlsx whose entries would unpack beyond the limits (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFileError(f"cannot open {path.name} as an .xlsx workbook: {exc}") from exc
    total = sum(e.file_size for e in entries)
    if total > limits.max_uncompressed_bytes:
        raise UnreadableFileError(
            f"{path.name} unpacks to {total / 2**20:,.0f} MiB, more than the "
            f"{limits.max_uncompressed_bytes / 2**20:,.0f} MiB allowed; split it into smaller files"
        )
    for entry in entries:
        ratio = entry.file_size // max(entry.compress_size, 1)
        if entry.file_size > 1 << 20 and ratio > limits.max_compression_ratio:
            raise UnreadableFileError(
                f"{path.name}: {entry.filename} is compressed {ratio:,} to 1, "
                "which no real supplier list is; the file is refused"
            )


def iter_xlsx(
    path: Path, limits: ReadLimits = DEFAULT_LIMITS, sheet: str | None = None
) -> Iterator[RowValues]:
    """Yield the rows of worksheet ``sheet`` (default: the first) of an .xlsx file."""
    check_zip(path, limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise UnreadableFileError(f"cannot open {path.name} as an .xlsx workbook: {exc}") from exc
    try:
        if sheet is None:
            chosen = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            chosen = workbook[sheet]
        else:
            raise UnreadableFileError(
                f"{path.name} has no sheet called {sheet!r}; it has "
                + ", ".join(repr(name) for name in workbook.sheetnames)
            )
        yield from _bounded(chosen.iter_rows(values_only=True), path.name, limits)
    finally:
        workbook.close()


def iter_rows(
    path: Path, limits: ReadLimits = DEFAULT_LIMITS, sheet: str | None = None
) -> Iterator[RowValues]:
    """Rows of a .csv or .xlsx file (of its worksheet ``sheet``, default the first)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return iter_csv(path, limits)
    if suffix in (".xlsx", ".xlsm"):
        return iter_xlsx(path, limits, sheet)
    raise UnreadableFileError(f"{path.name}: only .xlsx and .csv files can be imported")


def read_text_sample(path: Path) -> str:
    """The first lines of a CSV, decoded (for error messages)."""
    encoding = detect_file_encoding(path)
    with path.open("rb") as raw:
        data = raw.read(4096)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return io.StringIO(decoder.decode(data)).read()


def estimate_rows(path: Path, sheet: str | None = None) -> int | None:
    """About how many data rows a file holds (for a progress bar; never for a decision):
    the line count of a CSV, the sheet's declared size of an .xlsx, None if unknown."""
    try:
        if path.suffix.lower() == ".csv":
            with path.open("rb") as handle:
                lines = sum(piece.count(b"\n") for piece in iter(lambda: handle.read(1 << 20), b""))
            return max(lines - 1, 0)
        workbook = load_workbook(path, read_only=True)
        try:
            chosen = workbook[sheet] if sheet else workbook.worksheets[0]
            rows = chosen.max_row
        finally:
            workbook.close()
        return max(rows - 1, 0) if rows else None
    except Exception:  # a hint only: the import itself says what is wrong with the file
        return None
