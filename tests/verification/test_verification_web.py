"""The panel, its JSON twin, auto-fill and the confirmation link, over HTTP with the demo data."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.connection import ASGIConnection
from litestar.testing import TestClient

from portal.bootstrap import Services, build_collaborators
from portal.demo.seed import load_companies
from portal.domain.principal import Principal, Role
from portal.identity.api_clients import create_client
from portal.notifications.outbox import recent
from portal.verification import confirmations, schedule
from portal.verification.wiring import (
    VerificationSettings,
    VerificationWiring,
    build_verification,
)
from portal.web.app import create_app
from portal.web.verification_area import verification_area
from registry.adapters.demo import DemoBusinessRegistry
from registry.testing import FIXED_NOW, TestClock
from tax_bureau.adapters.demo import DemoTaxBureau
from tests.verification.conftest import days, store_suppliers, typed

Client = TestClient  # type: ignore[type-arg]


def demo_wiring(clock: TestClock) -> VerificationWiring:
    return VerificationWiring.fixed(
        DemoBusinessRegistry(clock=clock), DemoTaxBureau(clock=clock),
        VerificationSettings(mode="demo"), clock=clock,
    )  # fmt: skip


def session_user(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """Stands in for the browser session of a logged-in person (the auth area's resolver)."""
    role = connection.headers.get("x-test-role")
    supplier_id = connection.headers.get("x-test-supplier")
    return (
        Principal(subject=f"test-{role}", role=Role(role), supplier_id=supplier_id)
        if role
        else None
    )


def app_client(services: Services, wiring: VerificationWiring) -> Client:
    part = verification_area(services, wiring=wiring)
    app = create_app(
        build_collaborators(services, verification=wiring),
        resolvers=[session_user],
        route_handlers=part.route_handlers,
        state=part.state,
        on_startup=part.on_startup,
        on_shutdown=part.on_shutdown,
    )
    return TestClient(app=app)


@pytest.fixture
def clock() -> TestClock:
    return TestClock(FIXED_NOW)


@pytest.fixture
def client(services: Services, clock: TestClock) -> Iterator[Client]:
    with app_client(services, demo_wiring(clock)) as test_client:
        yield test_client


def bearer(services: Services, role: Role) -> dict[str, str]:
    token = create_client(
        services.engine, f"test-{role.value}", role, can_reveal=False, now=FIXED_NOW
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def demo_suppliers(services: Services, clock: TestClock) -> dict[str, str]:
    """The demo suppliers as seeded (with their deliberate defects), verified once: name -> id."""
    from portal.demo.seed import seed_demo

    seed_demo(services, wiring=demo_wiring(clock))
    with services.engine.connect() as conn:
        return {
            c["name"]: services.suppliers.get_by_uscc(conn, c["uscc"]).id  # type: ignore[union-attr,misc]
            for c in load_companies()
        }


def codes(view: dict[str, Any]) -> set[str]:
    return {f["code"] for f in view["findings"]}


def test_autofill_returns_the_demo_company_marked_with_its_source(
    services: Services, client: Client
) -> None:
    uscc = "91310115MAFE1KM15M"
    from datetime import UTC, datetime

    from portal.domain.supplier import Supplier
    from portal.onboarding.registration import register_suppliers

    own, other = register_suppliers(
        services.engine,
        services.suppliers,
        [(0, Supplier(uscc=uscc, name="上海澜川智能科技"), []),
         (1, Supplier(uscc="91110108315964859B", name="北京启衡数据服务有限公司"), [])],
        now=datetime.now(UTC),
    )  # fmt: skip
    assert own.supplier_id and other.supplier_id
    as_own = {"x-test-role": "supplier", "x-test-supplier": own.supplier_id}
    as_other = {"x-test-role": "supplier", "x-test-supplier": other.supplier_id}
    # A supplier user fills in their own company only (every lookup is paid).
    assert client.get(f"/api/v1/autofill/{uscc}", headers=as_other).status_code == 403
    response = client.get(f"/api/v1/autofill/{uscc}", headers=as_own)

    assert response.status_code == 200, response.text
    fields = response.json()["fields"]
    assert fields["name"]["value"] == "上海澜川智能科技有限公司"
    assert fields["name"]["source"] == "registry" and fields["name"]["provider"] == "demo"
    assert fields["legal_representative"]["value"] == "陈思远"
    assert fields["address"]["fetched_at"].startswith("2026-11-26")
    assert fields["invoicing.title"]["source"] == "tax_bureau"
    assert fields["invoicing.tax_number"]["value"] == uscc


def test_autofill_is_refused_without_login(client: Client) -> None:
    assert client.get("/api/v1/autofill/91310115MAFE1KM15M").status_code == 401


def test_autofill_of_an_unknown_company_is_not_found_and_a_typo_is_unprocessable(
    services: Services, client: Client
) -> None:
    headers = bearer(services, Role.PURCHASING_CLERK)
    assert client.get("/api/v1/autofill/91310115MA1H7GX00T", headers=headers).status_code in (
        404,
        422,
    )
    typo = client.get("/api/v1/autofill/91310115MAFE1KM15A", headers=headers)
    assert typo.status_code == 422 and typo.json()["error"]["retryable"] is False


def test_autofill_says_when_verification_is_not_configured(services: Services) -> None:
    with app_client(services, build_verification(VerificationSettings(mode="off"))) as c:
        response = c.get("/api/v1/autofill/91310115MAFE1KM15M",
                         headers=bearer(services, Role.ADMIN))  # fmt: skip
    assert response.status_code == 503 and "not configured" in response.json()["error"]["message"]


def test_the_panel_shows_per_field_states_of_a_demo_supplier(
    services: Services, client: Client, demo_suppliers: dict[str, str]
) -> None:
    sid = demo_suppliers["上海澜川智能科技有限公司"]
    page = client.get(f"/staff/suppliers/{sid}/verification",
                      headers=bearer(services, Role.AUDITOR))  # fmt: skip

    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-page="verification-panel"' in html and "企业名称" in html
    assert re.search(r'data-field="name">.*?data-state="mismatch"', html, re.S)
    assert re.search(r'data-field="uscc">.*?data-state="verified"', html, re.S)
    assert 'data-code="name.truncated"' in html and "DEMO" in html  # the provider's request id
    assert 'id="verify-now"' not in html  # auditors read only
    shown = re.sub(r"<[^>]+>", " ", html)  # what a person reads, without the markup
    # the finding in words: no rule code, severity, source or evidence key as the program names it
    assert "name.truncated" not in shown and "warning" not in shown and "provider" not in shown
    assert "工商登记" in shown and "数据源" in shown
    assert "validated" not in shown and "findings" not in shown  # the runs' outcomes in words


def test_the_demo_suppliers_show_their_defects(
    services: Services, client: Client, demo_suppliers: dict[str, str]
) -> None:
    headers = bearer(services, Role.PURCHASING_SUPERVISOR)

    def view(name: str) -> dict[str, Any]:
        response = client.get(f"/api/v1/suppliers/{demo_suppliers[name]}/verification",
                              headers=headers)  # fmt: skip
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    assert codes(view("上海澜川智能科技有限公司")) == {"name.truncated"}
    assert codes(view("北京启衡数据服务有限公司")) == {"legal_rep.mismatch"}
    assert "licence.expiring" in codes(view("深圳市鹏远电子元件有限公司"))
    assert "status.inactive" in codes(view("武汉楚联建材贸易有限公司"))
    assert "status.inactive" in codes(view("青岛海岱食品有限公司"))
    assert codes(view("重庆山城汽车配件有限公司")) == {"tax.abnormal"}
    clean = view("成都蜀信物流有限公司")
    assert clean["supplier"]["validated"] and clean["findings"] == []
    assert {f["state"] for f in clean["fields"]} == {"verified"}


def test_verify_now_runs_a_verification_and_english_is_available(
    services: Services, client: Client, demo_suppliers: dict[str, str], clock: TestClock
) -> None:
    sid = demo_suppliers["北京启衡数据服务有限公司"]
    headers = bearer(services, Role.PURCHASING_CLERK)

    clock.advance(minutes=5)
    response = client.post(f"/api/v1/suppliers/{sid}/verification", headers=headers)
    assert response.status_code == 200
    assert [r["trigger"] for r in response.json()["runs"]] == ["manual", "demo"]

    client.cookies.set("lang", "en")
    page = client.get(f"/staff/suppliers/{sid}/verification", headers=headers)
    assert "Legal representative" in page.text and 'id="verify-now"' in page.text


def test_the_panel_refuses_suppliers_and_anonymous_callers(
    services: Services, client: Client, demo_suppliers: dict[str, str]
) -> None:
    sid = demo_suppliers["北京启衡数据服务有限公司"]
    url = f"/staff/suppliers/{sid}/verification"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"x-test-role": "supplier"}).status_code == 403
    assert client.get("/api/v1/suppliers/nope/verification",
                      headers=bearer(services, Role.ADMIN)).status_code == 404  # fmt: skip


def test_the_confirmation_link_shows_the_data_and_records_the_confirmation(
    services: Services, client: Client, clock: TestClock
) -> None:
    store_suppliers(services, typed(), now=clock() - days(400))
    confirmations.send_confirmation_requests(services.engine, VerificationSettings(mode="demo"),
                                          sealer=services.sealer, now=clock())  # fmt: skip
    with services.engine.connect() as conn:
        [message] = recent(conn, sealer=services.sealer)
    match = re.search(r"/confirm/([0-9a-f-]+)\?token=([\w-]+)", message.body)
    assert match
    url = f"/confirm/{match.group(1)}"

    page = client.get(url, params={"token": match.group(2)})
    assert page.status_code == 200 and "上海澜川智能科技有限公司" in page.text
    done = client.post(url, data={"token": match.group(2)})
    assert done.status_code == 200 and "感谢确认" in done.text
    again = client.post(url, data={"token": match.group(2)})
    assert again.status_code == 410
    assert client.get(url, params={"token": "forged"}).status_code == 410


def test_the_demo_app_runs_monitoring_passes_in_process_and_stops_them_on_shutdown(
    services: Services, clock: TestClock
) -> None:
    store_suppliers(services, typed())
    wiring = demo_wiring(clock)
    wiring.settings = VerificationSettings(mode="demo", in_process_minutes=1)
    part = verification_area(services, wiring=wiring)
    runtime = part.state["verification"]

    with TestClient(app=create_app(build_collaborators(services), route_handlers=part.route_handlers,
                                   state=part.state, on_startup=part.on_startup,
                                   on_shutdown=part.on_shutdown)):  # fmt: skip
        for _ in range(100):
            if runtime.periodic is not None and runtime.periodic.passes:
                break
            time.sleep(0.05)
        assert runtime.periodic is not None and runtime.periodic.passes == 1
        periodic = runtime.periodic
    assert not periodic.running and runtime.opened is None
    with services.engine.connect() as conn:
        assert schedule.due_suppliers(conn, clock(), 10) == []  # the pass verified it
