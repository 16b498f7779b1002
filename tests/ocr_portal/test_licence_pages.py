"""The supplier's licence pages on the whole site: upload, progress, pre-filled form, submit."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from approvals import ChangeKind, Channel, Status
from ocr.checks import Why, reason
from ocr.errors import NotALicenceError
from ocr.model import FieldReading
from portal.changes import list_changes
from portal.documents import store as documents
from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from portal.ocr_jobs import OcrJobSettings, run_next
from portal.web.ocr_area import OcrRuntime
from tests.ocr_portal.conftest import PNG, Site, job_id_of, upload, worker
from tests.support.licences import FakeReader, draw_licence, reading

Client = AsyncTestClient[Litestar]
# Litestar's CSRF middleware reads a multipart body into SpooledTemporaryFiles and does not
# close them when the request is then refused (by itself or a guard); the warning is that.
UNCLOSED_FORM = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


async def read_one(client: Client, ocr: OcrRuntime, who: str = "a") -> str:
    response = await upload(client, who)
    assert response.status_code == 303, response.text
    job_id = job_id_of(response)
    assert run_next(worker(ocr)) == job_id
    return job_id


def field_value(page: str, name: str) -> str:
    match = re.search(rf'id="field-{name}" value="([^"]*)"', page)
    assert match, f"no input for {name}"
    return match.group(1)


async def test_upload_stores_the_licence_and_queues_a_job(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    response = await upload(client, "a")
    assert response.status_code == 303
    job_id = job_id_of(response)
    page = await client.get(f"/portal/licence/{job_id}", headers={"x-test-user": "a"})
    assert page.status_code == 200
    assert 'data-state="queued"' in page.text and 'id="progress"' in page.text
    assert 'http-equiv="refresh"' in page.text  # without JS the page reloads itself
    assert f"/portal/licence/{job_id}.json" in page.text  # with JS it polls
    stored = documents.list_documents(site.services.engine, site.people["a"], site.a.id)
    assert [(d.kind, d.content_type) for d in stored] == [("business_licence", "image/png")]


@UNCLOSED_FORM
async def test_upload_without_the_csrf_token_is_refused(client: Client, ocr: OcrRuntime) -> None:
    response = await upload(client, "a", csrf=False)
    assert response.status_code == 403


async def test_a_file_that_is_no_image_is_refused_before_it_is_queued(
    client: Client, ocr: OcrRuntime
) -> None:
    response = await upload(client, "a", b"GIF89a not a licence")
    assert response.status_code == 422
    assert run_next(worker(ocr)) is None


async def test_a_file_over_the_upload_limit_is_refused(client: Client, ocr: OcrRuntime) -> None:
    response = await upload(client, "a", PNG + b"\x00" * 5000)
    assert response.status_code == 413


async def test_staff_cannot_use_the_supplier_upload(client: Client, ocr: OcrRuntime) -> None:
    response = await client.get("/portal/licence", headers={"x-test-user": "clerk"})
    assert response.status_code == 403


async def test_the_json_twin_reports_state_stage_and_progress(
    client: Client, ocr: OcrRuntime
) -> None:
    job_id = job_id_of(await upload(client, "a"))
    queued = await client.get(f"/portal/licence/{job_id}.json", headers={"x-test-user": "a"})
    assert queued.json()["state"] == "queued" and queued.json()["progress"] == 0
    run_next(worker(ocr))
    done = (await client.get(f"/portal/licence/{job_id}.json", headers={"x-test-user": "a"})).json()
    assert (done["state"], done["stage"], done["progress"]) == ("done", "done", 1.0)
    assert done["result"]["fields"]["uscc"]["value"] == done["result"]["fields"]["uscc"]["value"]


async def test_supplier_b_cannot_see_or_submit_supplier_a_job(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    job_id = await read_one(client, ocr, "a")
    as_b = {"x-test-user": "b"}
    assert (await client.get(f"/portal/licence/{job_id}", headers=as_b)).status_code == 404
    assert (await client.get(f"/portal/licence/{job_id}.json", headers=as_b)).status_code == 404
    form = await client.get("/portal/licence", headers=as_b)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert token
    response = await client.post(
        f"/portal/licence/{job_id}",
        data={"_csrf_token": token.group(1), "name": "乙冒名"},
        headers=as_b,
    )
    assert response.status_code == 404
    assert site.a.name not in response.text


async def test_the_form_is_prefilled_and_marked_as_read_from_the_licence(
    site: Site, client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    fake_reader.outcomes = [
        reading(site.a.name, site.a.uscc, low=("business_scope",), unreadable=("address",))
    ]
    job_id = await read_one(client, ocr)
    page = (await client.get(f"/portal/licence/{job_id}", headers={"x-test-user": "a"})).text
    assert field_value(page, "name") == site.a.name
    assert field_value(page, "legal_representative") == "张伟"
    assert field_value(page, "registered_capital") == "1000000 CNY"
    assert field_value(page, "established_on") == "2015-03-05"
    assert field_value(page, "term_to") == "长期"
    assert page.count("从营业执照识别 / read from the licence") == 8
    assert "97%" in page
    # Unsure and unreadable fields are highlighted and left empty for the supplier.
    assert field_value(page, "address") == ""
    assert 'data-field="address" data-prefilled="no"' in page
    assert 'data-field="business_scope" data-prefilled="no"' in page
    assert re.search(r'id="field-business_scope"[^>]*></textarea>', page)
    hint = page.split('id="doubt-business_scope"', 1)[1].split("</div>", 1)[0]
    assert "一般项目" in hint and "把握不足（55%）" in hint  # the unsure reading, as a hint
    assert 'data-match="yes"' in page and site.a.uscc in page


async def test_a_credit_code_that_is_not_the_supplier_s_is_a_clear_warning(
    site: Site, client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    fake_reader.outcomes = [reading(site.b.name, site.b.uscc)]
    job_id = await read_one(client, ocr)
    page = (await client.get(f"/portal/licence/{job_id}", headers={"x-test-user": "a"})).text
    assert 'data-match="no"' in page
    assert "不一致" in page and "is this your company's licence?" in page


async def test_a_qr_code_naming_another_credit_code_is_shown_to_the_supplier(
    site: Site, client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    fake_reader.outcomes = [reading(site.a.name, site.a.uscc, qr_code=site.b.uscc)]
    job_id = await read_one(client, ocr)
    page = (await client.get(f"/portal/licence/{job_id}", headers={"x-test-user": "a"})).text
    line = page.split('id="qr-mismatch"', 1)[1].split("</p>", 1)[0]
    assert site.b.uscc in line and site.a.uscc in line
    assert "二维码指向另一个统一社会信用代码" in line
    assert "The QR code on this licence names another credit code" in line
    assert "please check the licence" in line
    assert 'data-match="yes"' in page  # the printed code is still the supplier's


async def test_an_old_style_licence_is_named_as_such_and_the_current_one_asked_for(
    site: Site, client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    old = reading(site.a.name, site.a.uscc)
    fake_reader.outcomes = [
        dataclasses.replace(
            old,
            uscc=FieldReading.missing(),
            qr_payload=None,
            qr_uscc=None,
            registration_number="310115000123456",
        )
    ]
    job_id = await read_one(client, ocr)
    page = (await client.get(f"/portal/licence/{job_id}", headers={"x-test-user": "a"})).text
    line = page.split('id="old-style"', 1)[1].split("</p>", 1)[0]
    assert "310115000123456" in line
    assert "旧版营业执照" in line and "请上传换发后的新版营业执照" in line
    assert "old-style licence" in line and "Please upload your current licence" in line
    assert 'id="uscc-check"' not in page  # no "could not be read": it is not printed


async def test_a_qr_code_that_agrees_says_so_quietly(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    job_id = await read_one(client, ocr)
    page = (await client.get(f"/portal/licence/{job_id}", headers={"x-test-user": "a"})).text
    assert 'id="qr-agrees"' in page and 'id="qr-mismatch"' not in page


async def test_a_field_read_with_doubt_is_asked_with_its_reason_not_prefilled(
    site: Site, client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    stamp = "仅供投标使用"
    doubted = {
        "address": reason(Why.COPY_STAMP, f"the copy stamp {stamp} crosses the value", stamp)
    }
    fake_reader.outcomes = [reading(site.a.name, site.a.uscc, doubted=doubted)]
    job_id = await read_one(client, ocr)
    page = (await client.get(f"/portal/licence/{job_id}", headers={"x-test-user": "a"})).text
    assert field_value(page, "address") == ""
    assert 'data-field="address" data-prefilled="no"' in page
    box = page.split('id="doubt-address"', 1)[1].split("</div>", 1)[0]
    assert "上海市浦东新区张江路88号" in box  # the value read, to compare with the licence
    assert "复印件上的“仅供投标使用”字样压住了这一栏" in box
    assert "the stamp “仅供投标使用” covers this line" in box
    assert 'name="confirm_address"' in box
    assert "请确认 1 个识别不确定的字段" in page
    assert "uncertain" not in page.split('id="licence-form"', 1)[1]  # words, not statuses


async def test_ticking_use_it_submits_the_value_read_and_an_empty_box_changes_nothing(
    site: Site, client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    doubted = {
        "address": reason(Why.HARD_TO_READ, "some characters were hard to read (0.71)", "0.71"),
        "name": reason(Why.NOT_A_PERSON, "x"),
    }
    fake_reader.outcomes = [reading("新名称有限公司", site.a.uscc, doubted=doubted)]
    job_id = await read_one(client, ocr)
    headers = {"x-test-user": "a"}
    page = (await client.get(f"/portal/licence/{job_id}", headers=headers)).text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert token
    form = {"_csrf_token": token.group(1), "confirm_address": "1"}
    response = await client.post(f"/portal/licence/{job_id}", data=form, headers=headers)
    assert response.status_code == 303, response.text
    [request] = list_changes(site.deps, site.people["a"])
    changed = {c.field_name: c.after for c in request.changes}
    assert changed["address"] == "上海市浦东新区张江路88号"
    assert "name" not in changed  # doubted and not confirmed: not taken


async def test_submitting_the_form_creates_a_supplier_profile_change_request(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    job_id = await read_one(client, ocr)
    headers = {"x-test-user": "a"}
    page = (await client.get(f"/portal/licence/{job_id}", headers=headers)).text
    form = {
        name: field_value(page, name)
        for name in ("name", "legal_representative", "registered_capital", "established_on")
    }
    form |= {"term_from": "2015-03-05", "term_to": "长期", "address": ""}
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert token
    response = await client.post(
        f"/portal/licence/{job_id}", data={"_csrf_token": token.group(1), **form}, headers=headers
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/portal/changes/")
    [request] = list_changes(site.deps, site.people["a"])
    assert (request.kind, request.channel, request.status) == (
        ChangeKind.SUPPLIER_PROFILE,
        Channel.PORTAL,
        Status.PENDING,
    )
    changed = {c.field_name: c.after for c in request.changes}
    assert changed == {
        "legal_representative": "张伟",
        "registered_capital": "1000000 CNY",
        "established_on": "2015-03-05",
        "term_from": "2015-03-05",
        "term_to": "长期",
    }  # the name read is the one on file: no change; empty address: no change
    listing = await client.get("/portal/changes", headers=headers)
    assert "/portal/changes/" + request.id in listing.text


async def test_a_job_that_failed_shows_why(
    client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    fake_reader.outcomes = [NotALicenceError("这不是营业执照 / no business-licence labels")]
    job_id = await read_one(client, ocr)
    page = (await client.get(f"/portal/licence/{job_id}", headers={"x-test-user": "a"})).text
    assert 'data-state="failed"' in page and "这不是营业执照" in page
    assert 'id="upload-again"' in page


async def test_staff_tools_read_a_licence_through_the_api(
    site: Site, client: Client, ocr: OcrRuntime
) -> None:
    token = create_client(
        site.services.engine,
        "scanner",
        Role.PURCHASING_CLERK,
        can_reveal=False,
        now=datetime.now(UTC),
    )
    response = await client.post(
        "/api/v1/ocr/licence",
        files={"file": ("licence.png", PNG, "image/png")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {
        *("layout", "qr_payload", "qr_uscc", "qr_agrees", "warnings"),
        *("registration_number", "fields"),
    }
    assert body["fields"]["uscc"]["value"] == site.a.uscc
    bad = await client.post(
        "/api/v1/ocr/licence",
        files={"file": ("x.gif", b"GIF89a", "image/gif")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"].startswith("document.")


@UNCLOSED_FORM
async def test_supplier_users_cannot_use_the_staff_api(client: Client, ocr: OcrRuntime) -> None:
    headers = {"x-test-user": "a"}
    form = await client.get("/portal/licence", headers=headers)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert token
    response = await client.post(
        "/api/v1/ocr/licence",
        data={"_csrf_token": token.group(1)},
        files={"file": ("licence.png", PNG, "image/png")},
        headers=headers,
    )
    assert response.status_code == 403


@pytest.mark.slow
async def test_the_real_reader_prefills_name_and_credit_code_from_a_generated_licence(
    site: Site, client: Client, ocr: OcrRuntime, tmp_path: Path
) -> None:
    from ocr.service import read_licence
    from portal.audit.log import AuditContext
    from portal.ocr_jobs import enqueue_licence

    path = tmp_path / "licence.png"
    truth = draw_licence(path, site.a.name, site.a.uscc)
    deps = worker(ocr)
    deps.reader = read_licence
    deps.settings = OcrJobSettings(min_confidence=0.8)
    job = enqueue_licence(
        site.services.engine,
        site.services.documents,
        site.deps.audit,
        AuditContext(actor="u-supplier-a"),
        site.people["a"],
        site.a.id,
        filename=path.name,
        content=path.read_bytes(),
        max_bytes=50 * 1024 * 1024,
        now=site.deps.clock(),
    )
    assert run_next(deps) == job.id
    page = (await client.get(f"/portal/licence/{job.id}", headers={"x-test-user": "a"})).text
    assert 'data-state="done"' in page, page
    assert field_value(page, "name") == truth["fields"]["name"] == site.a.name
    assert 'data-match="yes"' in page
    assert re.search(r'id="uscc-read">([^<]+)<', page).group(1) == site.a.uscc  # type: ignore[union-attr]


async def test_an_approved_licence_change_is_written_to_the_supplier(
    site: Site, client: Client, ocr: OcrRuntime, fake_reader: FakeReader
) -> None:
    from portal.audit.log import AuditContext
    from portal.changes import approve_change

    fake_reader.outcomes = [reading("上海甲贸易股份有限公司", site.a.uscc, open_ended=False)]
    job_id = await read_one(client, ocr)
    headers = {"x-test-user": "a"}
    page = (await client.get(f"/portal/licence/{job_id}", headers=headers)).text
    names = ("name", "registered_capital", "established_on", "term_from", "term_to", "address")
    form = {name: field_value(page, name) for name in names}
    form["business_scope"] = "一般项目:软件开发；货物进出口。"
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert token
    await client.post(
        f"/portal/licence/{job_id}", data={"_csrf_token": token.group(1), **form}, headers=headers
    )
    [request] = list_changes(site.deps, site.people["a"])
    for who in ("alice", "bob"):
        if request.status is Status.APPROVED or request.status is Status.APPLIED:
            break
        reviewer = site.people[who]
        request = approve_change(
            site.deps, AuditContext(actor=reviewer.subject), reviewer, request.id
        )
    assert request.status is Status.APPLIED
    with site.services.engine.connect() as conn:
        after = site.services.suppliers.get(conn, site.a.id)
    assert after is not None
    assert after.name == "上海甲贸易股份有限公司"
    assert after.registered_capital is not None
    assert (after.registered_capital.amount, after.registered_capital.currency) == (
        Decimal("1000000"),
        "CNY",
    )
    assert (after.established_on, after.term_from, after.term_to) == (
        date(2015, 3, 5),
        date(2015, 3, 5),
        date(2035, 3, 4),
    )
    assert after.address == "上海市浦东新区张江路88号"
    assert after.business_scope == "一般项目:软件开发；货物进出口。"
