"""Uploads are read in worker processes with a time and a memory limit (issue 12, item 4).

The fast tests start children with :func:`ocr.fakes.blank_page_engines` (no models to
load); the slow one reads a real licence with the real engines beside a PDF bomb.
"""

import threading

import cv2
import pytest

from ocr.corpus import make_licence
from ocr.errors import (
    FileStructureError,
    NotALicenceError,
    OcrInputError,
    OcrLimitError,
    OcrResourceError,
    OcrTimeoutError,
)
from ocr.fakes import blank_page_engines
from ocr.model import FieldStatus
from ocr.sandbox import LicenceReaderPool, SandboxSettings
from tests.ocr.hostile_files import nested_xobject_pdf, png

MB = 1024 * 1024


@pytest.fixture
def pool_of():
    pools: list[LicenceReaderPool] = []

    def make(engines=blank_page_engines, **settings) -> LicenceReaderPool:
        pool = LicenceReaderPool(SandboxSettings(**settings), engines=engines)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.close()


def test_a_pdf_bomb_is_stopped_at_the_time_limit_and_its_worker_replaced(pool_of):
    # room enough in memory that the clock, not the memory limit, stops it on a fast machine
    pool = pool_of(workers=1, timeout_seconds=5, memory_bytes=16 * 1024 * MB)
    pool.start()
    [before] = pool.workers()
    bomb = nested_xobject_pdf(levels=7)  # 10^7 draws in 4 KB: a minute or more of rendering
    assert len(bomb) < 4096
    with pytest.raises(OcrTimeoutError, match="longer than 5 s") as refused:
        pool(bomb, filename="licence.pdf")
    assert isinstance(refused.value, OcrInputError) and refused.value.permanent
    with pytest.raises(NotALicenceError):  # the pool reads on, in a fresh child
        pool(png(200, 150))
    assert [w.pid for w in pool.workers()] != [before.pid]


def test_a_pdf_bomb_that_eats_memory_is_stopped_at_the_memory_limit(pool_of):
    pool = pool_of(workers=1, timeout_seconds=600, memory_bytes=1200 * MB)
    with pytest.raises(OcrResourceError, match="more memory than allowed"):
        pool(nested_xobject_pdf(levels=7))  # pdfium's memory grows with every level drawn


def test_a_picture_that_needs_more_memory_than_allowed_is_refused(pool_of):
    pool = pool_of(workers=1, memory_bytes=800 * MB)
    with pytest.raises(OcrResourceError, match="more memory than allowed"):
        pool(png(7700, 7700))  # 59 megapixels: under the pixel limit, over the memory limit
    with pytest.raises(NotALicenceError):
        pool(png(800, 600))


def test_a_disguised_file_is_refused_before_any_worker_starts(pool_of):
    pool = pool_of(workers=1)
    with pytest.raises(FileStructureError):
        pool(b"\x89PNG\r\n\x1a\n" + nested_xobject_pdf(levels=7))
    assert pool.workers() == []


def test_a_worker_is_replaced_after_its_number_of_jobs(pool_of):
    pool = pool_of(workers=1, max_jobs=2)
    pool.start()
    [first] = pool.workers()
    for _ in range(2):
        with pytest.raises(NotALicenceError):
            pool(png(400, 300))
    assert first.pid not in [w.pid for w in pool.workers()]
    with pytest.raises(NotALicenceError):
        pool(png(400, 300))
    assert all(w.jobs <= 1 for w in pool.workers())


def test_progress_is_reported_from_the_worker_stage_by_stage(pool_of):
    pool = pool_of(workers=1)
    stages: list[str] = []
    with pytest.raises(NotALicenceError):
        pool(png(800, 600), progress=lambda stage, _fraction: stages.append(stage))
    assert stages[:4] == ["load", "preprocess", "qr", "read"]


@pytest.mark.slow
def test_a_good_licence_is_read_while_a_bomb_is_being_stopped(pool_of):
    from ocr.sandbox import default_engines_factory

    pool = pool_of(default_engines_factory, workers=2, timeout_seconds=120)
    pool.start()
    image, truth = make_licence(4, 0, condition="clean")
    licence = cv2.imencode(".png", image)[1].tobytes()
    bomb_started = threading.Event()
    bomb_outcome: list[Exception] = []
    bomb_done_when_licence_began: list[bool] = []

    def read_bomb() -> None:
        try:
            pool(nested_xobject_pdf(levels=8), progress=lambda stage, _f: bomb_started.set())
        except OcrLimitError as exc:  # its time or its memory runs out, whichever first
            bomb_outcome.append(exc)

    def licence_progress(stage: str, _fraction: float) -> None:
        if stage == "load":
            bomb_done_when_licence_began.append(not bomb.is_alive())

    bomb = threading.Thread(target=read_bomb)
    bomb.start()
    assert bomb_started.wait(60)
    reading = pool(licence, progress=licence_progress)  # the other child reads it at once
    bomb.join()
    assert bomb_done_when_licence_began == [False]  # it did not wait for the bomb to end
    assert [type(e) for e in bomb_outcome] in ([OcrTimeoutError], [OcrResourceError])
    assert reading.uscc.value == truth["fields"]["uscc"]
    assert reading.uscc.status in (FieldStatus.READ, FieldStatus.REPAIRED)


@pytest.mark.slow
def test_the_cli_stops_a_pdf_bomb_at_the_time_limit(tmp_path):
    import io

    from ocr.cli import main
    from ocr.sandbox import SandboxSettings

    bomb = tmp_path / "licence.pdf"
    bomb.write_bytes(nested_xobject_pdf(levels=6))  # seconds of rendering and 2 GB in 3 KB
    err = io.StringIO()
    limited = SandboxSettings(timeout_seconds=2)
    assert main(["licence", str(bomb), "--json"], out=io.StringIO(), err=err, sandbox=limited) == 2
    assert "took longer than 2 s" in err.getvalue()
    assert "cold start" in err.getvalue()
