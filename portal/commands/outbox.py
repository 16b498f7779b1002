"""``portal outbox``: send queued e-mail and webhooks, or list what is queued.

``portal outbox send`` runs the worker once (for cron); ``--loop 30`` keeps
running every 30 seconds. Each channel needs a sender: e-mail is sent when
PORTAL_SMTP_HOST is set, webhooks when PORTAL_WEBHOOK_URL is
(``portal.notifications.senders``).
"""

from __future__ import annotations

import argparse
import time

from portal.bootstrap import outbox_senders
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, services_for, settings_from
from portal.notifications.outbox import OutboxWorker, recent


def _send(args: argparse.Namespace) -> int:
    senders = outbox_senders(settings_from(args))
    if not senders:
        raise CommandError(
            "no channel is configured (set PORTAL_SMTP_HOST for e-mail, "
            "PORTAL_WEBHOOK_URL for the WeCom/DingTalk robot)"
        )
    with services_for(args) as services:
        worker = OutboxWorker(
            services.engine, senders, max_attempts=args.max_attempts, sealer=services.sealer
        )
        while True:
            report = worker.run_once(limit=args.limit)
            print(
                f"sent {report.sent}, retrying {report.retrying}, gave up {report.gave_up}",
                flush=True,
            )
            for error in report.errors:
                print(f"  {error}", flush=True)
            if not args.loop:
                return 0 if not report.gave_up else 1
            time.sleep(args.loop)


def _list(args: argparse.Namespace) -> int:
    with services_for(args) as services, services.engine.connect() as conn:
        for message in recent(conn, limit=args.limit):
            state = "sent" if message.sent_at else f"queued (attempts {message.attempts})"
            print(
                f"{message.created_at:%Y-%m-%d %H:%M}  {message.channel:7}  {state:22}  "
                f"{message.recipient}  {message.subject}"
            )
            if message.last_error and not message.sent_at:
                print(f"    last error: {message.last_error}")
    return 0


def register(sub: SubParsers) -> None:
    """Add ``outbox send`` and ``outbox list``."""
    parser = sub.add_parser("outbox", help="send or list queued e-mail and webhooks")
    commands = parser.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")
    send = commands.add_parser("send", help="send what is due (once, or --loop SECONDS)")
    send.add_argument("--loop", type=float, default=0, help="repeat every SECONDS")
    send.add_argument("--limit", type=int, default=100, help="messages per run")
    send.add_argument("--max-attempts", type=int, default=8)
    add_db_options(send)
    send.set_defaults(handler=_send)
    listing = commands.add_parser("list", help="the newest messages and their state")
    listing.add_argument("--limit", type=int, default=50)
    add_db_options(listing)
    listing.set_defaults(handler=_list)
