"""Audited acts: each leaves one entry, committed before anything is handed out, and no act
ships without being declared."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from approvals.events import _NAMES as CHANGE_EVENT_NAMES
from portal.audit import AuditConfigError, verify_live
from portal.audit.acts import (
    AUDITED_ACTS,
    ExportKind,
    _Act,
    _record,
    record_document_reveal,
    record_export,
    record_login,
    record_login_failure,
    record_logout,
    record_value_reveal,
)
from portal.audit.log import ENTRY, AuditContext, AuditLog

WHO = AuditContext(actor="u-finance", actor_role="finance", ip="10.0.0.9", request_id="r-9")
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(ENTRY).order_by(ENTRY.c.seq))]


def test_an_export_is_recorded_with_its_kind_format_and_filters(
    engine: Engine, log: AuditLog
) -> None:
    record_export(
        engine,
        log,
        WHO,
        ExportKind.FINANCE_SUPPLIERS,
        rows=120,
        file_format="xlsx",
        criteria={"from": "2026-01-01", "to": None},
        now=NOW,
    )
    [row] = _rows(engine)
    assert (row["action"], row["subject_type"], row["actor"]) == (
        "data.exported",
        "finance_suppliers",
        "u-finance",
    )
    assert json.loads(str(row["after"])) == {"format": "xlsx", "from": "2026-01-01", "rows": 120}


def test_reveals_name_what_was_shown_but_not_the_value(engine: Engine, log: AuditLog) -> None:
    record_value_reveal(
        engine, log, WHO, table="bank_account", row_id="b-1", column="account_number", now=NOW
    )
    record_document_reveal(engine, log, WHO, supplier_id="s-1", document_id="d-7", now=NOW)
    rows = _rows(engine)
    assert [(r["action"], r["subject_id"], r["field_name"]) for r in rows] == [
        ("value.revealed", "b-1", "account_number"),
        ("document.read", "s-1", "document[d-7]"),
    ]
    assert all(r["after"] is None for r in rows)


def test_logins_and_logouts_are_recorded_and_chain(engine: Engine, log: AuditLog) -> None:
    record_login(engine, log, WHO, account_id="acc-1", method="oidc", now=NOW)
    record_login_failure(engine, log, WHO, reason="state mismatch " + "x" * 500, now=NOW)
    record_logout(engine, log, WHO, account_id="acc-1", now=NOW)
    rows = _rows(engine)
    assert [r["action"] for r in rows] == ["login.succeeded", "login.failed", "logout"]
    assert len(str(rows[1]["after"])) == 200
    assert verify_live(engine, None).ok


def test_an_undeclared_act_is_refused_before_anything_is_written(
    engine: Engine, log: AuditLog
) -> None:
    with pytest.raises(AuditConfigError, match="not declared"):
        _record(engine, log, WHO, _Act("secrets.emailed"), NOW)
    assert _rows(engine) == []


# ---- every act the portal records is declared ------------------------------------------

# Call sites whose action is not a literal, and where their actions are declared from.
DYNAMIC_ACTIONS = {
    "event.name": set(CHANGE_EVENT_NAMES.values()) - {"change.event"},
    "act.action": set(),  # portal.audit.acts: checked by _record itself
    "action": set(),  # portal.web.auth.routes._audit(...): its callers pass literals
    "act": {  # portal.payments.small_amount._audit_answer: what the provider answered
        "account_version.small_amount_sent",
        "account_version.small_amount_confirmed",
        "account_version.small_amount_refused",
    },
}


def _recorded_actions() -> tuple[set[str], set[str]]:
    literals: set[str] = set()
    dynamic: set[str] = set()
    for path in PORTAL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in ("record", "_audit") or len(node.args) < 3:
                continue
            found = _literals(node.args[2])
            if found is None:
                dynamic.add(ast.unparse(node.args[2]))
            else:
                literals |= found
    return literals, dynamic


def _literals(action: ast.expr) -> set[str] | None:
    """The actions an expression can be: a string, or ``"a" if x else "b"``; else None."""
    if isinstance(action, ast.Constant) and isinstance(action.value, str):
        return {action.value}
    if isinstance(action, ast.IfExp):
        body, orelse = _literals(action.body), _literals(action.orelse)
        if body is not None and orelse is not None:
            return body | orelse
    return None


def test_every_recorded_action_is_declared() -> None:
    literals, dynamic = _recorded_actions()
    assert literals, "the scan found no audit call at all"
    assert literals - set(AUDITED_ACTS) == set()
    assert dynamic - set(DYNAMIC_ACTIONS) == set(), "declare where these actions come from"
    for actions in DYNAMIC_ACTIONS.values():
        assert actions - set(AUDITED_ACTS) == set()


def test_the_audit_log_export_command_records_itself_before_writing(
    engine: Engine,
    log: AuditLog,
    db_url: str,
    key_provider: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from portal.cli import main

    record_login(engine, log, WHO, account_id="acc-1", method="oidc", now=NOW)
    monkeypatch.setattr("portal.bootstrap.key_provider", lambda _crypto: key_provider)
    out = tmp_path / "audit.jsonl"
    db = ["--database", db_url, "--data-dir", str(tmp_path)]
    assert main(["audit", "export", "--format", "json", "--out", str(out), *db]) == 0
    exported = [json.loads(line)["action"] for line in out.read_text().splitlines()]
    assert exported == ["login.succeeded", "data.exported"]
    assert _rows(engine)[-1]["subject_type"] == "audit_log"
