"""The auditor's screen: the audit log filtered, with names instead of ids, and exported
as filtered (the export recorded in the log)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import insert, select

from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.workbench.audit_log import USER
from tests.web_portal.conftest import T0
from tests.web_portal.test_portal_flow import propose_bank_change


def _known_person(site: Any, subject: str, name: str) -> None:
    with site.services.engine.begin() as conn:
        conn.execute(
            insert(USER).values(
                id=f"acct-{subject}", issuer="https://idp.example", subject=subject,
                display_name=name, created_at=T0,
            )
        )  # fmt: skip


async def test_the_auditor_reads_who_did_what_to_which_supplier_by_name(
    site: Any, as_user: Any
) -> None:
    _known_person(site, "u-supplier-a", "张三（甲公司财务）")
    await propose_bank_change(site, as_user)
    screen = await as_user("auditor").get("/staff/audit/?action=change.submitted")
    # the name the person had when they acted (recorded with the entry)
    assert "甲的用户" in screen.text and site.a.name in screen.text
    assert "提交变更申请" in screen.text and "共 1 条" in screen.text
    assert ">u-supplier-a<" not in screen.text
    # an entry written before names were recorded shows the account's name today
    with site.services.engine.begin() as conn:
        AuditLog(site.services.sealer).record(
            conn, AuditContext(actor="u-supplier-a"), "logout", now=T0
        )
    older = await as_user("auditor").get("/staff/audit/?action=logout")
    assert "张三（甲公司财务）" in older.text


async def test_the_audit_log_is_filtered_by_supplier(site: Any, as_user: Any) -> None:
    await propose_bank_change(site, as_user)
    other = await as_user("auditor").get("/staff/audit/?supplier=乙科技")
    assert "没有符合筛选条件的审计记录" in other.text


async def test_the_export_holds_what_is_filtered_and_is_itself_recorded(
    site: Any, as_user: Any
) -> None:
    await propose_bank_change(site, as_user)
    exported = await as_user("auditor").get("/staff/audit/export?action=change.submitted")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [r["action"] for r in rows] == ["change.submitted"]
    assert rows[0]["subject_name"] == site.a.name
    with site.services.engine.connect() as conn:
        recorded = conn.execute(
            select(ENTRY.c.actor, ENTRY.c.after).where(ENTRY.c.action == "data.exported")
        ).one()
    assert recorded.actor == "u-auditor" and json.loads(recorded.after)["action"] == (
        "change.submitted"
    )


async def test_the_json_export_has_one_entry_a_line(site: Any, as_user: Any) -> None:
    await propose_bank_change(site, as_user)
    exported = await as_user("auditor").get("/staff/audit/export?format=json&supplier=甲贸易")
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert lines and {line["subject_name"] for line in lines} == {site.a.name}


async def test_a_purchasing_supervisor_cannot_read_the_audit_log(site: Any, as_user: Any) -> None:
    assert (await as_user("alice").get("/staff/audit/")).status_code == 403
    assert (await as_user("alice").get("/staff/audit/export")).status_code == 403
