"""``portal db upgrade``."""

from __future__ import annotations

import argparse

from portal.commands.common import SubParsers, add_db_options, settings_from
from portal.db.engine import make_engine
from portal.db.migrate import current, upgrade


def _upgrade(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    engine = make_engine(settings.database.url)
    before = upgrade(engine, args.revision)
    after = current(engine)
    engine.dispose()
    if before == after:
        print(f"database already at revision {after}; nothing to do")
    else:
        print(f"database upgraded from {before or 'empty'} to {after}")
    return 0


def register(sub: SubParsers) -> None:
    """Add the ``db`` group."""
    db = sub.add_parser("db", help="database schema")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="apply migrations up to a revision (default head)")
    up.add_argument("revision", nargs="?", default="head")
    add_db_options(up)
    up.set_defaults(handler=_upgrade)
