"""``portal ocr licence FILE [--json]``: read a business licence."""

from __future__ import annotations

import argparse

from portal.bootstrap import ocr_job_settings, ocr_limits, ocr_sandbox
from portal.commands.common import SubParsers, add_db_options, services_for, settings_from


def _licence(args: argparse.Namespace) -> int:
    from ocr.cli import main as ocr_main

    settings = settings_from(args)
    argv = ["licence", args.file, *(["--json"] if args.json else [])]
    status: int = ocr_main(argv, limits=ocr_limits(settings), sandbox=ocr_sandbox(settings))
    return status


def _work(args: argparse.Namespace) -> int:
    """A separate OCR worker process: claim and read queued licence jobs until stopped."""
    import time

    from portal.audit.log import AuditLog
    from portal.ocr_jobs import (
        OcrWorkerDeps,
        default_reader,
        run_next,
    )

    with services_for(args) as services:
        reader = default_reader(ocr_limits(services.settings), ocr_sandbox(services.settings))
        deps = OcrWorkerDeps(
            services.engine,
            services.documents,
            AuditLog(services.sealer),
            reader,
            ocr_job_settings(services.settings),
        )
        reader.start()  # sandboxed children load the models now, not on the first job
        print(f"OCR worker {deps.worker_id} waiting for jobs", flush=True)
        while True:
            job = run_next(deps)
            if job is not None:
                print(f"read licence job {job}", flush=True)
            elif args.once:
                return 0
            else:
                time.sleep(args.poll)


def register(sub: SubParsers) -> None:
    """Add the ``ocr`` group."""
    ocr = sub.add_parser("ocr", help="read documents")
    osub = ocr.add_subparsers(dest="ocr_command", required=True)
    lic = osub.add_parser("licence", help="read a business licence (营业执照) image or PDF")
    lic.add_argument("file")
    lic.add_argument("--json", action="store_true")
    lic.set_defaults(handler=_licence)
    work = osub.add_parser("work", help="run an OCR worker for queued licence uploads")
    work.add_argument("--poll", type=float, default=2.0, help="seconds between empty polls")
    work.add_argument("--once", action="store_true", help="read what is queued, then exit")
    add_db_options(work)
    work.set_defaults(handler=_work)
