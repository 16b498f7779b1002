"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from crypto import CryptoError
from portal.bootstrap import Services, build_services
from portal.commands import CommandError
from portal.config import ConfigError, Settings, load_settings
from portal.db.engine import make_engine
from portal.db.migrate import upgrade

Handler = Callable[[argparse.Namespace], int]
SubParsers = Any  # argparse._SubParsersAction is private


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with --data-dir / --database overrides."""
    env = dict(os.environ)
    if getattr(args, "data_dir", None):
        env["PORTAL_DATA_DIR"] = str(args.data_dir)
    if getattr(args, "database", None):
        env["PORTAL_DATABASE_URL"] = args.database
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def open_services(settings: Settings, *, migrate: bool = True) -> Services:
    """Migrate (optionally) and unlock the keyring, or explain why not."""
    engine = make_engine(settings.database.url)
    if migrate:
        upgrade(engine)
    try:
        return build_services(settings, engine=engine)
    except CryptoError as exc:
        raise CommandError(f"cannot start: {exc}") from exc


def add_db_options(parser: argparse.ArgumentParser) -> None:
    """--data-dir and --database, shared by most commands."""
    parser.add_argument("--data-dir", help="data folder (default $PORTAL_DATA_DIR or ./var)")
    parser.add_argument("--database", help="database URL (default $PORTAL_DATABASE_URL)")


@contextmanager
def services_for(args: argparse.Namespace, *, migrate: bool = True) -> Iterator[Services]:
    """Services for one command; the database connections are closed afterwards."""
    services = open_services(settings_from(args), migrate=migrate)
    try:
        yield services
    finally:
        services.engine.dispose()
