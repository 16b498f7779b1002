"""OCR jobs: queue, claim, read, retry, take over, pre-fill; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from ocr.errors import EngineUnavailableError, TruncatedImageError
from portal.audit.log import AuditContext, AuditLog
from portal.bootstrap import Services
from portal.db.ocr_tables import OcrJobRow
from portal.db.supplier_store import RowBatch, SupplierStore
from portal.db.tables import table_of
from portal.domain.principal import Principal, Role
from portal.domain.supplier import Money, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.ocr_jobs import (
    JobState,
    OcrJob,
    OcrJobNotFoundError,
    OcrJobSettings,
    OcrWorker,
    OcrWorkerDeps,
    claim_next,
    compare_sources,
    enqueue_licence,
    get_job,
    prefill,
    proposal_from_form,
    run_next,
)
from registry.model import EnterpriseRecord, RegistryStatus
from tests.support import Clock
from tests.support.licences import PNG, FakeReader, reading

JOB = table_of(OcrJobRow)
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
NAME = "上海甲贸易有限公司"


@pytest.fixture
def supplier(services: Services, store: SupplierStore) -> Supplier:
    batch = RowBatch()
    sid = store.add_to_batch(batch, Supplier(uscc=make_uscc(21), name=NAME, address="旧址"), T0)
    with services.engine.begin() as conn:
        store.insert_batch(conn, batch)
        found = store.get(conn, sid)
    assert found is not None
    return found


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def reader(supplier: Supplier) -> FakeReader:
    return FakeReader(reading(supplier.name, supplier.uscc))


@pytest.fixture
def deps(services: Services, reader: FakeReader, clock: Clock) -> OcrWorkerDeps:
    settings = OcrJobSettings(lease_seconds=60, max_attempts=3, backoff_seconds=10)
    return OcrWorkerDeps(
        services.engine, services.documents, AuditLog(services.sealer), reader, settings, clock
    )


@pytest.fixture
def queue(services: Services, supplier: Supplier, clock: Clock) -> Callable[[], OcrJob]:
    user = Principal("u-a", Role.SUPPLIER, supplier_id=supplier.id)

    def enqueue() -> OcrJob:
        return enqueue_licence(
            services.engine,
            services.documents,
            AuditLog(services.sealer),
            AuditContext(actor=user.subject),
            user,
            supplier.id or "",
            filename="licence.png",
            content=PNG,
            max_bytes=4096,
            now=clock(),
        )

    return enqueue


def job(deps: OcrWorkerDeps, job_id: str) -> OcrJob:
    return get_job(deps.engine, Principal("staff", Role.ADMIN), job_id)


def test_a_job_is_read_to_the_end_leaving_the_reading_and_its_time(
    deps: OcrWorkerDeps, queue: Callable[[], OcrJob], reader: FakeReader, supplier: Supplier
) -> None:
    queued = queue()
    assert (queued.state, queued.progress, queued.attempts) == (JobState.QUEUED, 0.0, 0)
    seen: list[tuple[str, str, float]] = []
    reader.before_return = lambda: seen.append(
        (
            job(deps, queued.id).state.value,
            job(deps, queued.id).stage,
            job(deps, queued.id).progress,
        )
    )
    assert run_next(deps) == queued.id
    done = job(deps, queued.id)
    assert seen == [("running", "check", pytest.approx(6 / 8))]  # progress written as it went
    assert (done.state, done.stage, done.progress, done.attempts) == (JobState.DONE, "done", 1.0, 1)
    assert done.result is not None and done.result["fields"]["uscc"]["value"] == supplier.uscc
    assert done.seconds is not None and done.finished_at == T0
    assert reader.calls == [(len(PNG), "licence.png")]  # the decrypted upload
    assert run_next(deps) is None


def test_two_workers_never_claim_the_same_job(
    deps: OcrWorkerDeps, queue: Callable[[], OcrJob]
) -> None:
    queued = queue()
    won: list[str | None] = []
    start = threading.Barrier(6)

    def race(n: int) -> None:
        start.wait()
        won.append(claim_next(deps.engine, f"worker-{n}", now=T0, lease=timedelta(minutes=1)))

    threads = [threading.Thread(target=race, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [w for w in won if w is not None] == [queued.id]
    assert won.count(None) == 5
    assert job(deps, queued.id).attempts == 1


def test_a_running_job_whose_lease_ran_out_is_read_again(
    deps: OcrWorkerDeps, queue: Callable[[], OcrJob], clock: Clock
) -> None:
    queued = queue()
    assert claim_next(deps.engine, "crashed", now=T0, lease=timedelta(seconds=60)) == queued.id
    assert run_next(deps) is None  # still leased to the crashed worker
    clock.now = T0 + timedelta(seconds=61)
    assert run_next(deps) == queued.id
    done = job(deps, queued.id)
    assert (done.state, done.attempts) == (JobState.DONE, 2)


def test_a_worker_whose_job_was_taken_over_drops_its_result(
    deps: OcrWorkerDeps, queue: Callable[[], OcrJob], reader: FakeReader
) -> None:
    queued = queue()

    def taken_over() -> None:
        with deps.engine.begin() as conn:
            conn.execute(update(JOB).values(claimed_by="someone-else"))

    reader.before_return = taken_over
    assert run_next(deps) == queued.id
    with deps.engine.connect() as conn:
        row = conn.execute(select(JOB)).one()
    assert (row.state, row.claimed_by, row.result) == ("running", "someone-else", None)


def test_an_input_error_fails_the_job_at_once_with_its_message(
    deps: OcrWorkerDeps, queue: Callable[[], OcrJob], reader: FakeReader, clock: Clock
) -> None:
    reader.outcomes = [TruncatedImageError("文件不完整 / the file ends before the picture does")]
    queued = queue()
    assert run_next(deps) == queued.id
    failed = job(deps, queued.id)
    assert (failed.state, failed.error_code, failed.attempts) == (
        JobState.FAILED,
        "ocr.truncated_image",
        1,
    )
    assert failed.error == "文件不完整 / the file ends before the picture does"
    clock.now += timedelta(days=1)
    assert run_next(deps) is None and len(reader.calls) == 1  # never retried


def test_an_engine_error_is_retried_after_a_growing_back_off(
    deps: OcrWorkerDeps,
    queue: Callable[[], OcrJob],
    reader: FakeReader,
    clock: Clock,
    supplier: Supplier,
) -> None:
    down = EngineUnavailableError("tesseract is not installed")
    reader.outcomes = [down, down, reading(supplier.name, supplier.uscc)]
    queued = queue()
    assert run_next(deps) == queued.id
    waiting = job(deps, queued.id)
    assert (waiting.state, waiting.stage, waiting.error) == (
        JobState.QUEUED,
        "waiting",
        "tesseract is not installed",
    )
    clock.now = T0 + timedelta(seconds=9)
    assert run_next(deps) is None  # back-off: 10 s after the first attempt
    clock.now = T0 + timedelta(seconds=10)
    assert run_next(deps) == queued.id
    clock.now += timedelta(seconds=19)
    assert run_next(deps) is None  # then 20 s
    clock.now += timedelta(seconds=1)
    assert run_next(deps) == queued.id
    done = job(deps, queued.id)
    assert (done.state, done.attempts) == (JobState.DONE, 3)


def test_an_engine_that_stays_down_fails_the_job_after_the_last_attempt(
    deps: OcrWorkerDeps, queue: Callable[[], OcrJob], reader: FakeReader, clock: Clock
) -> None:
    reader.outcomes = [EngineUnavailableError("model file missing")]
    queued = queue()
    for _ in range(3):
        assert run_next(deps) == queued.id
        clock.now += timedelta(hours=1)
    failed = job(deps, queued.id)
    assert (failed.state, failed.error_code, failed.attempts) == (
        JobState.FAILED,
        "ocr.engine_unavailable",
        3,
    )


def test_a_job_that_keeps_crashing_its_worker_is_given_up(
    deps: OcrWorkerDeps, queue: Callable[[], OcrJob], clock: Clock
) -> None:
    queued = queue()
    for n in range(3):
        assert claim_next(deps.engine, f"crash-{n}", now=clock(), lease=deps.settings.lease)
        clock.now += timedelta(minutes=2)
    assert run_next(deps) == queued.id
    failed = job(deps, queued.id)
    assert (failed.state, failed.error_code) == (JobState.FAILED, "ocr.gave_up")


def test_another_supplier_s_user_gets_no_job(
    deps: OcrWorkerDeps, queue: Callable[[], OcrJob]
) -> None:
    queued = queue()
    other = Principal("u-b", Role.SUPPLIER, supplier_id="another-supplier")
    with pytest.raises(OcrJobNotFoundError):
        get_job(deps.engine, other, queued.id)


async def test_the_in_process_worker_reads_what_is_queued(
    deps: OcrWorkerDeps, queue: Callable[[], OcrJob]
) -> None:
    warmed: list[bool] = []
    worker = OcrWorker(
        replace(deps, settings=replace(deps.settings, poll_seconds=30)),
        warm_up=lambda: warmed.append(True),
    )
    worker.start()
    try:
        await asyncio.sleep(0.2)  # idle, waiting for a wake-up or the next poll
        queued = await asyncio.to_thread(queue)
        worker.wake()
        for _ in range(100):
            if (await asyncio.to_thread(job, deps, queued.id)).finished:
                break
            await asyncio.sleep(0.05)
        assert (await asyncio.to_thread(job, deps, queued.id)).state is JobState.DONE
    finally:
        await worker.stop()
    assert not worker.running and worker.jobs == 1 and warmed == [True]
    # each pass has its own id, which the job's audit entries (and log lines) carry
    from portal.audit.log import ENTRY

    with deps.engine.connect() as conn:
        ids = (
            conn.execute(select(ENTRY.c.request_id).where(ENTRY.c.actor == "system:ocr-worker"))
            .scalars()
            .all()
        )
    assert ids and all(re.fullmatch(r"ocr-[0-9a-f]{32}", i or "") for i in ids), ids


# -- the form and the comparison -------------------------------------------------------


def test_confident_fields_are_prefilled_and_unsure_ones_left_to_type(supplier: Supplier) -> None:
    result = reading(NAME, supplier.uscc, low=("address",), unreadable=("entity_type",)).as_dict()
    pre = prefill(supplier, result, min_confidence=0.8)
    by_name = {f.name: f for f in pre.fields}
    assert by_name["name"].value == NAME and not by_name["name"].differs
    assert by_name["registered_capital"].value == "1000000 CNY"
    assert by_name["term_to"].value == "长期"
    assert (by_name["address"].value, by_name["address"].read) == ("", "上海市浦东新区张江路88号")
    assert (by_name["entity_type"].value, by_name["entity_type"].status) == ("", "unreadable")
    assert by_name["legal_representative"].differs
    assert pre.uscc_matches is True


def test_a_credit_code_that_is_not_on_file_or_unreadable_is_said_so(supplier: Supplier) -> None:
    other = reading(NAME, make_uscc(22)).as_dict()
    assert prefill(supplier, other, min_confidence=0.8).uscc_matches is False
    unread = reading(NAME, supplier.uscc, unreadable=("uscc",)).as_dict()
    assert prefill(supplier, unread, min_confidence=0.8).uscc_matches is None


def test_the_form_asks_only_for_what_was_filled_in() -> None:
    proposal = proposal_from_form(
        "s1", {"name": " 甲公司 ", "address": "", "uscc": "x", "_csrf": "t"}
    )
    assert dict(proposal.values) == {"name": "甲公司"}


def test_licence_typed_and_registry_values_are_compared_field_by_field(
    supplier: Supplier,
) -> None:
    record = EnterpriseRecord(
        name=NAME,
        uscc=supplier.uscc,
        legal_representative="李雷",
        status=RegistryStatus.ACTIVE,
        registered_capital=Money(Decimal("1000000"), "CNY"),
        established_on=date(2015, 3, 5),
        term_from=date(2015, 3, 5),
        address="上海市浦东新区张江路88号",
        provider="demo",
    )
    pre = prefill(supplier, reading(NAME, supplier.uscc).as_dict(), min_confidence=0.8)
    rows, findings = compare_sources(supplier, pre, record, today=date(2026, 11, 2))
    by_name = {r.name: r for r in rows}
    assert by_name["name"].agrees is True
    assert by_name["address"].agrees is False  # 旧址 on file
    assert (by_name["legal_representative"].licence, by_name["legal_representative"].registry) == (
        "张伟",
        "李雷",
    )
    assert [f.code for f in findings] == ["legal_rep.mismatch"]  # the licence's, not typed
