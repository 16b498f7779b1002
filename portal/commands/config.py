"""``portal config check``: the effective settings, secrets masked; non-zero when one is bad.

Every variable the product reads is listed with the value it takes (its default when not
set). A bad or unknown variable prints the one message naming it and exits 2, as every
command does when the settings cannot be read.
"""

from __future__ import annotations

import argparse

from portal.commands.common import SubParsers, add_db_options, settings_from
from portal.config import describe


def _check(args: argparse.Namespace) -> int:
    settings = settings_from(args, create_data_dir=False)
    rows = describe(settings)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print("settings: ok")
    return 0


def register(sub: SubParsers) -> None:
    """Add ``config check``."""
    parser = sub.add_parser("config", help="show or check the settings")
    commands = parser.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = commands.add_parser("check", help="print the effective settings (secrets masked)")
    add_db_options(check)
    check.set_defaults(handler=_check)
