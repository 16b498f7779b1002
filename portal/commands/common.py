"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from crypto import CryptoError
from portal.bootstrap import Collaborators, Services, build_collaborators, build_services
from portal.commands import CommandError
from portal.config import ConfigError, Settings, load_settings
from portal.core import MissingCollaboratorError
from portal.db.engine import make_engine
from portal.db.migrate import upgrade

Handler = Callable[[argparse.Namespace], int]
SubParsers = Any  # argparse._SubParsersAction is private


def settings_from(args: argparse.Namespace, *, create_data_dir: bool = True) -> Settings:
    """Settings from the environment (read once, here), with --data-dir / --database on top."""
    overrides = {}
    if getattr(args, "data_dir", None):
        overrides["PORTAL_DATA_DIR"] = str(args.data_dir)
    if getattr(args, "database", None):
        overrides["PORTAL_DATABASE_URL"] = args.database
    try:
        settings = load_settings(overrides=overrides)
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    if create_data_dir:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def configure_process_logging(settings: Settings, role: str) -> None:
    """JSON (or text) log lines on stderr for a long-running process (``serve``, ``worker``),
    as ``PORTAL_LOG_FORMAT`` and ``PORTAL_LOG_LEVEL`` say."""
    from portal.observability.logs import configure_logging

    observability = settings.observability
    configure_logging(observability.log_format, observability.log_level, role=role)


def open_services(settings: Settings, *, migrate: bool = True) -> Services:
    """Migrate (optionally) and unlock the keyring, or explain why not."""
    engine = make_engine(settings.database.url)
    if migrate:
        upgrade(engine)
    try:
        return build_services(settings, engine=engine)
    except CryptoError as exc:
        raise CommandError(f"cannot start: {exc}") from exc


def collaborators_of(services: Services) -> Collaborators:
    """Every collaborator built from the settings, or a one-line reason why not."""
    try:
        return build_collaborators(services)
    except ConfigError as exc:
        raise CommandError(f"cannot start: {exc}") from exc


def failure(exc: Exception) -> tuple[int, str] | None:
    """The exit code and one-line message of an error the table knows, else None.

    Settings and missing collaborators exit 2; domain errors exit with their kind's code
    from the one table (``portal.web.errors.KIND_EXIT``: 2 invalid, 3 not found,
    4 conflict, 5 forbidden, 75 unavailable).
    """
    if isinstance(exc, ConfigError | MissingCollaboratorError):
        return 2, str(exc)
    from portal.web.errors import KIND_EXIT, error_body, rule_for

    rule = rule_for(exc)
    if rule is None:
        return None
    return KIND_EXIT[rule.kind], str(error_body(exc, rule)["error"]["message"])


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
