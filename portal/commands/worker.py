"""``portal worker``: one process for all background work, for containers and service units.

It runs, until SIGTERM or SIGINT:

- the OCR job worker (licence uploads queued by the web instances);
- the outbox sender, every ``--outbox-seconds`` (when e-mail or a webhook is configured);
- the monitoring pass, every ``--verify-minutes`` (when verification is configured).

Every loop claims its rows with a conditional UPDATE and a lease, so several
workers (and web instances that still run some loops themselves) can run at
once; each job, message and supplier is handled by one of them. Web instances
behind it are started with ``PORTAL_OCR_WORKER=0``,
``PORTAL_OUTBOX_INTERVAL_SECONDS=0`` and ``PORTAL_VERIFY_IN_PROCESS_MINUTES=0``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal

from portal.bootstrap import Services
from portal.commands.common import SubParsers, add_db_options, services_for

log = logging.getLogger(__name__)


async def _outbox_loop(services: Services, seconds: float) -> None:
    from portal.services.outbox import OutboxWorker
    from portal.services.outbox_senders import configured_senders

    senders = configured_senders(os.environ)
    if not senders:
        print("outbox: no channel configured (PORTAL_SMTP_HOST, PORTAL_WEBHOOK_URL)", flush=True)
        return
    worker = OutboxWorker(services.engine, senders)
    print(f"outbox: sending through {', '.join(sorted(senders))} every {seconds:g} s", flush=True)
    while True:
        try:
            report = await asyncio.to_thread(worker.run_once)
            if report.sent or report.gave_up:
                print(f"outbox: sent {report.sent}, gave up {report.gave_up}", flush=True)
        except Exception:  # keep the loop alive: the database may be back next time
            log.exception("outbox pass failed")
        await asyncio.sleep(seconds)


async def run_worker(services: Services, *, outbox_seconds: float, verify_minutes: float) -> None:
    """Run every loop until a stop signal arrives; stop them cleanly."""
    from ocr.inputs import InputLimits
    from portal.services.audit_log import AuditLog
    from portal.services.monitoring import PeriodicVerification
    from portal.services.ocr_jobs import (
        OcrJobSettings,
        OcrWorker,
        OcrWorkerDeps,
        default_reader,
        load_engines,
    )
    from portal.services.verification_wiring import wiring_for

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    limits = InputLimits(max_upload_bytes=services.settings.web.max_upload_bytes)
    deps = OcrWorkerDeps(
        services.engine,
        services.documents,
        AuditLog(services.sealer),
        default_reader(limits),
        OcrJobSettings.from_env(os.environ),
    )
    ocr = OcrWorker(deps, warm_up=load_engines)
    ocr.start()
    print(f"ocr: worker {deps.worker_id} waiting for jobs", flush=True)
    outbox = loop.create_task(_outbox_loop(services, outbox_seconds)) if outbox_seconds else None

    wiring = wiring_for(services)
    async with contextlib.AsyncExitStack() as stack:
        periodic = None
        if wiring.configured and verify_minutes > 0:
            ports = await stack.enter_async_context(wiring.ports())
            periodic = PeriodicVerification(services, wiring, verify_minutes, ports=lambda: ports)
            periodic.start()
            print(f"monitoring: a pass every {verify_minutes:g} min", flush=True)
        else:
            print("monitoring: verification not configured; not running passes", flush=True)
        print("worker ready", flush=True)
        await stop.wait()
        print("worker stopping", flush=True)
        if periodic is not None:
            await periodic.stop()
    if outbox is not None:
        outbox.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await outbox
    await ocr.stop()


def _worker(args: argparse.Namespace) -> int:
    with services_for(args, migrate=False) as services:
        asyncio.run(
            run_worker(
                services, outbox_seconds=args.outbox_seconds, verify_minutes=args.verify_minutes
            )
        )
    return 0


def register(sub: SubParsers) -> None:
    """Add ``worker``."""
    parser = sub.add_parser("worker", help="run OCR jobs, the outbox and monitoring until stopped")
    parser.add_argument(
        "--outbox-seconds", type=float, default=30, help="seconds between sends (0: off)"
    )
    parser.add_argument(
        "--verify-minutes", type=float, default=60, help="minutes between monitoring passes"
    )
    add_db_options(parser)
    parser.set_defaults(handler=_worker)
