"""The whole site (tests/web_portal's fixtures) with the OCR area's reader replaced by a
scripted fake and its worker on the test clock; tests run the worker with ``run_next``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from portal.ocr_jobs import OcrWorkerDeps
from portal.web.ocr_area import OcrRuntime
from tests.support.licences import PNG, FakeReader, reading
from tests.web_portal.conftest import (
    Clock,
    Site,
    as_user,
    client,
    clock,
    csrf_of,
    site,
)

__all__ = ["PNG", "as_user", "client", "clock", "csrf_of", "site"]


@pytest.fixture
def fake_reader(site: Site) -> FakeReader:
    return FakeReader(reading(site.a.name, site.a.uscc))


@pytest.fixture
def ocr(site: Site, clock: Clock, fake_reader: FakeReader) -> OcrRuntime:
    """The OCR area's runtime, reading with ``fake_reader`` on the test clock."""
    runtime: OcrRuntime = site.app.state["ocr"]
    runtime.worker.deps.reader = fake_reader
    runtime.worker.deps.clock = clock
    return runtime


def worker(ocr: OcrRuntime) -> OcrWorkerDeps:
    return ocr.worker.deps


async def upload(
    client: AsyncTestClient[Litestar], who: str, content: bytes = PNG, *, csrf: bool = True
) -> Any:
    """POST a licence as ``who`` the way the upload form does (multipart, CSRF field)."""
    headers = {"x-test-user": who}
    form = await client.get("/portal/licence", headers=headers)
    assert form.status_code == 200, form.text
    data = {"_csrf_token": csrf_of(form.text)} if csrf else {}
    return await client.post(
        "/portal/licence",
        data=data,
        files={"file": ("licence.png", content, "image/png")},
        headers=headers,
    )


def job_id_of(response: Any) -> str:
    match = re.fullmatch(r"/portal/licence/([0-9a-f-]{36})", response.headers["location"])
    assert match, response.headers.get("location")
    return match.group(1)
