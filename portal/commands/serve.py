"""``portal serve``: run the web service (production settings from the environment)."""

from __future__ import annotations

import argparse
import gc
import logging
from typing import Any

from portal.commands import CommandError
from portal.commands.common import (
    SubParsers,
    add_db_options,
    collaborators_of,
    configure_process_logging,
    open_services,
    settings_from,
)
from portal.config import ConfigError, Settings
from portal.core import MissingCollaboratorError
from portal.db.migrate import current

log = logging.getLogger("portal.serve")
#: seconds an idle keep-alive connection stays open. uvicorn's own default (5 s) is shorter
#: than the idle time of client and proxy connection pools (nginx upstream keepalive 60 s,
#: requests/locust sessions: unlimited): the server then closes a connection at the moment
#: the client reuses it, and that request fails with a connection reset and no answer. The
#: server must outlast its clients, so the client always closes first.
KEEP_ALIVE_SECONDS = 75


def serve(
    settings: Settings,
    *,
    host: str | None,
    port: int | None,
    migrate: bool,
    keep_alive_seconds: int = KEEP_ALIVE_SECONDS,
) -> int:
    """Start uvicorn on the configured host and port."""
    import uvicorn

    from portal.web.site import build_site

    configure_process_logging(settings, "web")
    services = open_services(settings, migrate=migrate)
    if current(services.engine) is None:
        raise CommandError("the database has no schema; run `portal db upgrade` first")
    try:
        app = build_site(collaborators_of(services))
    except (ConfigError, MissingCollaboratorError) as exc:
        raise CommandError(f"cannot start: {exc}") from exc
    host = host or settings.web.host
    port = port or settings.web.port
    log.info("serving on http://%s:%s/", host, port)
    # What start-up built (modules, templates, compiled statements, the site's routes) lives
    # as long as the process: frozen, the collector's full passes no longer walk it (one such
    # pass over the whole site took about 0.2 s in a request, docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=host,
        port=port,
        # our handler (JSON lines) formats uvicorn's records too; the access log is
        # written by portal.web.observed (route templates, never raw paths)
        log_config=None,
        log_level=settings.observability.log_level.lower(),
        access_log=False,
        timeout_keep_alive=keep_alive_seconds,
        **proxy_options(settings),
    )
    return 0


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's forwarded-header options: believed only from the configured proxies.

    uvicorn alone trusts X-Forwarded-For from 127.0.0.1 (or ``$FORWARDED_ALLOW_IPS``), so
    any local client, or a proxy that passes the header through, could pick the address it
    is rate-limited and audited under; here the header is ignored unless proxies are named.

    >>> from portal.config import load_settings
    >>> proxy_options(load_settings({}))
    {'proxy_headers': False}
    >>> proxy_options(load_settings({"PORTAL_TRUSTED_PROXIES": "10.0.0.5,10.1.0.0/16"}))
    {'proxy_headers': True, 'forwarded_allow_ips': ['10.0.0.5', '10.1.0.0/16']}
    """
    proxies = settings.web.trusted_proxy_list
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": proxies}


def _serve(args: argparse.Namespace) -> int:
    return serve(
        settings_from(args),
        host=args.host,
        port=args.port,
        migrate=args.migrate,
        keep_alive_seconds=args.keep_alive_seconds,
    )


def register(sub: SubParsers) -> None:
    """Add ``serve``."""
    parser = sub.add_parser("serve", help="run the web service")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--migrate", action="store_true", help="apply migrations first")
    parser.add_argument(
        "--keep-alive-seconds",
        type=int,
        default=KEEP_ALIVE_SECONDS,
        help=f"idle keep-alive connections close after this (default {KEEP_ALIVE_SECONDS}; "
        "keep it above the reverse proxy's upstream keepalive_timeout)",
    )
    add_db_options(parser)
    parser.set_defaults(handler=_serve)
