"""The administrator's webhook screen: add (secret shown once), log by supplier name, replay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.domain.principal import Principal, Role
from portal.webhooks import WebhookWorker
from portal.webhooks.subscriptions import SUBSCRIPTION

FORM = "/admin/webhooks"


def _admin(site: Any) -> None:
    site.people["admin"] = Principal("u-admin", Role.ADMIN, "管理员")


async def test_the_admin_adds_a_subscription_and_sees_its_secret_only_once(
    site: Any, as_user: Any
) -> None:
    _admin(site)
    added = await as_user("admin").post(
        FORM, {"name": "金蝶云星空", "url": "https://erp.example.com/hook",
               "event_types": ["supplier.changed", "supplier.created"]}, form_page=FORM,
    )  # fmt: skip
    assert added.status_code == 200, added.text
    assert "签名密钥（仅显示一次）" in added.text and "whsec_" in added.text
    assert added.headers["cache-control"] == "no-store"
    secret = added.text.split('id="webhook-secret"')[1].split(">")[1].split("<")[0]
    listed = await as_user("admin").get(FORM)
    assert "金蝶云星空" in listed.text and "资料变更" in listed.text and secret not in listed.text
    with site.services.engine.connect() as conn:
        assert secret not in conn.execute(select(SUBSCRIPTION.c.secret)).scalar_one()


async def test_a_bad_url_comes_back_with_the_reason_in_chinese_and_english(
    site: Any, as_user: Any
) -> None:
    _admin(site)
    refused = await as_user("admin").post(
        FORM, {"name": "u8", "url": "http://erp.example.com/hook"}, form_page=FORM
    )
    assert refused.status_code == 422
    assert "URL 须使用 https" in refused.text and "must use https" in refused.text


async def test_only_the_admin_sees_the_screen(site: Any, as_user: Any) -> None:
    assert (await as_user("alice").get(FORM)).status_code == 403
    assert (await as_user("finance").get(FORM)).status_code == 403


async def test_the_log_names_the_supplier_and_a_dead_letter_can_be_replayed(
    site: Any, as_user: Any, tmp_path: Any
) -> None:
    import httpx

    from portal.feed import EventType, PendingEvent, record_events
    from tests.webhooks.test_kill_and_restart import _free_port

    _admin(site)
    await as_user("admin").post(
        FORM, {"name": "sap", "url": f"http://127.0.0.1:{_free_port()}/hook"}, form_page=FORM
    )
    engine, store = site.services.engine, site.services.suppliers
    with engine.begin() as conn:
        record_events(conn, store, [PendingEvent(EventType.CHANGED, site.a.id)],
                      now=site.deps.clock(), audited=False)  # fmt: skip
    with httpx.Client(timeout=2.0) as http:
        WebhookWorker(engine, store.sealer, http, max_attempts=1).run_once()  # nobody listens
    log = await as_user("admin").get(f"{FORM}?log=sap")
    assert site.a.name in log.text and "转为死信" in log.text and site.a.id not in log.text
    replayed = await as_user("admin").post(f"{FORM}/sap/replay", form_page=FORM)
    assert replayed.status_code == 303
    after = await as_user("admin").get(f"{FORM}?log=sap")
    assert "待发送" in after.text


async def test_the_admin_chooses_an_erp_mapping_by_its_name_and_a_broken_file_is_explained(
    site: Any, as_user: Any
) -> None:
    _admin(site)
    await as_user("admin").post(
        FORM, {"name": "sap", "url": "https://erp.example.com/hook"}, form_page=FORM
    )
    listed = await as_user("admin").get(FORM)
    assert "SAP business partner (A_BusinessPartner / A_Supplier)" in listed.text
    assert "不映射（变更流原始 JSON）" in listed.text
    chosen = await as_user("admin").post(
        f"{FORM}/sap/profile", {"profile": "sap-business-partner"}, form_page=FORM
    )
    assert chosen.status_code in (200, 303), chosen.text
    with site.services.engine.connect() as conn:
        assert conn.execute(select(SUBSCRIPTION.c.profile)).scalar_one() == "sap-business-partner"
    refused = await as_user("admin").post(f"{FORM}/sap/profile", {"profile": "odoo"},
                                          form_page=FORM)  # fmt: skip
    assert refused.status_code == 404 and "没有名为 &#39;odoo&#39; 的 ERP 映射" in refused.text
    own = site.services.settings.data_dir / "erp_profiles"
    own.mkdir(parents=True, exist_ok=True)
    (own / "ours.toml").write_text('[profile]\nname = "ours"\n[supplier]\nVendor = "nmae"\n')
    broken = await as_user("admin").get(FORM)
    assert "ERP 映射文件有误" in broken.text and "ours.toml 第 4 行" in broken.text
