"""``portal api-token create|revoke``: tokens for the finance system."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, settings_from
from portal.db.engine import make_engine
from portal.db.migrate import upgrade
from portal.domain.principal import Role
from portal.identity.api_clients import ApiClientError, create_client, revoke_client


def _create(args: argparse.Namespace) -> int:
    engine = make_engine(settings_from(args).database.url)
    upgrade(engine)
    try:
        token = create_client(
            engine, args.name, Role(args.role), can_reveal=args.reveal, now=datetime.now(UTC)
        )
    except ApiClientError as exc:
        raise CommandError(str(exc)) from exc
    print(token)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    engine = make_engine(settings_from(args).database.url)
    if not revoke_client(engine, args.name, now=datetime.now(UTC)):
        raise CommandError(f"no active API client named {args.name!r}")
    print(f"revoked {args.name}")
    return 0


def register(sub: SubParsers) -> None:
    """Add the ``api-token`` group."""
    tok = sub.add_parser("api-token", help="API tokens for finance systems")
    tsub = tok.add_subparsers(dest="token_command", required=True)
    create = tsub.add_parser("create", help="create a client; prints its token once")
    create.add_argument("name")
    create.add_argument(
        "--role", choices=[r.value for r in Role if r is not Role.SUPPLIER], default="finance"
    )
    create.add_argument("--reveal", action="store_true", help="may ask for clear account numbers")
    revoke = tsub.add_parser("revoke", help="revoke a client's token")
    revoke.add_argument("name")
    for parser, handler in ((create, _create), (revoke, _revoke)):
        add_db_options(parser)
        parser.set_defaults(handler=handler)
