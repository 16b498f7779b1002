"""Contracts, invoices and stores imported and matched; the graph and the dashboard on top."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient
from openpyxl import Workbook
from sqlalchemy import Engine, select

from portal.audit.log import AuditContext, AuditLog
from portal.bootstrap import Services, build_collaborators
from portal.dashboard.health import health_report
from portal.db.supplier_store import RowBatch, SupplierStore
from portal.dedup import index_suppliers, sweep
from portal.domain.principal import Role
from portal.domain.supplier import LifecycleState
from portal.domain.uscc_factory import legacy_tax_number
from portal.graph.neighbourhood import supplier_graph
from portal.graph.relations_import import import_relations
from portal.graph.rows import INVOICE
from portal.identity.api_clients import create_client
from portal.web.app import create_app
from portal.web.graph_area import graph_area
from tests.support.suppliers import SupplierFactory

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def audited(store: SupplierStore) -> dict[str, object]:
    """Who imports (invoices are checked against the master record, audited)."""
    return {"audit": AuditLog(store.sealer), "ctx": AuditContext(actor="u-clerk")}


@pytest.fixture
def world(engine: Engine, store: SupplierStore) -> dict[str, object]:
    """Three suppliers: acme, a second one sharing acme's account, and an unrelated one."""
    factory = SupplierFactory(31)
    acme = replace(
        factory.supplier(),
        name="上海示例科技有限公司",
        validated=True,
        term_to=NOW.date() + timedelta(days=20),
    )
    twin = replace(
        factory.supplier(),
        name="杭州另一贸易有限公司",
        bank_accounts=acme.bank_accounts,
        lifecycle_state=LifecycleState.ACTIVE,
    )
    other = replace(factory.supplier(), term_to=NOW.date() + timedelta(days=75))
    batch = RowBatch()
    ids = [store.add_to_batch(batch, s, NOW) for s in (acme, twin, other)]
    with engine.begin() as conn:
        store.insert_batch(conn, batch)
        index_suppliers(conn, ids)
    return {"acme": acme, "twin": twin, "other": other}


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    book.save(path)
    return path


def test_invoices_are_matched_and_master_data_rejections_attributed(
    engine: Engine, store: SupplierStore, world: dict, tmp_path: Path
) -> None:
    acme, other = world["acme"], world["other"]
    rows = [
        [
            "发票代码",
            "发票号码",
            "销售方名称",
            "销售方纳税人识别号",
            "开票日期",
            "价税合计",
            "状态",
            "拒收原因",
        ],
        ["3100", "0001", acme.name, acme.uscc, "2026-11-01", "1,130.00", "已接收", ""],
        [
            "3100",
            "0002",
            "示例科技（上海）有限公司",
            legacy_tax_number(acme.uscc),
            "2026/11/02",
            "226",
            "拒收",
            "购买方税号错误",
        ],
        ["3100", "0003", "上海示例科技", "", "20261103", "10", "拒收", ""],
        ["3100", "0004", other.name, other.uscc, "2026-11-04", "99", "拒收", "价格不符"],
        ["3100", "0005", "查无此公司", "91000000000000000X", "2026-11-05", "5", "", ""],
        ["3100", "", "缺号码", acme.uscc, "", "", "", ""],
    ]
    report = import_relations(
        "invoices", write_csv(tmp_path / "inv.csv", rows), engine=engine, **audited(store)
    )
    assert report.counts == {"rows": 6, "created": 5, "rejected": 1}
    with engine.connect() as conn:
        got = {r.invoice_number: r for r in conn.execute(select(INVOICE))}
    assert got["0001"].supplier_id == acme.id and got["0001"].status == "accepted"
    assert got["0002"].supplier_id == acme.id and got["0002"].rejection_cause == "master_data"
    assert got["0003"].supplier_id == acme.id and got["0003"].rejection_cause == "master_data"
    assert got["0004"].rejection_cause == "other"
    assert got["0005"].supplier_id is None
    again = import_relations(
        "invoices", write_csv(tmp_path / "inv.csv", rows), engine=engine, **audited(store)
    )
    assert again.counts["updated"] == 5
    with engine.connect() as conn:
        report_now = health_report(conn, today=NOW.date(), now=NOW)
    assert report_now.invoices.rejected == 3
    assert report_now.invoices.caused_by_master_data == 2


def test_contracts_and_stores_import_and_show_in_the_graph(
    engine: Engine, store: SupplierStore, world: dict, tmp_path: Path
) -> None:
    acme, twin = world["acme"], world["twin"]
    contracts = [
        ["合同编号", "合同名称", "统一社会信用代码", "到期日期", "合同金额"],
        ["HT-001", "框架协议", acme.uscc, date(2027, 6, 30), 100000],
        ["HT-002", "补充协议", "", "2027-01-01", ""],
    ]
    report = import_relations(
        "contracts", write_xlsx(tmp_path / "c.xlsx", contracts), engine=engine, **audited(store)
    )
    assert report.counts == {"rows": 2, "created": 1, "rejected": 1}
    stores = [
        ["门店编码", "门店名称", "地址", "供应商信用代码"],
        ["SH01", "一号店", "上海", f"{acme.uscc};{twin.uscc}"],
    ]
    import_relations(
        "stores", write_csv(tmp_path / "s.csv", stores), engine=engine, **audited(store)
    )
    with engine.connect() as conn:
        graph = supplier_graph(conn, store.sealer, acme.id or "").as_dict()
    kinds = {n["kind"] for n in graph["nodes"]}
    assert {"supplier", "contract", "store", "bank_account", "contact"} <= kinds
    ties = {(e["kind"], e["target"]) for e in graph["edges"]}
    assert ("shares_account", f"supplier:{twin.id}") in ties
    assert ("supplies", f"supplier:{twin.id}") in ties
    account = next(n for n in graph["nodes"] if n["kind"] == "bank_account")
    assert "****" in account["label"]
    assert acme.bank_accounts[0].account_number not in str(graph)


def test_dashboard_counts_verified_share_expiring_licences_and_duplicates(
    engine: Engine, world: dict
) -> None:
    sweep(engine)
    with engine.connect() as conn:
        report = health_report(conn, today=NOW.date(), now=NOW).as_dict()
    assert report["active_suppliers"] == 3 and report["verified_active"] == 1
    assert report["verified_share"] == pytest.approx(1 / 3, abs=1e-3)
    assert report["expiring_licences"] == {"30d": 1, "60d": 1, "90d": 2, "expired": 0}
    assert report["open_duplicates"] == 1
    assert report["sweep"]["state"] == "done"
    assert "available" in report["change_requests"]


@pytest.fixture
def client(services: Services, world: dict) -> Iterator[TestClient]:  # type: ignore[type-arg]
    collaborators = build_collaborators(services)
    app = create_app(collaborators, route_handlers=graph_area(collaborators).route_handlers)
    with TestClient(app=app) as test_client:
        yield test_client


def _token(services: Services, role: Role) -> dict[str, str]:
    token = create_client(services.engine, f"t-{role}", role, can_reveal=False, now=NOW)
    return {"Authorization": f"Bearer {token}"}


def test_graph_api_page_and_dashboard_for_staff(
    client: TestClient,
    services: Services,
    world: dict,  # type: ignore[type-arg]
) -> None:
    acme = world["acme"]
    headers = _token(services, Role.PURCHASING_CLERK)
    assert client.get(f"/api/v1/suppliers/{acme.id}/graph").status_code == 401
    graph = client.get(f"/api/v1/suppliers/{acme.id}/graph", headers=headers)
    assert graph.status_code == 200 and graph.json()["center"] == f"supplier:{acme.id}"
    assert client.get("/api/v1/suppliers/nobody/graph", headers=headers).status_code == 404
    page = client.get(f"/staff/suppliers/{acme.id}/graph", headers=headers)
    assert page.status_code == 200 and "<svg" in page.text and "cdn" not in page.text.lower()
    health = client.get("/api/v1/data-health", headers=headers).json()
    assert health["active_suppliers"] == 3
    assert client.get("/staff/data-health", headers=headers).status_code == 200


def test_relations_api_creates_and_lists_and_decisions_need_a_supervisor(
    client: TestClient,
    services: Services,
    world: dict,  # type: ignore[type-arg]
) -> None:
    acme, twin = world["acme"], world["twin"]
    clerk = _token(services, Role.PURCHASING_CLERK)
    body = {"contract_number": "HT-9", "title": "年度采购", "supplier_uscc": acme.uscc}
    created = client.post("/api/v1/contracts/", json=body, headers=clerk)
    assert created.status_code == 201 and created.json()["supplier_id"] == acme.id
    listed = client.get("/api/v1/contracts/", params={"supplier_id": acme.id}, headers=clerk)
    assert [c["contract_number"] for c in listed.json()["items"]] == ["HT-9"]
    decision = {"a_id": acme.id, "b_id": twin.id}
    refused = client.post("/api/v1/duplicates/not-the-same", json=decision, headers=clerk)
    assert refused.status_code == 403
    boss = _token(services, Role.PURCHASING_SUPERVISOR)
    done = client.post("/api/v1/duplicates/not-the-same", json=decision, headers=boss)
    assert done.status_code == 201, done.text
    assert client.get("/api/v1/duplicates", headers=boss).json() == {"items": []}
