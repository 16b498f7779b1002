"""OCR memory stays bounded (issue 20): the reading children are recycled after their
number of jobs without losing one, and the web process never loads the engines."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from ocr.fakes import blank_page_engines
from ocr.sandbox import LicenceReaderPool, SandboxSettings
from portal.ocr_jobs import run_next
from portal.web.ocr_area import OcrRuntime
from tests.ocr.hostile_files import png
from tests.ocr_portal.conftest import job_id_of, upload, worker
from tests.portal.test_composition_root import ROOT, _prepared

Client = AsyncTestClient[Litestar]

#: Modules that hold the OCR engines and the image stack they run on.
ENGINE_MODULES = ("cv2", "onnxruntime", "rapidocr", "rapidocr_onnxruntime", "tesserocr")


@pytest.fixture
def recycled_after_two(ocr: OcrRuntime) -> Iterator[LicenceReaderPool]:
    """One reading child, replaced after every second job."""
    pool = LicenceReaderPool(SandboxSettings(workers=1, max_jobs=2), engines=blank_page_engines)
    pool.start()
    ocr.worker.deps.reader = pool
    yield pool
    pool.close()


async def test_the_reading_child_is_replaced_after_its_jobs_and_every_job_gets_its_answer(
    client: Client, ocr: OcrRuntime, recycled_after_two: LicenceReaderPool
) -> None:
    [first] = recycled_after_two.workers()
    jobs = [job_id_of(await upload(client, "a", png(400 + i, 300))) for i in range(3)]
    assert [run_next(worker(ocr)) for _ in jobs] == jobs
    assert first.pid not in [w.pid for w in recycled_after_two.workers()]
    for job_id in jobs:
        job = await client.get(f"/portal/licence/{job_id}.json", headers={"x-test-user": "a"})
        # a blank page is no licence: each job ends with that answer, none is left reading
        assert job.json()["state"] == "failed"
        assert "licence" in job.json()["error"]


def test_serving_the_site_loads_no_ocr_engine(tmp_path: Path) -> None:
    # the in-process worker off: its reading children would load the engines (as they
    # should, in their own processes) and take seconds to start
    env = {**_prepared(tmp_path), "PORTAL_SECURE_COOKIES": "0", "PORTAL_OCR_WORKER": "0"}
    script = textwrap.dedent(
        """
        import os, sys
        from litestar.testing import TestClient
        from portal.bootstrap import build_collaborators, build_services
        from portal.config import load_settings
        from portal.web.site import build_site

        app = build_site(build_collaborators(build_services(load_settings(os.environ))))
        with TestClient(app) as client:
            assert client.get("/").status_code == 200
            assert client.get("/portal/licence").status_code in (200, 302, 303, 401)
        print(" ".join(sorted(sys.modules)))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(done.stdout.split())
    assert "ocr.sandbox" in loaded  # the site does drive the reading children
    assert not {m for m in loaded if m.split(".")[0] in ENGINE_MODULES}
    assert not {m for m in loaded if m == "ocr.service" or m.startswith("ocr.adapters")}
