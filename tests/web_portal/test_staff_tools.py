"""Staff tools: block and unblock with a reason (finance holds payments meanwhile), propose a
change for a supplier (the proposer cannot approve it), and the admin's API tokens and policy."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.audit.log import ENTRY
from portal.domain.principal import Role
from tests.support.personas import staff_member
from tests.web_portal.test_names_and_times import visible_text
from tests.web_portal.test_portal_flow import propose_bank_change


def manage(site: Any) -> str:
    return f"/staff/suppliers/{site.a.id}/manage"


async def block(site: Any, as_user: Any, who: str = "alice", reason: str = "涉嫌冒用") -> Any:
    return await as_user(who).post(
        f"/staff/suppliers/{site.a.id}/block", {"reason": reason}, form_page=manage(site)
    )


def actions(site: Any) -> list[str]:
    with site.services.engine.connect() as conn:
        return list(conn.execute(select(ENTRY.c.action).order_by(ENTRY.c.seq)).scalars())


async def test_a_blocked_supplier_is_held_in_the_finance_api_with_the_reason_on_screen(
    site: Any, as_user: Any
) -> None:
    assert (await block(site, as_user)).status_code == 303

    view = (await as_user("finance").get(f"/api/v1/suppliers/{site.a.uscc}")).json()
    assert view["lifecycle_state"] == "blocked"
    assert view["payment_hold"] == {"on_hold": True, "reason": "supplier.blocked", "until": None}
    page = (await as_user("clerk").get(manage(site))).text
    assert "已冻结" in page and "涉嫌冒用" in page
    assert "supplier.blocked" in actions(site)


async def test_lifting_the_block_releases_the_hold_and_is_recorded(site: Any, as_user: Any) -> None:
    await block(site, as_user)
    lifted = await as_user("bob").post(
        f"/staff/suppliers/{site.a.id}/unblock", {"reason": "已核实"}, form_page=manage(site)
    )
    assert lifted.status_code == 303
    view = (await as_user("finance").get(f"/api/v1/suppliers/{site.a.uscc}")).json()
    assert view["lifecycle_state"] == "active" and not view["payment_hold"]["on_hold"]
    assert actions(site)[-2:] == ["supplier.blocked", "supplier.unblocked"]


def block_on_file(site: Any) -> tuple[str | None, str | None, object]:
    from portal.db.supplier_store import SUPPLIER

    with site.services.engine.connect() as conn:
        row = conn.execute(
            select(SUPPLIER.c.blocked_reason, SUPPLIER.c.blocked_by, SUPPLIER.c.blocked_at).where(
                SUPPLIER.c.id == site.a.id
            )
        ).one()
    return row.blocked_reason, row.blocked_by, row.blocked_at


async def test_the_block_is_kept_on_the_supplier_and_shown_from_there_not_from_the_audit_log(
    site: Any, as_user: Any
) -> None:
    await block(site, as_user, reason="  涉嫌   冒用  ")
    reason, by, at = block_on_file(site)
    assert reason == "涉嫌 冒用" and by == "u-alice" and at is not None
    page = (await as_user("clerk").get(manage(site))).text
    assert "涉嫌 冒用" in page
    await as_user("bob").post(
        f"/staff/suppliers/{site.a.id}/unblock", {"reason": "已核实"}, form_page=manage(site)
    )
    assert block_on_file(site) == (None, None, None)  # lifted: nothing left in force


async def test_a_block_on_file_without_an_audit_entry_still_shows_its_reason(
    site: Any, as_user: Any
) -> None:
    from portal.db.supplier_store import SUPPLIER

    with site.services.engine.begin() as conn:
        conn.execute(
            SUPPLIER.update()
            .where(SUPPLIER.c.id == site.a.id)
            .values(lifecycle_state="blocked", blocked_reason="迁移前已冻结",
                    blocked_by="u-bob", blocked_at=site.deps.clock())
        )  # fmt: skip
    assert "supplier.blocked" not in actions(site)
    page = (await as_user("clerk").get(manage(site))).text
    assert "迁移前已冻结" in page


async def test_a_clerk_may_not_block_and_blocking_twice_is_a_conflict(
    site: Any, as_user: Any
) -> None:
    assert (await block(site, as_user, "clerk")).status_code == 403
    await block(site, as_user)
    again = await block(site, as_user, "bob")
    assert again.status_code == 409 and "状态不允许" in again.text


async def test_a_change_proposed_for_the_supplier_goes_to_approval_and_not_by_its_proposer(
    site: Any, as_user: Any
) -> None:
    page = f"/staff/suppliers/{site.a.id}/propose"
    typed = {"form": "contact", "name": "王五", "phone": "13700001111", "email": "w5@x.cn"}
    proposed = await as_user("alice").post(page, typed, form_page=page)
    assert proposed.status_code == 303
    change = proposed.headers["location"]
    review = await as_user("alice").get(change)
    assert "采购录入" in review.text  # the channel says staff proposed it
    refused = await as_user("alice").post(f"{change}/approve", {}, form_page=change)
    assert refused.status_code == 403
    assert (await as_user("bob").post(f"{change}/approve", {}, form_page=change)).status_code == 303


async def kinds_and_fields(site: Any, change_url: str) -> tuple[str, dict[str, str | None]]:
    from portal.changes.records import FIELD, REQUEST

    request_id = change_url.rsplit("/", 1)[1]
    with site.services.engine.connect() as conn:
        kind = conn.execute(select(REQUEST.c.kind).where(REQUEST.c.id == request_id)).scalar_one()
        rows = conn.execute(
            select(FIELD.c.field_name, FIELD.c.entity_id).where(FIELD.c.request_id == request_id)
        ).all()
    return kind, {r.field_name: r.entity_id for r in rows}


@pytest.mark.parametrize(
    ("typed", "kind", "changed"),
    [
        ({"form": "supplier", "address": "上海市新地址88号"}, "supplier_profile", {"address"}),
        ({"form": "invoicing_profile", "phone": "02188889999"}, "invoicing_profile", {"phone"}),
        ({"form": "bank_account", "target": "ACCOUNT", "account_number": "6222020000111122223"},
         "bank_account_change", {"account_number"}),
        ({"form": "bank_account", "target": "ACCOUNT", "retire": "1"}, "bank_account_retire",
         {"retired"}),
        ({"form": "contact", "target": "CONTACT", "email": "new@x.cn"}, "contact_change",
         {"email"}),
        ({"form": "contact", "target": "CONTACT", "retire": "1"}, "contact_remove", {"removed"}),
    ],
)  # fmt: skip
async def test_staff_propose_every_change_the_supplier_could_make_through_the_same_submit(
    site: Any, as_user: Any, typed: dict[str, str], kind: str, changed: set[str]
) -> None:
    page = f"/staff/suppliers/{site.a.id}/propose"
    ids = {"ACCOUNT": site.a.bank_accounts[0].id, "CONTACT": site.a.contacts[0].id}
    typed = {k: ids.get(v, v) for k, v in typed.items()}
    target = typed.pop("target", None)
    url = f"{page}?target={target}" if target else page  # as the page's forms post
    proposed = await as_user("alice").post(url, typed, form_page=page)
    assert proposed.status_code == 303, proposed.text[-600:]
    got_kind, fields = await kinds_and_fields(site, proposed.headers["location"])
    assert got_kind == kind and set(fields) == changed
    if target:
        assert set(fields.values()) == {target}
    assert "change.submitted" in actions(site)


async def test_the_propose_page_prefills_what_is_on_file_but_never_a_sensitive_value(
    site: Any, as_user: Any
) -> None:
    page = (await as_user("alice").get(f"/staff/suppliers/{site.a.id}/propose")).text
    assert 'id="propose-company"' in page and 'id="change-account-1"' in page
    assert 'id="retire-account-1"' in page and 'id="remove-contact-1"' in page
    assert f"/propose?target={site.a.bank_accounts[0].id}" in page  # the id is in the address
    assert f'value="{site.a.name}"' in page
    assert "6222021234567891234" not in page and "13812345678" not in page
    assert 'placeholder="138****5678"' in page


async def test_a_proposal_that_changes_nothing_comes_back_on_its_own_form(
    site: Any, as_user: Any
) -> None:
    page = f"/staff/suppliers/{site.a.id}/propose"
    typed = {"form": "supplier", "name": site.a.name}
    again = await as_user("alice").post(page, typed, form_page=page)
    assert again.status_code == 422
    assert '<details class="card" id="company" open>' in again.text
    assert "change.submitted" not in actions(site)


async def test_finance_and_suppliers_cannot_propose_for_a_supplier(site: Any, as_user: Any) -> None:
    page = f"/staff/suppliers/{site.a.id}/propose"
    assert (await as_user("finance").get(page)).status_code == 403
    assert (await as_user("a").get(page)).status_code == 403


async def test_a_new_api_token_is_shown_once_works_and_stops_working_when_revoked(
    site: Any, as_user: Any, client: Any
) -> None:
    site.people["admin"] = staff_member("u-admin", Role.ADMIN, "Admin")
    created = await as_user("admin").post(
        "/admin/tokens", {"name": "erp-prod", "role": "finance"}, form_page="/admin/tokens"
    )
    token = created.text.split('id="new-token" class="secret">')[1].split("<")[0]
    assert token.startswith("spk_")
    assert token not in (await as_user("admin").get("/admin/tokens")).text
    bearer = {"authorization": f"Bearer {token}"}
    assert (await client.get(f"/api/v1/suppliers/{site.a.uscc}", headers=bearer)).status_code == 200

    listing = (await as_user("admin").get("/admin/tokens")).text
    client_id = listing.split('action="/admin/tokens/')[1].split("/revoke")[0]
    await as_user("admin").post(f"/admin/tokens/{client_id}/revoke", {}, form_page="/admin/tokens")
    assert (await client.get(f"/api/v1/suppliers/{site.a.uscc}", headers=bearer)).status_code == 401
    with site.services.engine.connect() as conn:
        trail = " ".join(str(tuple(r)) for r in conn.execute(select(ENTRY)))
    assert "api_client.created" in trail and "api_client.revoked" in trail and token not in trail


async def test_a_token_name_already_taken_comes_back_on_the_form(site: Any, as_user: Any) -> None:
    site.people["admin"] = staff_member("u-admin", Role.ADMIN, "Admin")
    data = {"name": "erp-prod", "role": "finance"}
    await as_user("admin").post("/admin/tokens", data, form_page="/admin/tokens")
    again = await as_user("admin").post("/admin/tokens", data, form_page="/admin/tokens")
    assert again.status_code == 422 and 'id="error-name"' in again.text
    assert 'value="erp-prod"' in again.text


async def test_the_policy_screen_reads_the_rules_in_words(site: Any, as_user: Any) -> None:
    site.people["admin"] = staff_member("u-admin", Role.ADMIN, "Admin")
    page = (await as_user("admin").get("/admin/policy")).text
    assert "银行账户变更" in page and "采购主管" in page and "48" in page
    assert "bank_account_change" not in visible_text(page)


async def test_only_an_admin_reaches_the_admin_screens(site: Any, as_user: Any) -> None:
    for path in ("/admin/users", "/admin/tokens", "/admin/policy"):
        assert (await as_user("alice").get(path)).status_code == 403
        assert (await as_user("auditor").get(path)).status_code == 403


async def test_the_export_button_downloads_the_finance_export_with_the_payment_hold_column(
    site: Any, as_user: Any
) -> None:
    import csv
    import io

    await block(site, as_user)
    listing = (await as_user("finance").get("/staff/suppliers")).text
    href = listing.split('id="export-csv" href="')[1].split('"')[0].replace("&amp;", "&")
    assert href.startswith("/api/v1/suppliers/export.csv")

    exported = await as_user("finance").get(href.replace("validated=true", "validated=false"))
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    holds = {r["统一社会信用代码 uscc"]: r["付款暂停 payment_hold"] for r in rows}
    assert holds[site.a.uscc].startswith("暂停 on hold: 供应商已冻结")
    assert holds[site.b.uscc] == "否 no"
    assert "data.exported" in actions(site)


async def test_while_a_source_is_down_the_supplier_reads_pending_verification_not_failed(
    site: Any, as_user: Any
) -> None:
    from datetime import timedelta

    from portal.verification.records import run_row
    from tests.web_portal.conftest import T0

    with site.services.engine.begin() as conn:
        run_row(conn, "run-outage", site.a, "schedule", T0, "unavailable", True,
                T0 + timedelta(hours=1), {"outcome": "unavailable"})  # fmt: skip
    dashboard = visible_text((await as_user("a").get("/portal/")).text)
    assert "待核验" in dashboard and "未核验" not in dashboard
    panel = visible_text(
        (await as_user("alice").get(f"/staff/suppliers/{site.a.id}/verification")).text
    )
    assert "待核验" in panel and "未通过核验" not in panel


def policy_form(page: str, **changes: str) -> dict[str, str]:
    """The policy form as shown, with some inputs changed (``approvals:<rule>`` ...)."""
    import re

    data: dict[str, str] = {}
    for name, value in re.findall(
        r'name="((?:approvals|with_call_back):[^"]+)" value="([^"]*)"', page
    ):
        data[name] = value
    for name in re.findall(r'name="(call_back:[^"]+)" value="1" checked', page):
        data[name] = "1"
    data.update(changes)
    return data


async def test_the_admin_edits_the_policy_and_new_requests_follow_the_edit(
    site: Any, as_user: Any
) -> None:
    from portal.changes.records import REQUEST

    site.people["admin"] = staff_member("u-admin", Role.ADMIN, "Admin")
    page = (await as_user("admin").get("/admin/policy")).text
    assert 'id="policy-version"' in page and "部署配置" in page
    data = policy_form(
        page, **{"approvals:bank_account_change": "3", "reason": "大额付款需三人审批"}
    )
    saved = await as_user("admin").post("/admin/policy", data, form_page="/admin/policy")
    assert saved.status_code == 303, saved.text
    shown = (await as_user("admin").get("/admin/policy")).text
    assert "第 1 版" in shown and "大额付款需三人审批" in shown and "u-admin" not in shown
    assert 'name="approvals:bank_account_change" value="3"' in shown
    assert actions(site)[-1] == "approval_policy.changed"

    bank = await propose_bank_change(site, as_user)
    with site.services.engine.connect() as conn:
        required = conn.execute(
            select(REQUEST.c.approvals_required).where(REQUEST.c.id == bank)
        ).scalar_one()
    assert required == 3  # the rules read the policy in force, not the file


async def test_a_policy_edit_that_does_not_validate_comes_back_with_the_numbers_typed(
    site: Any, as_user: Any
) -> None:
    site.people["admin"] = staff_member("u-admin", Role.ADMIN, "Admin")
    page = (await as_user("admin").get("/admin/policy")).text
    data = policy_form(page, **{"approvals:default": "9", "reason": "试试"})
    again = await as_user("admin").post("/admin/policy", data, form_page="/admin/policy")
    assert again.status_code == 422
    assert 'id="error-approvals:default"' in again.text and "1 至 5" in again.text
    assert 'name="approvals:default" value="9"' in again.text
    no_reason = policy_form(page, **{"approvals:default": "2"})
    refused = await as_user("admin").post("/admin/policy", no_reason, form_page="/admin/policy")
    assert refused.status_code == 422 and 'id="error-reason"' in refused.text
    assert "approval_policy.changed" not in actions(site)


async def test_only_an_admin_person_may_edit_the_policy(site: Any) -> None:
    import pytest

    from portal.audit.log import AuditContext
    from portal.changes.policy_edits import PolicyEditNotAllowedError, RuleEdit, edit_policy

    for who in (staff_member("u-bob", Role.PURCHASING_SUPERVISOR, "Bob"),):
        with pytest.raises(PolicyEditNotAllowedError):
            edit_policy(
                site.services.engine, site.deps.audit, AuditContext(who.subject), who,
                site.deps.policy, {"default": RuleEdit(2, None, False)}, "why",
                now=site.deps.clock(),
            )  # fmt: skip
    assert "approval_policy.changed" not in actions(site)
