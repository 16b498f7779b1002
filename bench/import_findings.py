"""A generated supplier list with planted defects of every finding code, dry-run imported.

    python bench/import_findings.py [--good 2000] [--database URL]
    python bench/import_findings.py --good 30 --error-report out.xlsx [--png out.png]

``--error-report`` also writes the Excel error report of the planted file (the user's sheet back
with a status and a findings column, bad cells marked); ``--png`` has LibreOffice
(``soffice``, when installed) open that workbook and save its first page as a picture.

Prints, per code of ``docs/findings.md`` (the catalogue), how many rows carry a planted
defect of that code and how many rows the import reported it on, and how many rows got a
second finding beside the first. Codes only the registry, the tax bureau, VIES or OCR can
tell (the verification after an import) are listed as such with nothing planted: an import
does not call providers. Baseline: the plant list itself (what a perfect import reports).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import SQLModel

import portal.db.all_tables  # noqa: F401
from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.domain.supplier import BankAccount, Contact, Supplier
from portal.domain.uscc_factory import legacy_tax_number, make_uscc
from portal.importing.error_report import write_error_report
from portal.importing.run import import_suppliers
from portal.onboarding.registration import register_suppliers

DOCS = Path(__file__).resolve().parent.parent / "docs" / "findings.md"
#: every public code, from the generated table of docs/findings.md
CODES = re.findall(r"^\| `([a-z_.]+)` \|", DOCS.read_text(encoding="utf-8"), re.MULTILINE)

#: codes a CSV cannot carry
XLSX_ONLY = {"row.hidden": "(hidden rows exist in .xlsx only: tests/importing/test_workbooks.py)"}

COLUMNS = {
    "uscc": "统一社会信用代码",
    "name": "供应商名称",
    "legal_representative": "法定代表人",
    "legal_rep_id_number": "法定代表人身份证号",
    "address": "注册地址",
    "registry_status": "登记状态",
    "bank_name": "开户行",
    "cnaps_code": "联行号",
    "bank_account": "银行账号",
    "account_holder": "户名",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "邮箱",
}
TRADE = "华安达信恒泰瑞丰盛鑫源宏博德海天正新嘉利祥泽旭晨卓越锦鸿荣昌兴隆金银星光明辉阳春秋云峰川江"
STORED_NAME = "上海澜川智能科技有限公司"
STORED_ACCOUNT = "31050161393600000123"
STORED_PHONE = "13900001111"
STORED_REP, STORED_ADDRESS = "陈思远", "上海市浦东新区张江路877号"


def good_row(rng: random.Random, i: int) -> dict[str, str]:
    name = "".join(rng.sample(TRADE, 3)) + rng.choice(("科技", "贸易", "物流")) + "有限公司"
    name = f"{rng.choice(('北京', '杭州', '广州', '成都'))}{name}"
    return {
        "uscc": make_uscc(100_000 + i),
        "name": name,
        "legal_representative": rng.choice("王李张刘陈杨") + rng.choice(("伟", "芳", "强", "静")),
        "address": f"{rng.choice(('北京市', '杭州市'))}某区某路{i}号",
        "bank_name": "中国工商银行某分行",
        "bank_account": f"6222{rng.randrange(10**14, 10**15)}",
        "account_holder": name,
        "contact_name": "联系人",
        "contact_phone": f"13{rng.randrange(10**8, 10**9)}",
        "contact_email": f"buyer{i}@example.com",
    }


def planted(rng: random.Random, start: int) -> list[tuple[set[str], dict[str, str]]]:
    """One row per defect the import can tell (some rows with two defects)."""
    rows: list[tuple[set[str], dict[str, str]]] = []
    n = iter(range(start, start + 1000))

    def row(codes: set[str], **values: str) -> None:
        rows.append((codes, {**good_row(rng, next(n)), **values}))

    row({"bank_account.holder_mismatch"}, account_holder="深圳某某无关贸易有限公司")
    row({"bank_account.invalid"}, bank_account="6222-ABC")
    row({"bank_account.excel_number"}, bank_account="6.22848E+18")  # a CSV saved by Excel
    row({"cnaps.invalid"}, cnaps_code="10210")
    row({"duplicate.bank_account"}, bank_account=STORED_ACCOUNT)
    row({"duplicate.legal_rep_address"}, legal_representative=STORED_REP, address=STORED_ADDRESS)
    row({"duplicate.phone"}, contact_phone=STORED_PHONE)
    row({"duplicate.similar_name"}, name="上海澜川智能科技股份有限公司", account_holder="")
    row({"email.invalid"}, contact_email="buyer@")
    row({"id_number.invalid"}, legal_rep_id_number="110101199003071234")
    row({"input.rejected"}, contact_name='=HYPERLINK("http://x")')
    row({"value.invalid"}, registry_status="还行")
    row({"phone.invalid"}, contact_phone="12345")
    row({"required.missing"}, name="")
    code = make_uscc(7)
    row({"uscc.invalid_checksum"}, uscc=code[:-1] + ("0" if code[-1] != "0" else "1"))
    row({"uscc.invalid_format"}, uscc="91310115MA1H7G*X4A")
    row({"uscc.invalid_length"}, uscc="9131011")
    row({"uscc.legacy_tax_number"}, uscc=legacy_tax_number(make_uscc(8)))
    row({"uscc.unknown_region"}, uscc=make_uscc(9, region="990000"))
    # the case of issue 14: a later row repeats a credit code under a short name
    full = "上海合德贸易股份有限公司"
    first = make_uscc(10)
    row(set(), uscc=first, name=full, account_holder=full)
    row({"duplicate.uscc", "name.truncated"}, uscc=first, name="上海合德贸易", account_holder=full)
    # two defects on one row: every one must be reported
    row(
        {"phone.invalid", "duplicate.bank_account"}, contact_phone="12", bank_account=STORED_ACCOUNT
    )
    row({"email.invalid", "cnaps.invalid"}, contact_email="x@", cnaps_code="1")
    row(
        {"duplicate.uscc", "phone.invalid"},
        uscc=first,
        name=full,
        account_holder=full,
        contact_phone="99",
    )
    return rows


def _picture(workbook: Path, png: Path) -> None:
    """The workbook as LibreOffice lays it out (its first printed page), as PNG: LibreOffice
    prints it to PDF and pdfium (already used to read PDF licences) draws that page."""
    import pypdfium2

    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("--png needs LibreOffice (apt install libreoffice-calc-nogui)")
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [soffice, "--headless", "--convert-to", "pdf", "--outdir", out, str(workbook)],
            check=True,
            capture_output=True,
            timeout=180,
            env={**os.environ, "HOME": out},  # a profile of its own, not the user's
        )
        pdf = pypdfium2.PdfDocument(next(Path(out).glob("*.pdf")))
        pdf[0].render(scale=2).to_pil().save(png)
        pdf.close()
    print(f"error report as LibreOffice prints it: {png}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--good", type=int, default=2000)
    parser.add_argument("--database")
    parser.add_argument("--error-report", type=Path, help="write the Excel error report here")
    parser.add_argument("--png", type=Path, help="the error report opened in LibreOffice, as PNG")
    args = parser.parse_args()
    rng = random.Random(14)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/findings.db"
        engine = make_engine(url)
        SQLModel.metadata.create_all(engine)
        keyring = Keyring.initialise(
            SqlDataKeyStore(engine), InMemoryKeyProvider(), Algorithm.AES_256_GCM
        )
        store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
        stored = Supplier(
            uscc=make_uscc(1),
            name=STORED_NAME,
            legal_representative=STORED_REP,
            address=STORED_ADDRESS,
            bank_accounts=(
                BankAccount(
                    bank_name="招商银行", account_number=STORED_ACCOUNT, holder_name=STORED_NAME
                ),
            ),
            contacts=(Contact(name="周", phone=STORED_PHONE),),
        )
        register_suppliers(engine, store, [(0, stored, [])], now=datetime.now(UTC))
        rows: list[tuple[set[str], dict[str, str]]] = [
            (set(), good_row(rng, i)) for i in range(args.good)
        ]
        plants = planted(rng, args.good)
        for item in plants:
            rows.insert(rng.randrange(len(rows) + 1), item)
        # the short-name repeat must follow its first row
        first_at = next(
            i for i, (c, r) in enumerate(rows) if r["name"] == "上海合德贸易股份有限公司" and not c
        )
        repeats = [i for i, (c, r) in enumerate(rows) if "duplicate.uscc" in c]
        for i in repeats:
            if i < first_at:
                rows[i], rows[first_at] = rows[first_at], rows[i]
                first_at = i
        path = Path(tmp) / "planted.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(COLUMNS.values())
            for _, values in rows:
                out.writerow([values.get(k, "") for k in COLUMNS])
        report = import_suppliers(path, engine=engine, store=store, dry_run=True)
        if args.error_report:
            write_error_report(path, report, args.error_report)
            print(f"error report: {args.error_report}")
            if args.png:
                _picture(args.error_report, args.png)
    expected = {i + 2: codes for i, (codes, _) in enumerate(rows)}
    got = {r.row: {f.code for f in r.findings} for r in report.rows}
    planted_n = Counter(c for codes in expected.values() for c in codes)
    reported = Counter(c for codes in got.values() for c in codes)
    on_planted = Counter(c for row, codes in got.items() for c in codes if c in expected[row])
    print(f"{len(rows)} rows, {sum(1 for c in expected.values() if c)} with planted defects")
    print(f"{'code':34} {'planted':>7} {'reported':>8} {'on planted row':>14}")
    for code in CODES:
        if code in XLSX_ONLY:
            print(f"{code:34} {'-':>7} {'-':>8}   {XLSX_ONLY[code]}")
        elif planted_n[code] or reported[code]:
            line = f"{planted_n[code]:>7} {reported[code]:>8} {on_planted[code]:>14}"
            print(f"{code:34} {line}")
        else:
            print(f"{code:34} {'-':>7} {'-':>8}   (told by registry/tax/VIES/OCR after import)")
    second = sum(1 for codes in got.values() if len(codes) >= 2)
    planted_two = sum(1 for codes in expected.values() if len(codes) >= 2)
    both = sum(
        1 for row, codes in expected.items() if len(codes) >= 2 and codes <= got.get(row, set())
    )
    missed = {
        row: codes - got.get(row, set())
        for row, codes in expected.items()
        if codes - got.get(row, set())
    }
    print(
        f"rows with a second finding beside the first: {second} "
        f"(planted with two defects: {planted_two}, all of them reported on {both})"
    )
    print(f"rows where a planted code was not reported: {len(missed)} {missed or ''}")
    extra = {
        row: sorted(codes - expected[row]) for row, codes in got.items() if codes - expected[row]
    }
    print(f"rows with findings nobody planted (the generator's own look-alikes): {extra}")
    print(f"counts: {dict(sorted(report.counts.items()))}")


if __name__ == "__main__":
    main()
