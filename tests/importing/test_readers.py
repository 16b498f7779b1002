"""Real spreadsheets are read whole and right; hostile ones are refused before they cost memory."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from portal.importing.readers import (
    ReadLimits,
    UnreadableFileError,
    detect_file_encoding,
    iter_rows,
)

HEADER = ["供应商名称", "统一社会信用代码", "联系电话"]


def gbk_csv_split_at_64k(path: Path) -> int:
    """A GBK list whose byte 65,536 falls inside a two-byte character; returns its data rows."""
    for pad in range(4):
        lines = [",".join(HEADER), "备注" + "x" * pad + ",,"]
        n = 0
        while sum(len(line.encode("gbk")) + 1 for line in lines) < 65536 + 4000:
            lines.append(f"上海合德贸易股份有限公司{n},91310000MA1FL4XX{n % 10}X,13800138000")
            n += 1
        data = ("\n".join(lines) + "\n").encode("gbk")
        try:
            data[:65536].decode("gbk")
        except UnicodeDecodeError:
            path.write_bytes(data)
            return n + 1
    raise AssertionError("could not place a character across the 64 KiB boundary")


def test_a_large_gbk_list_cut_inside_a_character_at_64_kib_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    n = gbk_csv_split_at_64k(path)
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes()[:65536].decode("gb18030")  # the old sample really was cut
    rows = list(iter_rows(path))
    assert len(rows) == n + 1
    assert rows[-1][0] == f"上海合德贸易股份有限公司{n - 2}"


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gb18030", b""), ("utf-16-le", b"\xff\xfe")],
)
def test_each_encoding_chinese_excel_writes_is_read(
    tmp_path: Path, encoding: str, bom: bytes
) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(bom + "名称,电话\n甲公司,+86 138 0013 8000\n".encode(encoding))
    assert list(iter_rows(path)) == [["名称", "电话"], ["甲公司", "+86 138 0013 8000"]]


def test_text_in_no_known_encoding_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"name\n\xff\xfe\xfd\x80\x80\x80\n" * 3)
    with pytest.raises(UnreadableFileError, match="CSV UTF-8"):
        detect_file_encoding(path)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_more_rows_than_allowed_are_refused_naming_the_limit(tmp_path: Path) -> None:
    limits = ReadLimits(max_rows=100)
    ok = write_csv(tmp_path / "ok.csv", [HEADER] + [["甲", "x", "1"]] * 100)
    assert len(list(iter_rows(ok, limits))) == 101
    big = write_csv(tmp_path / "big.csv", [HEADER] + [["甲", "x", "1"]] * 101)
    with pytest.raises(UnreadableFileError, match="more than 100 rows"):
        list(iter_rows(big, limits))


def test_too_many_columns_or_a_huge_cell_is_refused(tmp_path: Path) -> None:
    limits = ReadLimits(max_columns=5, max_cell_chars=50)
    wide = write_csv(tmp_path / "wide.csv", [HEADER, ["x"] * 6])
    with pytest.raises(UnreadableFileError, match="more than 5 columns"):
        list(iter_rows(wide, limits))
    huge = write_csv(tmp_path / "huge.csv", [HEADER, ["甲" * 51, "x", "1"]])
    with pytest.raises(UnreadableFileError, match="more than 50 characters"):
        list(iter_rows(huge, limits))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["甲" * 51, "x", "1"])
    book.save(tmp_path / "huge.xlsx")
    with pytest.raises(UnreadableFileError, match="more than 50 characters"):
        list(iter_rows(tmp_path / "huge.xlsx", limits))


def zip_bomb_xlsx(path: Path, sheet_bytes: int) -> Path:
    """A real workbook whose first sheet is padded with whitespace to ``sheet_bytes``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * sheet_bytes, 1)
            dst.writestr(item, data)
    return path


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    bomb = zip_bomb_xlsx(tmp_path / "bomb.xlsx", 3 << 20)
    assert bomb.stat().st_size < 64 * 1024
    with pytest.raises(UnreadableFileError, match="compressed"):
        list(iter_rows(bomb))
    with pytest.raises(UnreadableFileError, match="unpacks to"):
        list(iter_rows(bomb, ReadLimits(max_uncompressed_bytes=1 << 20)))


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnreadableFileError, match=r"cannot open fake\.xlsx"):
        list(iter_rows(fake))
