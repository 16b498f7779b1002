"""Migrations: an empty database upgrades to head and then matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from portal.db import name_search
from portal.db.migrate import alembic_config, current, upgrade


def test_migrations_have_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_empty_database_upgrades_to_head_and_matches_the_models(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert current(empty_engine) == head
    assert {"supplier", "bank_account", "audit_entry"} <= set(
        inspect(empty_engine).get_table_names()
    )
    with empty_engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": lambda _o, name, *_: not name_search.is_ours(name)}
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_upgrade_twice_changes_nothing(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current(empty_engine) is not None
