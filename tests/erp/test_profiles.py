"""ERP profiles as a customer meets them: the shipped files load and map a supplier as each ERP
names its fields, a broken copy is refused with its file and line, and a profile shapes the
finance export and a subscription's webhook deliveries."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.bootstrap import Services
from portal.domain.principal import Principal, Role
from portal.domain.supplier import BankAccount, Contact, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.erp import SHIPPED, ProfileError, ProfileNotFoundError, load_profiles, parse_profile
from portal.identity.api_clients import create_client
from portal.onboarding.registration import register_suppliers
from portal.webhooks import WebhookWorker, add_subscription, set_profile
from tests.api.conftest import site_app

ADMIN = Principal("u-admin", Role.ADMIN)
CTX = AuditContext(actor="u-admin", actor_role="admin")
CODE = make_uscc(5150)
NAME = "常州示例精密机械有限公司"
SUPPLIER = Supplier(
    uscc=CODE,
    name=NAME,
    address="常州市武进区示例路8号",
    bank_accounts=(
        BankAccount(
            bank_name="江苏银行常州分行", account_number="6228480011112222", holder_name=NAME
        ),
    ),
    contacts=(Contact(name="钱经理", phone="13912340000"),),
)


def _view() -> dict[str, object]:
    return {
        "uscc": CODE, "name": NAME, "lifecycle_state": "blocked", "address": "常州",
        "registered_capital": {"amount": "5000000", "currency": "CNY"},
        "bank_accounts": [
            {"bank_name": "江苏银行", "account_number": "****2222", "holder_name": NAME,
             "cnaps_code": "313304000011", "is_default": True, "retired": False},
            {"bank_name": "旧账户", "account_number": "****0000", "retired": True},
        ],
        "contacts": [{"name": "钱经理", "phone": "139****0000"}],
    }  # fmt: skip


def test_the_shipped_profiles_map_a_supplier_as_each_erp_names_its_fields() -> None:
    profiles = load_profiles(SHIPPED)
    assert set(profiles) == {"kingdee-k3cloud", "yonyou-u8", "sap-business-partner"}
    kingdee = profiles["kingdee-k3cloud"].record(_view())
    assert kingdee["FBaseInfo"]["FSOCIALCRECODE"] == CODE and kingdee["FForbidStatus"] == "B"
    assert kingdee["FBaseInfo"]["FRegisterFund"] == "5000000"
    assert [a["FBankCode"] for a in kingdee["FBankInfo"]] == ["****2222"]  # retired: not sent
    u8 = profiles["yonyou-u8"].record(_view())
    assert (u8["tax_reg_code"], u8["bank_open"], u8["mobile"]) == (CODE, "江苏银行", "139****0000")
    sap = profiles["sap-business-partner"].record(_view())
    assert sap["BusinessPartnerIsBlocked"] is True and sap["to_Supplier"]["TaxNumber5"] == CODE
    assert sap["to_BusinessPartnerBank"][0]["BankNumber"] == "313304000011"


def test_a_supplier_abroad_is_sent_under_its_own_tax_number_where_the_erp_wants_a_code() -> None:
    profiles = load_profiles(SHIPPED)
    abroad = {**_view(), "uscc": None, "foreign_tax_id": "DE811907980"}
    kingdee = profiles["kingdee-k3cloud"].record(abroad)
    assert kingdee["FNumber"] == "DE811907980" and kingdee["FBaseInfo"]["FSOCIALCRECODE"] is None
    assert profiles["yonyou-u8"].record(abroad)["code"] == "DE811907980"
    assert profiles["sap-business-partner"].record(abroad)["SearchTerm1"] == "DE811907980"
    assert profiles["yonyou-u8"].record(_view())["code"] == CODE  # the credit code comes first


def test_a_list_of_sources_takes_the_first_with_a_value_and_names_an_unknown_one() -> None:
    text = '[profile]\nname = "x"\n\n[supplier]\nCode = ["uscc", "foreign_tax_id"]\n'
    profile = parse_profile(text, "x.toml")
    assert profile.record({"uscc": "", "foreign_tax_id": "GB123456789"}) == {"Code": "GB123456789"}
    assert profile.record({"uscc": None}) == {"Code": None}
    with pytest.raises(ProfileError, match=r"^x.toml, line 5: unknown field 'vat'"):
        parse_profile(text.replace('"foreign_tax_id"', '"vat"'), "x.toml")
    with pytest.raises(ProfileError, match=r"line 5: Code: source is our field's name or a list"):
        parse_profile(text.replace('["uscc", "foreign_tax_id"]', "[]"), "x.toml")


def test_a_field_we_do_not_have_is_refused_with_the_file_and_its_line() -> None:
    text = (SHIPPED / "yonyou_u8.toml").read_text(encoding="utf-8")
    broken = text.replace('legal_man = "legal_representative"', 'legal_man = "legal_rep"')
    line = broken.splitlines().index(next(x for x in broken.splitlines() if 'legal_rep"' in x))
    with pytest.raises(ProfileError) as refused:
        parse_profile(broken, "our_u8.toml")
    assert str(refused.value).startswith(f"our_u8.toml, line {line + 1}: unknown field 'legal_rep'")
    assert "legal_representative" in str(refused.value)  # the known names are listed
    assert refused.value.message_zh.startswith(f"our_u8.toml 第 {line + 1} 行")


def test_broken_toml_and_a_rule_with_both_source_and_value_name_their_line() -> None:
    with pytest.raises(ProfileError, match=r"^x.toml, line 3: not valid TOML"):
        parse_profile('[profile]\nname = "x"\nFName = \n', "x.toml")
    rule = '[profile]\nname = "x"\n\n[supplier]\nFName = { source = "name", value = "y" }\n'
    with pytest.raises(ProfileError, match=r"^x.toml, line 5: FName: a rule has either"):
        parse_profile(rule, "x.toml")


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:  # type: ignore[type-arg]
    register_suppliers(services.engine, services.suppliers, [(0, SUPPLIER, [])],
                       now=datetime.now(UTC))  # fmt: skip
    with TestClient(app=site_app(services)) as test_client:
        yield test_client


def _rows(answer: httpx.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_the_export_speaks_the_erps_field_names_and_a_broken_copy_is_a_clear_422(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    token = create_client(services.engine, "erp", Role.FINANCE, can_reveal=False,
                          now=datetime.now(UTC))  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    path = "/api/v1/suppliers/export.csv?validated=false&profile="
    [row] = _rows(client.get(path + "kingdee-k3cloud", headers=headers))
    assert (row["FName"], row["FBaseInfo.FSOCIALCRECODE"]) == (NAME, CODE)
    assert row["FBankInfo.FOpenBankName"] == "江苏银行常州分行"
    assert row["FBankInfo.FBankCode"] == "6228 **** **** 2222"  # masked, as the export is
    with services.engine.connect() as conn:
        audited = conn.execute(select(ENTRY.c.after).where(ENTRY.c.action == "data.exported"))
        assert json.loads(audited.scalar_one())["profile"] == "kingdee-k3cloud"
    missing = client.get(path + "odoo", headers=headers)
    assert missing.status_code == 404 and "kingdee-k3cloud" in missing.json()["error"]["message"]

    own = services.settings.data_dir / "erp_profiles"
    own.mkdir(parents=True)
    (own / "ours.toml").write_text('[profile]\nname = "ours"\n[supplier]\nVendor = "nmae"\n')
    broken = client.get(path + "ours", headers=headers)
    assert broken.status_code == 422
    assert broken.json()["error"]["message"].startswith("ours.toml, line 4: unknown field 'nmae'")


def test_a_subscription_with_a_profile_receives_the_event_in_the_erps_shape(
    services: Services,
) -> None:
    add_subscription(services.engine, services.sealer, AuditLog(services.sealer), CTX, ADMIN,
                     name="sap", url="https://erp.example.com/hook", event_types=["*"],
                     now=datetime.now(UTC))  # fmt: skip
    profiles = load_profiles(SHIPPED)
    with pytest.raises(ProfileNotFoundError):
        set_profile(services.engine, AuditLog(services.sealer), CTX, ADMIN, "sap", "odoo",
                    profiles=profiles, now=datetime.now(UTC))  # fmt: skip
    set_profile(services.engine, AuditLog(services.sealer), CTX, ADMIN, "sap",
                "sap-business-partner", profiles=profiles, now=datetime.now(UTC))  # fmt: skip
    register_suppliers(services.engine, services.suppliers, [(0, SUPPLIER, [])],
                       now=datetime.now(UTC))  # fmt: skip
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    with httpx.Client(transport=transport) as http:
        worker = WebhookWorker(services.engine, services.sealer, http, backoff=timedelta(0))
        assert worker.run_once().delivered == 1
    [request] = sent
    body = json.loads(request.content)
    assert request.headers["x-portal-profile"] == "sap-business-partner"
    assert (body["profile"], body["event"]["type"]) == ("sap-business-partner", "supplier.created")
    partner = body["A_BusinessPartner"]
    assert (partner["BusinessPartnerFullName"], partner["to_Supplier"]["TaxNumber5"]) == (
        NAME,
        CODE,
    )
    assert partner["to_BusinessPartnerBank"][0]["BankAccount"].endswith("2222")
    assert "6228480011112222" not in request.content.decode()  # a profile never reveals
    with services.engine.connect() as conn:
        actions = list(conn.scalars(select(ENTRY.c.action)))
    assert actions.count("webhook.profile_set") == 1  # the refused one wrote nothing


def test_a_broken_profile_file_holds_the_delivery_with_the_reason_until_it_is_fixed(
    services: Services, tmp_path: Path
) -> None:
    add_subscription(services.engine, services.sealer, AuditLog(services.sealer), CTX, ADMIN,
                     name="u8", url="https://erp.example.com/hook", event_types=["*"],
                     now=datetime.now(UTC))  # fmt: skip
    set_profile(services.engine, AuditLog(services.sealer), CTX, ADMIN, "u8", "yonyou-u8",
                profiles=load_profiles(SHIPPED), now=datetime.now(UTC))  # fmt: skip
    register_suppliers(services.engine, services.suppliers, [(0, SUPPLIER, [])],
                       now=datetime.now(UTC))  # fmt: skip
    own = tmp_path / "erp_profiles"
    own.mkdir()
    (own / "u8.toml").write_text('[profile]\nname = "yonyou-u8"\n[supplier]\ncode = "ucsc"\n')
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    with httpx.Client(transport=transport) as http:
        worker = WebhookWorker(services.engine, services.sealer, http, backoff=timedelta(0),
                               profiles=lambda: load_profiles(SHIPPED, own))  # fmt: skip
        held = worker.run_once()
        assert (held.delivered, sent) == (0, [])
        assert "u8.toml, line 4: unknown field 'ucsc'" in held.errors[0]
        (own / "u8.toml").unlink()  # the customer fixes (here: removes) the copy
        assert worker.run_once().delivered == 1
    assert json.loads(sent[0].content)["vendor"]["code"] == CODE
