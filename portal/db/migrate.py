"""Schema migrations with Alembic (``portal db upgrade``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from portal.db.migration_lock import locked_migration_transaction
from portal.resources import migrations_dir


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the repository's migrations."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the database up to ``revision`` in one transaction per migration run.

    Concurrent runners take turns (:mod:`portal.db.migration_lock`); the
    revision returned is the one found once the lock was held (None: empty),
    so a runner that waited sees what the first one left.
    """
    from alembic.runtime.migration import MigrationContext

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with locked_migration_transaction(engine) as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before


def current(engine: Engine) -> str | None:
    """The revision the database is at, or None when it has no schema."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
