"""``portal webhooks add|list|remove|replay|log|deliver|snapshot|profile``: the ERP feed's
webhooks.

``add`` prints the signing secret once (keep it in the ERP's receiver; the portal stores it
sealed). ``deliver`` runs the delivery worker once, or every ``--loop`` seconds. ``replay``
sends a subscription's dead-lettered deliveries again. ``snapshot`` gives every supplier
that has no feed event yet a ``supplier.snapshot`` event (run once after upgrading).
``profile NAME PROFILE`` shapes a subscription's deliveries with an ERP profile
(``--none``: the feed's JSON again); ``profiles`` lists the profiles and checks their files.
Acts are done as the administrator running the command, and audited.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx

from portal.audit.log import AuditContext, AuditLog
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, services_for
from portal.domain.principal import Principal, Role
from portal.erp import profiles_of
from portal.feed import EventType, snapshot_existing
from portal.webhooks import (
    WebhookWorker,
    add_subscription,
    delivery_log,
    list_subscriptions,
    remove_subscription,
    replay_dead,
    set_profile,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _admin() -> tuple[Principal, AuditContext]:
    ctx = AuditContext.cli()
    return Principal(ctx.actor, Role.ADMIN, display_name=ctx.actor, kind="cli"), ctx


def _add(args: argparse.Namespace) -> int:
    actor, ctx = _admin()
    with services_for(args) as services:
        sub, secret = add_subscription(
            services.engine, services.sealer, AuditLog(services.sealer), ctx, actor,
            name=args.name, url=args.url, event_types=args.events.split(","),
            now=datetime.now(UTC),
        )  # fmt: skip
    print(f"added {sub.name} -> {sub.url} ({', '.join(sub.event_types)})")
    print(f"signing secret (shown once, keep it in the receiver): {secret}")
    return 0


def _list(args: argparse.Namespace) -> int:
    actor, _ = _admin()
    with services_for(args) as services:
        subs = list_subscriptions(services.engine, actor)
    for sub in subs:
        counts = f"delivered {sub.delivered}, pending {sub.pending}, dead {sub.dead}"
        shape = f"  profile {sub.profile}" if sub.profile else ""
        print(f"{sub.name:20}  {sub.url}  [{', '.join(sub.event_types)}]  {counts}{shape}")
    if not subs:
        print("no webhook subscriptions")
    return 0


def _remove(args: argparse.Namespace) -> int:
    actor, ctx = _admin()
    with services_for(args) as services:
        remove_subscription(services.engine, AuditLog(services.sealer), ctx, actor, args.name,
                            now=datetime.now(UTC))  # fmt: skip
    print(f"removed {args.name}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    actor, ctx = _admin()
    with services_for(args) as services:
        count = replay_dead(services.engine, AuditLog(services.sealer), ctx, actor, args.name,
                            now=datetime.now(UTC))  # fmt: skip
    print(f"{count} dead-lettered deliveries of {args.name} will be sent again")
    return 0


def _log(args: argparse.Namespace) -> int:
    actor, _ = _admin()
    with services_for(args) as services:
        lines = delivery_log(services.engine, actor, args.name, limit=args.limit)
    for line in lines:
        when = f"{line.at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}" if line.at else "-"
        code = line.status_code if line.status_code is not None else "-"
        outcome = line.outcome or "not tried yet"
        print(
            f"event {line.event_seq:>8}  {line.status:9}  attempt {line.attempt or '-':>3}  "
            f"{when}  HTTP {code}  {outcome}  {line.error or ''}"
        )
    return 0


def _deliver(args: argparse.Namespace) -> int:
    with services_for(args) as services, httpx.Client(timeout=args.timeout) as http:
        data_dir = services.settings.data_dir
        worker = WebhookWorker(
            services.engine, services.sealer, http, max_attempts=args.max_attempts,
            profiles=lambda: profiles_of(data_dir),
        )  # fmt: skip
        while True:
            report = worker.run_once(limit=args.limit)
            print(f"delivered {report.delivered}, retrying {report.retrying}, "
                  f"dead {report.dead}", flush=True)  # fmt: skip
            for error in report.errors:
                print(f"  {error}", flush=True)
            if not args.loop:
                return 0 if not report.dead else 1
            time.sleep(args.loop)


def _profile(args: argparse.Namespace) -> int:
    actor, ctx = _admin()
    if (args.profile is None) == (not args.none):
        raise CommandError("give a profile name, or --none for the feed's own JSON")
    with services_for(args) as services:
        set_profile(
            services.engine, AuditLog(services.sealer), ctx, actor, args.name, args.profile,
            profiles=profiles_of(services.settings.data_dir), now=datetime.now(UTC),
        )  # fmt: skip
    print(f"{args.name}: deliveries {'as ' + args.profile if args.profile else 'as the feed JSON'}")
    return 0


def _profiles(args: argparse.Namespace) -> int:
    with services_for(args, migrate=False) as services:
        found = profiles_of(services.settings.data_dir)  # a bad file stops here, named
    for profile in found.values():
        print(f"{profile.name:24}  {profile.title}  ({profile.file})")
    return 0


def _snapshot(args: argparse.Namespace) -> int:
    actor, ctx = _admin()
    with services_for(args) as services:
        audit = AuditLog(services.sealer)
        written = snapshot_existing(
            services.engine, services.suppliers, audit, ctx, actor, now=datetime.now(UTC)
        )
    print(f"{written} suppliers got a snapshot event")
    return 0


def register(sub: SubParsers) -> None:
    """Add the ``webhooks`` group."""
    parser = sub.add_parser("webhooks", help="webhook subscriptions of the ERP change feed")
    commands = parser.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    add = commands.add_parser("add", help="subscribe a URL; prints its signing secret once")
    add.add_argument("name")
    add.add_argument("url", help="https:// address (http only to this machine)")
    add.add_argument(
        "--events", default="*",
        help=f"comma-separated event types, or * (types: {', '.join(t.value for t in EventType)})",
    )  # fmt: skip
    listing = commands.add_parser("list", help="subscriptions and their delivery counts")
    remove = commands.add_parser("remove", help="stop a subscription")
    remove.add_argument("name")
    replay = commands.add_parser("replay", help="send a subscription's dead letters again")
    replay.add_argument("name")
    log = commands.add_parser("log", help="the delivery log of a subscription (newest first)")
    log.add_argument("name")
    log.add_argument("--limit", type=int, default=50)
    deliver = commands.add_parser("deliver", help="run the delivery worker")
    deliver.add_argument("--loop", type=float, default=0, help="repeat every N seconds")
    deliver.add_argument("--limit", type=int, default=100)
    deliver.add_argument("--max-attempts", type=int, default=10)
    deliver.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    snapshot = commands.add_parser(
        "snapshot", help="backfill: one event per supplier not in the feed"
    )
    profile = commands.add_parser("profile", help="shape a subscription's deliveries for an ERP")
    profile.add_argument("name")
    profile.add_argument(
        "profile", nargs="?", help="an ERP profile (see: portal webhooks profiles)"
    )
    profile.add_argument("--none", action="store_true", help="send the feed's own JSON again")
    profiles = commands.add_parser("profiles", help="the ERP profiles, their files checked")
    for command, handler in ((add, _add), (listing, _list), (remove, _remove), (replay, _replay),
                             (log, _log), (deliver, _deliver), (snapshot, _snapshot),
                             (profile, _profile), (profiles, _profiles)):  # fmt: skip
        add_db_options(command)
        command.set_defaults(handler=handler)
