"""Demo suppliers, built from the registry's demo data set (fictional companies).

A few are entered the way real supplier lists get them wrong (a name typed
short, an outdated legal representative), so the verification panel has
something to show; all go through the normal registration path.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from portal.core import Services
from portal.dedup import sweep
from portal.domain.amounts import parse_capital
from portal.domain.findings import Finding
from portal.domain.supplier import (
    BankAccount,
    Contact,
    InvoicingProfile,
    LifecycleState,
    RegistryStatus,
    Supplier,
    TaxpayerQualification,
    TaxStatus,
)
from portal.domain.uscc_factory import make_uscc
from portal.graph.matching import SupplierMatcher
from portal.graph.rows import (
    upsert_contract,
    upsert_invoice,
    upsert_store,
)
from portal.onboarding.registration import Outcome, register_suppliers
from portal.verification.verify import verify_after_write
from portal.verification.wiring import VerificationWiring

DEMO_DATA = Path(__file__).resolve().parents[2] / "providers" / "demo_data.json"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平")
#: Deliberate defects, by position in the demo data: (kind, detail).
DEFECTS: dict[int, tuple[str, str]] = {
    0: ("short_name", ""),  # 上海澜川智能科技 (有限公司 dropped)
    1: ("legal_rep", "周立新"),  # the registry has another legal representative now
    2: ("short_name", ""),
}


def _status(text: str) -> RegistryStatus:
    for status in RegistryStatus:
        if text.startswith(status.value):
            return status
    return RegistryStatus.UNKNOWN


def load_companies(path: Path = DEMO_DATA) -> list[dict[str, Any]]:
    """The fictional companies of the demo data set."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    companies: list[dict[str, Any]] = data["companies"]
    return companies


def demo_supplier(index: int, company: dict[str, Any], rng: random.Random) -> Supplier:
    """A supplier as the customer's old list would have had it."""
    name = company["name"]
    legal_rep = company["legal_representative"]
    defect = DEFECTS.get(index)
    if defect and defect[0] == "short_name":
        name = name.removesuffix("股份有限公司").removesuffix("有限公司")
    if defect and defect[0] == "legal_rep":
        legal_rep = defect[1]
    status = _status(company["status"])
    invoicing = company["invoicing"]
    tax = company["tax"]
    contact_name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN))
    phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    clean = defect is None and status is RegistryStatus.ACTIVE and tax["status"] == "正常"
    return Supplier(
        uscc=company["uscc"],
        name=name,
        entity_type=company.get("entity_type"),
        legal_representative=legal_rep,
        registered_capital=parse_capital(company["registered_capital"]),
        established_on=date.fromisoformat(company["established_on"]),
        term_from=date.fromisoformat(company["term_from"]) if company.get("term_from") else None,
        term_to=date.fromisoformat(company["term_to"]) if company.get("term_to") else None,
        address=company["address"],
        business_scope=company["business_scope"],
        registration_authority=company["registration_authority"],
        registry_status=status,
        taxpayer_qualification=TaxpayerQualification(tax["qualification"]),
        tax_status=TaxStatus.ABNORMAL if tax["status"] == "非正常户" else TaxStatus.NORMAL,
        lifecycle_state=LifecycleState.ACTIVE if not status.is_inactive else LifecycleState.BLOCKED,
        aliases=tuple(company.get("former_names") or ()),
        bank_accounts=(
            BankAccount(
                bank_name=invoicing["bank"],
                account_number=invoicing["account"],
                holder_name=company["name"],
                is_default=True,
                purpose="货款",
            ),
        ),
        invoicing_profile=InvoicingProfile(
            title=invoicing["title"],
            tax_number=invoicing["tax_number"],
            address=invoicing["address"],
            phone=invoicing["phone"],
            bank_name=invoicing["bank"],
            account_number=invoicing["account"],
        ),
        contacts=(
            Contact(
                name=contact_name,
                role="销售经理",
                phone=phone,
                email=f"sales{index:02d}@example.cn",
            ),
        ),
        validated=clean,
    )


def _seed_duplicate(
    services: Services, companies: list[dict[str, Any]], rng: random.Random
) -> list[str]:
    """一供多户 as it happens: the first company entered again under another credit code,
    with its name written the other way round and paid into the same account."""
    first = companies[0]
    name = "澜川智能科技（上海）有限公司"
    twin = Supplier(
        uscc=make_uscc(rng, region="310115"), name=name,
        legal_representative=first["legal_representative"], address=first["address"],
        bank_accounts=(BankAccount(bank_name=first["invoicing"]["bank"],
                                   account_number=first["invoicing"]["account"],
                                   holder_name=name, purpose="货款"),),
        lifecycle_state=LifecycleState.ACTIVE,
    )  # fmt: skip
    [outcome] = register_suppliers(
        services.engine, services.suppliers, [(0, twin, [])], now=datetime.now(UTC)
    )
    return [outcome.supplier_id] if outcome.supplier_id else []


def _seed_relations(services: Services, companies: list[dict[str, Any]]) -> None:
    """Contracts, invoices (two rejected because the supplier's data was wrong) and stores."""
    with services.engine.begin() as conn:
        matcher = SupplierMatcher(conn)
        for i, company in enumerate(companies[:12]):
            code = company["uscc"]
            upsert_contract(conn, matcher, {
                "contract_number": f"HT-2026-{i + 1:03d}", "title": "年度采购框架协议",
                "supplier_uscc": code, "signed_on": "2026-01-05", "valid_from": "2026-01-05",
                "valid_to": "2026-12-31", "amount": str(200_000 + 37_000 * i),
            })  # fmt: skip
            for n in range(2):
                rejected = i in (0, 2) and n == 0
                upsert_invoice(conn, matcher, {
                    "invoice_code": "031002600111", "invoice_number": f"{i:04d}{n:04d}",
                    "seller_name": company["name"], "seller_tax_number": code,
                    "issued_on": f"2026-{10 + n}-{10 + i:02d}", "amount": str(11_300 + 1_000 * i),
                    "status": "rejected" if rejected else "accepted",
                    "rejection_reason": "购买方信息与销售方开票信息不符：销售方名称不完整"
                    if rejected else None,
                    "rejection_cause": "master_data" if rejected else None,
                })  # fmt: skip
        stores = (("SH-001", "上海浦东仓", 0, 4), ("BJ-001", "北京顺义仓", 1, 6),
                  ("SZ-001", "深圳南山门店", 2, 9))  # fmt: skip
        for code, store_name, a, b in stores:
            upsert_store(conn, matcher, {
                "code": code, "name": store_name,
                "supplier_uscc": ";".join(companies[k]["uscc"] for k in (a, b)),
            })  # fmt: skip


def seed_demo(
    services: Services, *, path: Path = DEMO_DATA, wiring: VerificationWiring | None = None
) -> list[Outcome]:
    """Register the demo suppliers (idempotent: existing ones are left alone), then verify
    them against the demo registry so the verification panel has states to show."""
    rng = random.Random(20261126)
    candidates: list[tuple[int, Supplier, list[Finding]]] = [
        (i, demo_supplier(i, company, rng), []) for i, company in enumerate(load_companies(path))
    ]
    outcomes = register_suppliers(
        services.engine, services.suppliers, candidates, now=datetime.now(UTC)
    )
    companies = load_companies(path)
    extra: list[str] = []
    if any(o.status.value == "created" for o in outcomes):
        extra = _seed_duplicate(services, companies, rng)
        _seed_relations(services, companies)
        sweep(services.engine)  # files the open duplicates the dashboard shows
    ids = [o.supplier_id for o in outcomes if o.supplier_id] + extra
    verify_after_write(services, ids, reason="demo", wiring=wiring)
    return outcomes
