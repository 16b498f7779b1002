"""``portal ocr licence FILE [--json]``: read a business licence from the command line.

The file is read in a sandboxed worker process (:mod:`ocr.sandbox`: time and memory
limits from ``OCR_TIMEOUT_SECONDS`` and ``OCR_MEMORY_MB``); its cold start, the
models loading, is reported on stderr. Exit status: 0 read, 2 bad input or a limit
exceeded (the message says why), 3 engine unavailable.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import TextIO

from ocr.errors import EngineUnavailableError, OcrInputError
from ocr.inputs import InputLimits
from ocr.model import LicenceReading
from ocr.sandbox import SandboxSettings

_LABELS = {
    "name": "名称", "uscc": "统一社会信用代码", "entity_type": "类型",
    "legal_representative": "法定代表人", "registered_capital": "注册资本",
    "established_on": "成立日期", "term_from": "营业期限自", "term_to": "营业期限至",
    "address": "住所", "business_scope": "经营范围", "registration_authority": "登记机关",
    "issued_on": "发照日期",
}  # fmt: skip


def _table(reading: LicenceReading, out: TextIO) -> None:
    data = reading.as_dict()
    print(f"layout: {data['layout']}", file=out)
    for key, field in data["fields"].items():
        value = field["value"]
        if isinstance(value, dict):
            value = f"{value['amount']} {value['currency']}"
        if key == "term_to" and value is None and field["status"] == "read":
            value = "长期"
        shown = "" if value is None else str(value)
        print(f"{key:<24}{_LABELS[key]:<10}{field['status']:<11}{field['confidence']:.2f}  {shown}",
              file=out)  # fmt: skip
    if data["qr_payload"]:
        print(f"qr: {data['qr_payload']}", file=out)
    if data["qr_agrees"] is False:
        print(f"finding: the QR code names another credit code, {data['qr_uscc']}; "
              "check the licence", file=out)  # fmt: skip
    for warning in data["warnings"]:
        print(f"warning: {warning}", file=out)


def main(
    argv: list[str],
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    limits: InputLimits | None = None,
    sandbox: SandboxSettings | None = None,
) -> int:
    """Run ``licence FILE [--json]`` within ``limits`` and the ``sandbox``'s time and memory
    limits (the caller's settings); return the exit status."""
    stdout, stderr = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(prog="portal ocr", description="Read a business licence.")
    sub = parser.add_subparsers(dest="command", required=True)
    lic = sub.add_parser("licence", help="read a licence photo, scan or PDF")
    lic.add_argument("file", type=Path)
    lic.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    from ocr.filetype import detect
    from ocr.sandbox import LicenceReaderPool

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=stderr)
        return 2
    settings = dataclasses.replace(sandbox or SandboxSettings(), workers=1)
    pool = LicenceReaderPool(settings, limits or InputLimits())
    try:
        detect(data)  # a disguised file is refused before a worker is started for it
        pool.start()
        for worker in pool.workers():
            print(f"(cold start: the OCR worker loaded its models in {worker.warm_seconds:.1f} s; "
                  "the portal's workers stay warm)", file=stderr)  # fmt: skip
        reading = pool(data, filename=args.file.name)
    except OcrInputError as exc:
        print(f"error: {args.file}: {exc}", file=stderr)
        return 2
    except EngineUnavailableError as exc:
        print(f"error: OCR is unavailable, try again later: {exc}", file=stderr)
        return 3
    finally:
        pool.close()
    if args.json:
        json.dump(reading.as_dict(), stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    else:
        _table(reading, stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
