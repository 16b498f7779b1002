"""``portal api-token create|revoke``: tokens for the finance system."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from portal.audit.log import AuditContext, AuditLog
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, services_for
from portal.domain.principal import Principal, Role
from portal.identity.admin import (
    ApiTokenInputError,
    client_id_named,
    create_api_token,
    revoke_api_token,
)
from portal.identity.idempotency import purge_expired_keys


def _operator() -> tuple[Principal, AuditContext]:
    """Whoever runs the command on the server acts as an administrator (the same use case,
    the same audit entries as the admin screen)."""
    ctx = AuditContext.cli()
    return Principal(ctx.actor, Role.ADMIN, "command line"), ctx


def _create(args: argparse.Namespace) -> int:
    by, ctx = _operator()
    with services_for(args) as services:
        try:
            token = create_api_token(
                services.engine, AuditLog(services.sealer), ctx, by, name=args.name,
                role=args.role, can_reveal=args.reveal, now=datetime.now(UTC),
            )  # fmt: skip
        except ApiTokenInputError as exc:
            raise CommandError(str(exc)) from exc
    print(token)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    by, ctx = _operator()
    with services_for(args, migrate=False) as services:
        client_id = client_id_named(services.engine, args.name)
        if client_id is None:
            raise CommandError(f"no active API client named {args.name!r}")
        revoke_api_token(
            services.engine, AuditLog(services.sealer), ctx, by, client_id, now=datetime.now(UTC)
        )
    print(f"revoked {args.name}")
    return 0


def _purge_keys(args: argparse.Namespace) -> int:
    with services_for(args, migrate=False) as services:
        purged = purge_expired_keys(services.engine, now=datetime.now(UTC))
    print(f"deleted {purged} expired Idempotency-Key answers")
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
    purge = tsub.add_parser(
        "purge-keys", help="delete Idempotency-Key answers past their retention (24 h)"
    )
    for parser, handler in ((create, _create), (revoke, _revoke), (purge, _purge_keys)):
        add_db_options(parser)
        parser.set_defaults(handler=handler)
