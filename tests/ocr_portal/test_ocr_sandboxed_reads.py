"""Uploads are read by the sandboxed reader the portal wires in (issue 12, item 4): a PDF
bomb fails its own job at the time limit, a disguised file is refused with a clear 422."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from ocr.inputs import InputLimits
from ocr.sandbox import LicenceReaderPool, SandboxSettings
from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from portal.ocr_jobs import default_reader, run_next
from portal.web.ocr_area import OcrRuntime
from tests.ocr.hostile_files import nested_xobject_pdf
from tests.ocr_portal.conftest import Site, job_id_of, upload, worker

Client = AsyncTestClient[Litestar]


@pytest.fixture
def sandboxed(ocr: OcrRuntime) -> Iterator[LicenceReaderPool]:
    """The area reads with the portal's own default reader, limited to 2 s a file."""
    pool = default_reader(InputLimits(), SandboxSettings(timeout_seconds=2, workers=1))
    ocr.worker.deps.reader = pool
    yield pool
    pool.close()


@pytest.mark.slow
async def test_a_pdf_bomb_fails_its_own_job_at_the_time_limit(
    client: Client, ocr: OcrRuntime, sandboxed: LicenceReaderPool
) -> None:
    response = await upload(client, "a", nested_xobject_pdf(levels=6))
    job_id = job_id_of(response)
    assert run_next(worker(ocr)) == job_id
    job = (await client.get(f"/portal/licence/{job_id}.json", headers={"x-test-user": "a"})).json()
    assert job["state"] == "failed"
    assert "took longer than 2 s" in job["error"]


async def test_the_staff_api_refuses_a_disguised_file_with_a_clear_error(
    site: Site, client: Client, sandboxed: LicenceReaderPool
) -> None:
    token = create_client(
        site.services.engine, "scanner", Role.PURCHASING_CLERK, can_reveal=False,
        now=datetime.now(UTC),
    )  # fmt: skip
    polyglot = b"\x89PNG\r\n\x1a\n" + nested_xobject_pdf(levels=6)
    response = await client.post(
        "/api/v1/ocr/licence",
        files={"file": ("licence.png", polyglot, "image/png")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in ("ocr.file_structure", "document.polyglot")
    assert "PDF" in response.json()["error"]["message"]  # says what is wrong with the file
    assert sandboxed.workers() == []  # refused before any worker was started
