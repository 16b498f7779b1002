"""``portal worker``: one process for all background work, for containers and service units.

It runs, until SIGTERM or SIGINT:

- the OCR job worker (licence uploads queued by the web instances);
- the import job worker (lists uploaded on ``/staff/import``: check, import, first
  verification of the new suppliers, through the provider quota);
- the outbox sender, every ``--outbox-seconds`` (when e-mail or a webhook is configured);
- the monitoring pass, every ``--verify-minutes`` (when verification is configured);
- the pull of people and roles from Keycloak, every ``PORTAL_DIRECTORY_SYNC_MINUTES``
  (when ``PORTAL_KEYCLOAK_*`` is set);
- reminders and escalation of waiting requests, licence expiry reminders, every 10 minutes
  (``PORTAL_REMIND_AFTER_HOURS``, ``PORTAL_ESCALATE_AFTER_HOURS``, ``PORTAL_ESCALATE_TO``);
- ownership checks of new bank accounts whose service answer was unknown (provider down),
  asked again when due, every ``PORTAL_OWNERSHIP_RETRY_PASS_MINUTES`` (when a service is
  configured: ``PORTAL_JUMDATA_APP_ID``/``_SECRET``, or the demo);
- with ``--metrics-port``, ``GET /metrics`` (provider calls by provider and outcome, the
  process) for Prometheus to scrape;
- the deletion of Idempotency-Key answers past their retention (24 h), every hour;
- a signed checkpoint of the audit chain's head, every ``PORTAL_AUDIT_CHECKPOINT_MINUTES``
  (when ``PORTAL_AUDIT_CHECKPOINT_FILE`` and ``PORTAL_AUDIT_SIGNING_KEY_FILE`` are set).

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
import signal
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from payments.ports import OwnershipVerifier
from portal.bootstrap import Collaborators, build_collaborators, build_payment_deps
from portal.commands.common import (
    SubParsers,
    add_db_options,
    configure_process_logging,
    services_for,
    settings_from,
)
from portal.core import Services

if TYPE_CHECKING:
    from portal.importing.worker import ImportWorker

log = logging.getLogger(__name__)


async def _outbox_loop(collaborators: Collaborators, seconds: float) -> None:
    from portal.notifications.outbox import OutboxWorker

    senders = dict(collaborators.senders)
    if not senders:
        log.info("outbox: no channel configured (PORTAL_SMTP_HOST, PORTAL_WEBHOOK_URL)")
        return
    worker = OutboxWorker(collaborators.services.engine, senders)
    log.info("outbox: sending through %s every %g s", ", ".join(sorted(senders)), seconds)
    while True:
        try:
            report = await asyncio.to_thread(worker.run_once)
            if report.sent or report.gave_up:
                log.info("outbox: sent %s, gave up %s", report.sent, report.gave_up)
        except Exception:  # keep the loop alive: the database may be back next time
            log.exception("outbox pass failed")
        await asyncio.sleep(seconds)


async def _reminder_loop(services: Services, minutes: float = 10.0) -> None:
    """Remind approvers, escalate, tell suppliers of expiring licences (every ``minutes``)."""
    from portal.notifications.reminders import ReminderSettings, run_reminders

    settings = ReminderSettings.from_config(services.settings)
    log.info(
        "reminders: after %s, escalation %s",
        settings.remind_after,
        ", then ".join(f"to {role.value} after {after}" for role, after in settings.escalation()),
    )
    while True:
        try:
            report = await asyncio.to_thread(run_reminders, services.engine, settings)
            if report.sent:
                log.info("reminders: sent %s", len(report.sent))
        except Exception:  # keep the loop alive: the database may be back next time
            log.exception("reminder pass failed")
        await asyncio.sleep(minutes * 60)


async def _housekeeping_loop(services: Services, minutes: float = 60.0) -> None:
    """Delete Idempotency-Key answers past their retention (every ``minutes``)."""
    from portal.identity.idempotency import purge_expired_keys

    while True:
        try:
            now = datetime.now(UTC)
            purged = await asyncio.to_thread(purge_expired_keys, services.engine, now=now)
            if purged:
                log.info("idempotency: deleted %s expired keys", purged)
        except Exception:  # keep the loop alive: the database may be back next time
            log.exception("idempotency purge failed")
        await asyncio.sleep(minutes * 60)


async def _directory_loop(services: Services) -> None:
    """Pull people and roles from Keycloak every ``PORTAL_DIRECTORY_SYNC_MINUTES`` (one
    worker per period, claimed by a conditional UPDATE), when it is configured."""
    from portal.audit.log import AuditLog
    from portal.bootstrap import people_source
    from portal.staff_directory.pull import claim_pull, pull_directory

    source = people_source(services.settings)
    if source is None:
        log.info("directory: no Keycloak configured; SCIM pushes need no worker")
        return
    minutes = services.settings.directory.sync_minutes
    every = timedelta(minutes=minutes)
    log.info("directory: pulling %s every %s min", source.source, minutes)
    while True:
        try:
            now = datetime.now(UTC)
            if await asyncio.to_thread(claim_pull, services.engine, source.source, every, now=now):
                report = await asyncio.to_thread(
                    pull_directory, services.engine, AuditLog(services.sealer), source, now=now
                )
                log.info("directory: %s %s", report.summary, report.error or "")
        except Exception:  # keep the loop alive: the database may be back next time
            log.exception("directory pull failed")
        await asyncio.sleep(60)


async def _checkpoint_loop(services: Services) -> None:
    from portal.audit import Anchoring, AuditSettings
    from portal.audit.anchoring import checkpoint_if_due

    settings = AuditSettings.from_config(services.settings.audit)
    anchoring = Anchoring.from_settings(settings)
    if anchoring is None:
        log.info("audit: no checkpoint file or signing key; the chain is not anchored")
        return
    every = timedelta(minutes=settings.checkpoint_minutes)
    log.info("audit: a signed checkpoint every %s min", settings.checkpoint_minutes)
    while True:
        try:
            taken = await asyncio.to_thread(checkpoint_if_due, services.engine, anchoring, every)
            if taken is not None and taken.written and taken.checkpoint is not None:
                checkpoint = taken.checkpoint
                log.info("audit: %s at seq %s", checkpoint.label, checkpoint.checkpoint.seq)
        except Exception:  # a tampered chain is logged loudly and retried; never signed
            log.exception("audit checkpoint failed")
        await asyncio.sleep(60)


async def ownership_retry_pass(collaborators: Collaborators, verifier: OwnershipVerifier) -> int:
    """One pass: ask again about the versions whose unknown answer is due; how many asked."""
    from portal.audit.log import AuditContext
    from portal.payments.proving import retry_unknown

    deps = build_payment_deps(collaborators.changes)
    ctx = AuditContext(actor="system:ownership-retry", channel="system:ownership-retry")
    answers = await retry_unknown(deps, ctx, verifier)
    if answers:
        outcomes = ", ".join(sorted(a.outcome.value for a in answers))
        log.info("ownership: asked again about %s accounts: %s", len(answers), outcomes)
    return len(answers)


async def _ownership_loop(collaborators: Collaborators) -> None:
    from portal.bootstrap import ownership_verifier

    settings = collaborators.settings
    minutes = settings.ownership.retry_pass_minutes
    async with httpx.AsyncClient(timeout=settings.ownership.timeout_seconds) as client:
        verifier = ownership_verifier(settings, client, collaborators.provider_calls)
        if verifier is None:
            log.info("ownership: no verification service configured; not retrying")
            return
        log.info("ownership: %s, unknown answers asked again every %s min", verifier.name, minutes)
        while True:
            try:
                await ownership_retry_pass(collaborators, verifier)
            except Exception:  # keep the loop alive: the database may be back next time
                log.exception("ownership retry pass failed")
            await asyncio.sleep(minutes * 60)


async def run_worker(
    collaborators: Collaborators, *, outbox_seconds: float, verify_minutes: float
) -> None:
    """Run every loop until a stop signal arrives; stop them cleanly."""
    from portal.audit.log import AuditLog
    from portal.ocr_jobs import OcrWorker, OcrWorkerDeps, default_reader
    from portal.verification.monitoring import PeriodicVerification

    services = collaborators.services
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    reader = default_reader(collaborators.ocr_limits, collaborators.ocr_sandbox)
    deps = OcrWorkerDeps(
        services.engine,
        services.documents,
        AuditLog(services.sealer),
        reader,
        collaborators.ocr,
    )
    ocr = OcrWorker(deps, warm_up=reader.start)
    ocr.start()
    log.info("ocr: worker %s waiting for jobs", deps.worker_id)
    imports = _import_worker(collaborators)
    imports.start()
    log.info("import: worker %s waiting for lists", imports.deps.worker_id)
    tasks = [
        loop.create_task(_checkpoint_loop(services)),
        loop.create_task(_reminder_loop(services)),
        loop.create_task(_housekeeping_loop(services)),
        loop.create_task(_ownership_loop(collaborators)),
        loop.create_task(_directory_loop(services)),
    ]
    if outbox_seconds:
        tasks.append(loop.create_task(_outbox_loop(collaborators, outbox_seconds)))

    wiring = collaborators.verification
    async with contextlib.AsyncExitStack() as stack:
        periodic = None
        if wiring.configured and verify_minutes > 0:
            ports = await stack.enter_async_context(wiring.ports())
            periodic = PeriodicVerification(services, wiring, verify_minutes, ports=lambda: ports)
            periodic.start()
            log.info("monitoring: a pass every %g min", verify_minutes)
        else:
            log.info("monitoring: verification not configured; not running passes")
        log.info("worker ready")
        await stop.wait()
        log.info("worker stopping")
        if periodic is not None:
            await periodic.stop()
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await ocr.stop()
    await imports.stop()
    reader.close()


def _import_worker(collaborators: Collaborators) -> ImportWorker:
    from portal.importing.jobs import ImportJobDeps
    from portal.importing.worker import FirstVerification, ImportWorker

    services, changes = collaborators.services, collaborators.changes
    deps = ImportJobDeps(
        services.engine, services.suppliers, changes.audit, services.documents, changes=changes
    )
    return ImportWorker(deps, FirstVerification(collaborators.verification))


def _worker(args: argparse.Namespace) -> int:
    from portal.observability.metrics import MetricsServer

    configure_process_logging(settings_from(args), "worker")
    with services_for(args, migrate=False) as services:
        collaborators = build_collaborators(services)
        server = None
        if args.metrics_port is not None:
            server = MetricsServer(
                args.metrics_port, args.metrics_host, [collaborators.provider_calls]
            )
            log.info("metrics: http://%s:%s/metrics", args.metrics_host, server.port)
        try:
            asyncio.run(
                run_worker(
                    collaborators,
                    outbox_seconds=args.outbox_seconds,
                    verify_minutes=args.verify_minutes,
                )
            )
        finally:
            if server is not None:
                server.close()
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
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="answer GET /metrics (provider calls, process) on this port (0: any free port); "
        "no token: keep it on loopback or a private network",
    )
    parser.add_argument(
        "--metrics-host", default="127.0.0.1", help="address of --metrics-port (127.0.0.1)"
    )
    add_db_options(parser)
    parser.set_defaults(handler=_worker)
