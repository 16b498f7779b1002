"""``portal ocr licence FILE [--json]``: read a business licence."""

from __future__ import annotations

import argparse

from portal.commands.common import SubParsers


def _licence(args: argparse.Namespace) -> int:
    from ocr.cli import main as ocr_main

    status: int = ocr_main(["licence", args.file, *(["--json"] if args.json else [])])
    return status


def register(sub: SubParsers) -> None:
    """Add the ``ocr`` group."""
    ocr = sub.add_parser("ocr", help="read documents")
    osub = ocr.add_subparsers(dest="ocr_command", required=True)
    lic = osub.add_parser("licence", help="read a business licence (营业执照) image or PDF")
    lic.add_argument("file")
    lic.add_argument("--json", action="store_true")
    lic.set_defaults(handler=_licence)
