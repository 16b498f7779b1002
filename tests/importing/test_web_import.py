"""Purchasing staff import a list in the browser: upload, dry run, import, first verification."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from openpyxl import load_workbook
from sqlalchemy import select

from portal.db.supplier_store import SUPPLIER
from portal.domain.uscc_factory import make_uscc
from portal.importing.jobs import JOB_SUPPLIER
from portal.importing.worker import arun_next
from portal.web.import_pages import ImportRuntime
from tests.web_portal.conftest import Site, csrf_of

Client = AsyncTestClient[Litestar]
UNCLOSED_FORM = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

GOOD_1, GOOD_2, GOOD_3 = make_uscc(301), make_uscc(302), make_uscc(303)
LIST = (
    "统一社会信用代码,供应商名称,银行账号,开户行,户名,联系电话\n"
    f"{GOOD_1},上海丙材料有限公司,6222021234500001,中国工商银行上海分行,上海丙材料有限公司,+86 138 0013 8000\n"
    f"{GOOD_2},上海丁物流有限公司,,,,13900139000\n"
    "91310000XXXXXXXXX1,坏代码公司,,,,\n"
    f"{GOOD_3},上海戊科技有限公司,6.22848E+18,中国银行上海分行,上海戊科技有限公司,\n"
    f"{make_uscc(11)},上海甲贸易,,,,12\n"  # supplier a of the site, and a bad phone
)


def runtime(site: Site) -> ImportRuntime:
    found: ImportRuntime = site.app.state["imports"]
    return found


async def run_worker(site: Site) -> str | None:
    rt = runtime(site)
    return await arun_next(rt.deps, rt.worker.verification)


async def upload(client: Client, who: str, content: bytes, name: str = "供应商名单.csv") -> Any:
    headers = {"x-test-user": who}
    form = await client.get("/staff/import", headers=headers)
    assert form.status_code == 200, form.text
    return await client.post(
        "/staff/import",
        data={"_csrf_token": csrf_of(form.text)},
        files={"file": (name, content, "text/csv")},
        headers=headers,
    )


def job_of(response: Any) -> str:
    match = re.match(r"/staff/import/([0-9a-f-]{36})", response.headers["location"])
    assert match, response.headers.get("location")
    return match.group(1)


async def post(client: Client, who: str, url: str, page: str, data: dict[str, str]) -> Any:
    headers = {"x-test-user": who}
    form = await client.get(page, headers=headers)
    return await client.post(url, data={"_csrf_token": csrf_of(form.text), **data}, headers=headers)


@UNCLOSED_FORM
async def test_a_clerk_uploads_reads_the_dry_run_imports_the_good_rows_and_they_get_verified(
    site: Site, client: Client
) -> None:
    clerk = {"x-test-user": "clerk"}
    response = await upload(client, "clerk", LIST.encode("utf-8"))
    assert response.status_code == 303, response.text
    job_id = job_of(response)
    waiting = await client.get(f"/staff/import/{job_id}", headers=clerk)
    assert (
        'data-state="check_queued"' in waiting.text and "/static/js/import_job.js" in waiting.text
    )
    assert "<script>" not in waiting.text  # no inline script (CSP)

    assert await run_worker(site) == job_id
    checked = (await client.get(f"/staff/import/{job_id}", headers=clerk)).text
    assert 'data-state="checked"' in checked and 'id="confirm-import"' in checked
    assert re.search(r'id="count-created"><strong>2<', checked)  # 丙 and 丁
    assert re.search(r'id="count-rejected"><strong>3<', checked)
    assert site.a.id not in checked and "「上海甲贸易有限公司」" in checked  # names, never ids
    assert "银行账号被 Excel 当作数字保存" in checked  # the damaged account, in words
    assert "bank_account" not in re.sub(r"<[^>]+>", "", checked)  # words, never codes
    with site.services.engine.connect() as conn:
        assert conn.execute(select(SUPPLIER.c.id)).all().__len__() == 2  # a dry run: only a, b

    progress = (await client.get(f"/staff/import/{job_id}.json", headers=clerk)).json()
    assert progress["state"] == "checked" and progress["progress"]["fraction"] == 1.0

    report = await client.get(f"/staff/import/{job_id}/errors.xlsx", headers=clerk)
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    assert sheet.cell(1, 7).value == "状态 status"
    assert sheet.cell(5, 7).value.startswith("未导入")  # the damaged account's row
    assert "Excel" in sheet.cell(5, 8).value

    again = await upload(client, "alice", LIST.encode("utf-8"), name="copy.csv")
    assert job_of(again) == job_id and again.headers["location"].endswith("?again=1")
    shown = (await client.get(again.headers["location"], headers={"x-test-user": "alice"})).text
    assert 'id="uploaded-before"' in shown and "Clerk" in shown

    page = f"/staff/import/{job_id}"
    confirmed = await post(client, "clerk", f"{page}/confirm", page, {})
    assert confirmed.status_code == 303
    assert (await post(client, "clerk", f"{page}/confirm", page, {})).status_code == 409
    assert await run_worker(site) == job_id  # import
    assert (await client.get(f"{page}.json", headers=clerk)).json()["state"] == "verify_queued"
    assert await run_worker(site) == job_id  # first verification (the demo sources)
    done = (await client.get(page, headers=clerk)).text
    assert 'data-state="done"' in done and 'id="verified"' in done
    assert re.search(r'id="count-created"><strong>2<', done)
    with site.services.engine.connect() as conn:
        created = conn.execute(select(JOB_SUPPLIER)).all()
    assert len(created) == 2 and all(r.verified for r in created)

    with site.services.engine.connect() as conn:
        acts = [e.action for e in site.deps.audit.entries(conn)]
    assert acts.count("import.uploaded") == 1 and acts.count("import.confirmed") == 1
    assert {"import.checked", "suppliers.imported", "import.completed"} <= set(acts)
    assert acts.count("verification.completed") == 2


@UNCLOSED_FORM
async def test_a_supplier_user_and_finance_cannot_open_or_use_the_import(
    site: Site, client: Client
) -> None:
    for who in ("a", "finance", "auditor"):
        assert (await client.get("/staff/import", headers={"x-test-user": who})).status_code == 403
    response = await upload(client, "clerk", LIST.encode("utf-8"))
    job_id = job_of(response)
    seen = await client.get(f"/staff/import/{job_id}.json", headers={"x-test-user": "finance"})
    assert seen.status_code == 403


@UNCLOSED_FORM
async def test_a_file_that_is_not_a_list_is_refused_with_a_message_in_chinese_and_english(
    site: Site, client: Client
) -> None:
    response = await upload(client, "clerk", b"%PDF-1.4", name="licence.pdf")
    assert response.status_code == 422
    assert "只能导入 .xlsx 或 .csv 文件" in response.text
    json_answer = await client.post(
        "/staff/import",
        files={"file": ("x.pdf", b"%PDF", "application/pdf")},
        headers={"x-test-user": "clerk", "accept": "application/json"},
    )
    assert json_answer.status_code == 403  # no CSRF token: refused before anything is read


@UNCLOSED_FORM
async def test_an_unreadable_list_fails_the_job_with_the_readers_words(
    site: Site, client: Client
) -> None:
    response = await upload(client, "clerk", "名称,备注\n甲,乙\n".encode(), name="x.csv")
    job_id = job_of(response)
    await run_worker(site)
    page = (await client.get(f"/staff/import/{job_id}", headers={"x-test-user": "clerk"})).text
    assert 'data-state="failed"' in page and "统一社会信用代码" in page
    assert 'id="check-again"' in page  # the same file maps to this job: it can be retried
    assert json.loads(
        (await client.get(f"/staff/import/{job_id}.json", headers={"x-test-user": "clerk"})).text
    )["error"]
