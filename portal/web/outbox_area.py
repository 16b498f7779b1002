"""Sends the outbox from inside the web process, every ``PORTAL_OUTBOX_INTERVAL_SECONDS``
(``settings.outbox.interval_seconds``, default 30; 0 turns it off, e.g. when ``portal outbox
send --loop`` runs elsewhere), through the senders the composition root built.

Several app instances may all run it: the worker claims each message with a
conditional UPDATE, so a message is sent by one of them only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from portal.bootstrap import Collaborators
from portal.notifications.outbox import OutboxWorker
from portal.web.site import Contribution

log = logging.getLogger(__name__)


class OutboxTask:
    """The periodic send loop, started and stopped with the app."""

    def __init__(self, worker: OutboxWorker, interval: float) -> None:
        self.worker = worker
        self.interval = interval
        self.task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.worker.run_once)
            except Exception:  # keep the loop alive; the row keeps its last_error
                log.exception("outbox run failed; will retry")
            await asyncio.sleep(self.interval)

    async def start(self) -> None:
        self.task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def area(collaborators: Collaborators) -> Contribution:
    """The send loop when a channel is configured and the interval is positive."""
    interval = collaborators.settings.outbox.interval_seconds
    senders = dict(collaborators.senders)
    if interval <= 0 or not senders:
        return Contribution()
    services = collaborators.services
    task = OutboxTask(OutboxWorker(services.engine, senders, sealer=services.sealer), interval)
    return Contribution(on_startup=[task.start], on_shutdown=[task.stop])
