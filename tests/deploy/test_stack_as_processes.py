"""The compose stack, started as processes: the same commands as ``compose.yaml`` runs.

Docker's engine cannot run on the development machine, so this test starts what
the containers would: a one-shot migrate (``portal db upgrade``, ``portal keys
init``), two ``portal serve`` instances on one fresh PostgreSQL database, a Redis
server for the sessions, ``portal worker`` for OCR jobs, and moto's S3 server as
the document store. Each process has a data folder of its own, as each container
would, so nothing can pass through a local disk: a supplier uploads through one
instance and reads the document back through the other, and the worker reads the
licence the web instance stored.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from portal.domain.uscc_factory import make_uscc
from tests.deploy.stack import Stack, csrf, running_stack, supplier_session
from tests.support.documents import pdf_bytes
from tests.support.licences import draw_licence

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CONTRACT_SUPPLIER, LICENCE_SUPPLIER = make_uscc(4711), make_uscc(4712)
NAMES = {CONTRACT_SUPPLIER: "上海栈测试科技有限公司", LICENCE_SUPPLIER: "杭州栈测试贸易有限公司"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def test_a_document_uploaded_through_one_instance_opens_through_the_other(stack: Stack) -> None:
    with supplier_session(
        stack.a, "supplier-1", CONTRACT_SUPPLIER, NAMES[CONTRACT_SUPPLIER]
    ) as supplier:
        form = supplier.get(f"{stack.a}/portal/documents")
        content = pdf_bytes(2)  # a real PDF: uploads are checked over their whole structure
        uploaded = supplier.post(
            f"{stack.a}/portal/documents",
            data={"kind": "other", "_csrf_token": csrf(form.text)},
            files={"file": ("contract.pdf", content, "application/pdf")},
        )
        assert uploaded.status_code == 303, uploaded.text
        listing = supplier.get(f"{stack.b}/portal/documents")
        document = re.search(r"/portal/documents/([0-9a-f-]{36})", listing.text)
        assert document, listing.text
        opened = supplier.get(f"{stack.b}/portal/documents/{document.group(1)}")
    assert opened.status_code == 200
    assert opened.content == content


def test_the_worker_reads_a_licence_that_a_web_instance_stored(
    stack: Stack, tmp_path: Path
) -> None:
    picture = tmp_path / "licence.png"
    draw_licence(picture, NAMES[LICENCE_SUPPLIER], LICENCE_SUPPLIER)
    with supplier_session(
        stack.a, "supplier-2", LICENCE_SUPPLIER, NAMES[LICENCE_SUPPLIER]
    ) as supplier:
        form = supplier.get(f"{stack.a}/portal/licence/")
        queued = supplier.post(
            f"{stack.a}/portal/licence/",
            data={"_csrf_token": csrf(form.text)},
            files={"file": ("licence.png", picture.read_bytes(), "image/png")},
        )
        assert queued.status_code == 303, queued.text
        job_url = f"{stack.b}{queued.headers['location']}.json"
        job = supplier.get(job_url).json()
        deadline = time.monotonic() + 45
        while job["state"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            job = supplier.get(job_url).json()
    assert job["state"] == "done", job
    assert job["result"]["fields"]["uscc"]["value"] == LICENCE_SUPPLIER


def test_both_instances_answer_their_health_check(stack: Stack) -> None:
    for base in (stack.a, stack.b):
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "database": "ok"}
    assert stack.worker.poll() is None


def test_the_worker_serves_its_metrics_with_the_provider_call_counter(stack: Stack) -> None:
    answer = httpx.get(stack.worker_metrics, timeout=10)

    assert answer.status_code == 200
    assert "# TYPE portal_provider_calls_total counter" in answer.text
    assert "process_resident_memory_bytes" in answer.text
