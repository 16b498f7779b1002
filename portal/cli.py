"""The ``portal`` command line."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from portal.commands import CommandError
from portal.observability.context import bind_request_id, new_request_id

#: Command modules, each with ``register(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = (
    "portal.commands.db",
    "portal.commands.serve",
    "portal.commands.demo",
    "portal.commands.importing",
    "portal.commands.keys",
    "portal.commands.api_tokens",
    "portal.commands.ocr",
    "portal.commands.audit",
    "portal.commands.verify",
    "portal.commands.outbox",
    "portal.commands.relations",
    "portal.commands.config",
    "portal.commands.worker",
    "portal.commands.backup",
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="portal", description="Supplier portal and master-data compliance service"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # one id per command run: its audit entries, outbox messages and log lines carry it
    command_id = new_request_id(f"{args.command}-")
    try:
        with bind_request_id(command_id):
            status: int = args.handler(args)
    except CommandError as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from portal.commands.common import failure

        known = failure(exc)
        if known is None:
            raise
        code, message = known
        print(f"portal: {message}", file=sys.stderr)
        return code
    return status


if __name__ == "__main__":
    sys.exit(main())
