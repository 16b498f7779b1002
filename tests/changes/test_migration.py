"""Migration 0005 (change requests): one head, and the migrated schema holds the change-request tables."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from portal.db.migrate import alembic_config, upgrade


def test_the_migrations_have_a_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    revisions = {r.revision for r in script.walk_revisions()}
    assert "0005" in revisions


def test_upgrading_creates_the_change_request_tables(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    inspector = inspect(empty_engine)
    tables = set(inspector.get_table_names())
    assert {
        "change_request",
        "change_field",
        "change_decision",
        "change_approval",
        "payment_hold",
    } <= tables
    uniques = {
        tuple(u["column_names"]) for u in inspector.get_unique_constraints("change_approval")
    }
    assert {("request_id", "position"), ("request_id", "approver_id")} <= uniques
