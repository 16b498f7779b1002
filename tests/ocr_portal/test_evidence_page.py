"""The approval page as the evidence file of a licence-based change, on the whole site:
the licence image through the staff document route, typed vs read vs registered per field,
and the red flag when the licence is another company's."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from portal.audit.log import ENTRY, AuditContext
from portal.changes import list_changes
from portal.documents.reading import DocumentReadRefusedError, open_supplier_document
from portal.domain.status import RegistryStatus
from portal.verification.wiring import VerificationPorts
from portal.web.ocr_area import OcrRuntime
from registry.errors import ProviderUnavailableError
from registry.fakes import InMemoryBusinessRegistry
from registry.model import EnterpriseRecord
from tax_bureau.fakes import InMemoryTaxBureau
from tests.ocr_portal.conftest import PNG, Site
from tests.ocr_portal.test_licence_pages import field_value, read_one
from tests.support.licences import FakeReader, reading

Client = AsyncTestClient[Litestar]
ALICE = {"x-test-user": "alice"}


async def submit_licence_change(site: Site, client: Client, ocr: OcrRuntime) -> tuple[str, str]:
    """Supplier A uploads a licence, it is read, A submits the pre-filled form: the request
    id and the licence's document id."""
    job_id = await read_one(client, ocr)
    headers = {"x-test-user": "a"}
    page = (await client.get(f"/portal/licence/{job_id}", headers=headers)).text
    form = {"legal_representative": field_value(page, "legal_representative")}
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert token
    response = await client.post(
        f"/portal/licence/{job_id}", data={"_csrf_token": token.group(1), **form}, headers=headers
    )
    assert response.status_code == 303, response.text
    [request] = list_changes(site.deps, site.people["a"])
    found = next(f for f in request.findings if f.code == "licence.attached")
    return request.id, str(found.evidence["document"])


def marks(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-field="([a-z_]+)" data-mark="([a-z]+)"', page))


async def test_the_approver_sees_the_licence_beside_typed_read_and_registered_values(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    request_id, document_id = await submit_licence_change(site, client, ocr)
    page = await client.get(f"/staff/changes/{request_id}", headers=ALICE)
    assert page.status_code == 200, page.text
    image = f'src="/staff/suppliers/{site.a.id}/documents/{document_id}"'
    assert 'id="licence-image"' in page.text and image in page.text
    assert marks(page.text)["uscc"] == "match"
    assert marks(page.text)["name"] == "match"
    assert 'id="other-company-flag"' not in page.text
    assert "张伟" in page.text and "(97%)" in page.text  # the value read, and how sure


async def test_a_licence_of_another_company_is_flagged_in_red_on_the_approval_page(
    site: Site, client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    fake_reader.outcomes = [reading(site.b.name, site.b.uscc)]
    request_id, _ = await submit_licence_change(site, client, ocr)
    page = (await client.get(f"/staff/changes/{request_id}", headers=ALICE)).text
    flag = page.split('id="other-company-flag"', 1)[1].split("</div>", 1)[0]
    assert site.b.uscc in flag and site.a.uscc in flag
    assert "另一家公司的营业执照" in flag
    assert marks(page)["uscc"] == "mismatch" and marks(page)["name"] == "mismatch"


async def test_a_qr_code_naming_another_supplier_is_a_red_line_on_the_approval_page(
    site: Site, client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    fake_reader.outcomes = [reading(site.a.name, site.a.uscc, qr_code=site.b.uscc)]
    request_id, _ = await submit_licence_change(site, client, ocr)
    page = (await client.get(f"/staff/changes/{request_id}", headers=ALICE)).text
    line = page.split('id="qr-mismatch-flag"', 1)[1].split("</div>", 1)[0]
    assert site.b.uscc in line and site.a.uscc in line
    assert site.b.name in line  # the QR's code belongs to a supplier on file
    assert "二维码指向另一个统一社会信用代码" in line
    assert 'id="other-company-flag"' not in page  # the printed code is the supplier's own
    [request] = list_changes(site.deps, site.people["a"])
    assert "licence.qr_disagrees" in {f.code for f in request.findings}


async def test_the_approval_page_says_when_the_qr_code_agrees(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    request_id, _ = await submit_licence_change(site, client, ocr)
    page = (await client.get(f"/staff/changes/{request_id}", headers=ALICE)).text
    assert 'id="qr-agrees"' in page and 'id="qr-mismatch-flag"' not in page


async def test_staff_open_the_licence_and_the_opening_is_audited(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    _, document_id = await submit_licence_change(site, client, ocr)
    url = f"/staff/suppliers/{site.a.id}/documents/{document_id}"
    response = await client.get(url, headers=ALICE)
    assert response.status_code == 200
    assert response.content == PNG and response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("inline")
    with site.services.engine.connect() as conn:
        reads = conn.execute(
            select(ENTRY.c.actor, ENTRY.c.field_name).where(ENTRY.c.action == "document.read")
        ).all()
    assert ("u-alice", f"document[{document_id}]") in [tuple(r) for r in reads]


async def test_a_supplier_cannot_open_the_staff_document_route(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    _, document_id = await submit_licence_change(site, client, ocr)
    url = f"/staff/suppliers/{site.a.id}/documents/{document_id}"
    response = await client.get(url, headers={"x-test-user": "a"})  # even their own licence
    assert response.status_code == 403
    assert PNG not in response.content


def test_the_document_use_case_refuses_supplier_users_whatever_the_route(
    site: Site, ocr: OcrRuntime
) -> None:
    with pytest.raises(DocumentReadRefusedError):
        open_supplier_document(
            site.services.engine, site.services.documents, site.deps.audit,
            AuditContext("u-supplier-a", "supplier"),
            site.people["a"], site.a.id, "any", now=site.deps.clock(),
        )  # fmt: skip


async def test_a_document_is_not_found_under_another_supplier(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    _, document_id = await submit_licence_change(site, client, ocr)
    response = await client.get(
        f"/staff/suppliers/{site.b.id}/documents/{document_id}", headers=ALICE
    )
    assert response.status_code == 404
    assert "该供应商没有此文件" in response.text and document_id not in response.text


async def test_a_supplier_sees_which_licence_the_request_rests_on_but_no_staff_flag(
    site: Site, client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    fake_reader.outcomes = [reading(site.b.name, site.b.uscc)]
    request_id, _ = await submit_licence_change(site, client, ocr)
    page = (await client.get(f"/portal/changes/{request_id}", headers={"x-test-user": "a"})).text
    assert "other-company-flag" not in page


def use_registry(site: Site, registry: InMemoryBusinessRegistry) -> None:
    """The verification area's registry port, replaced by the contract-tested fake."""
    site.app.state["verification"].opened = VerificationPorts(
        registry, InMemoryTaxBureau(), ("fake",)
    )


def registered(site: Site) -> EnterpriseRecord:
    return EnterpriseRecord(
        name=site.a.name,
        uscc=site.a.uscc,
        legal_representative="李登记",
        status=RegistryStatus.ACTIVE,
        address="上海市示例路1号",
        provider="fake",
    )


async def test_the_registry_facts_show_where_and_when_they_came_from(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    use_registry(site, InMemoryBusinessRegistry([registered(site)], clock=site.deps.clock))
    request_id, _ = await submit_licence_change(site, client, ocr)
    page = (await client.get(f"/staff/changes/{request_id}", headers=ALICE)).text
    facts = page.split('id="registry-facts"', 1)[1]
    checked = facts.split('id="registry-checked">', 1)[1].split("</dd>", 1)[0]
    assert "李登记" in facts
    assert "2026-11-02 16:00" in checked and "fake" in checked  # when (Beijing time), who
    assert re.search(r"查询编号 FAKE\d+", checked)  # and the provider's request id
    assert (
        marks(page)["legal_representative"] == "mismatch"
    )  # 张伟 read and typed, 李登记 registered


async def test_a_registry_that_does_not_answer_reads_as_unknown_not_as_a_mismatch(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    down = InMemoryBusinessRegistry([registered(site)])
    down.fail_next(*[ProviderUnavailableError("fake did not answer")] * 3)
    use_registry(site, down)
    request_id, _ = await submit_licence_change(site, client, ocr)
    page = (await client.get(f"/staff/changes/{request_id}", headers=ALICE)).text
    assert 'id="registry-unknown"' in page and "retry later" in page
    # typed and read agree; the silent registry does not turn that into a mismatch
    assert marks(page)["legal_representative"] == "match"
    assert 'id="other-company-flag"' not in page
