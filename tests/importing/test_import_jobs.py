"""The import job table: one job per file, claims that exclude each other, leases that let
another worker finish what a dead one started, and the file kept encrypted."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from crypto import Keyring
from crypto.adapters.filesystem import FilesystemBlobStorage
from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import SupplierStore
from portal.domain.principal import Role
from portal.domain.uscc_factory import make_uscc
from portal.importing.audited import ImportNotAllowedError
from portal.importing.jobs import (
    JOB,
    ImportJobDeps,
    ImportJobStateError,
    JobState,
    choose_sheet,
    claim_next,
    confirm_import,
    get_job,
    settle,
    upload_list,
)
from portal.importing.worker import run_phase
from tests.support import Clock
from tests.support.personas import staff_member

CLERK = staff_member("li.na", Role.PURCHASING_CLERK, "李娜")
CTX = AuditContext(actor="li.na", actor_role="purchasing_clerk")
CONTENT = (
    f"统一社会信用代码,供应商名称,银行账号\n{make_uscc(501)},上海甲材料有限公司,6222021234500001\n"
)


@pytest.fixture
def deps(engine: Engine, store: SupplierStore, keyring: Keyring, tmp_path: Path) -> ImportJobDeps:
    vault = keyring.document_vault(FilesystemBlobStorage(tmp_path / "blobs"))
    (tmp_path / "blobs").mkdir()
    return ImportJobDeps(engine, store, AuditLog(store.sealer), vault, clock=Clock())


def upload(deps: ImportJobDeps, content: str = CONTENT) -> str:
    job, existed = upload_list(
        deps, CTX, CLERK, filename="名单.csv", content=content.encode(), max_bytes=1 << 20
    )
    assert not existed
    return job.id


def test_the_uploaded_list_is_stored_encrypted_and_the_same_file_is_one_job(
    deps: ImportJobDeps, tmp_path: Path
) -> None:
    job_id = upload(deps)
    (blob,) = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    stored = blob.read_bytes()
    assert "上海甲材料".encode() not in stored and b"6222021234500001" not in stored
    again, existed = upload_list(
        deps, CTX, CLERK, filename="copy.csv", content=CONTENT.encode(), max_bytes=1 << 20
    )
    assert existed and again.id == job_id


def test_a_supplier_user_cannot_upload_a_list(deps: ImportJobDeps) -> None:
    supplier = staff_member("s", Role.SUPPLIER)
    with pytest.raises(ImportNotAllowedError):
        upload_list(deps, CTX, supplier, filename="x.csv", content=b"a", max_bytes=10)


def test_two_workers_never_hold_one_job_and_a_dead_workers_job_is_taken_over(
    deps: ImportJobDeps,
) -> None:
    job_id = upload(deps)
    first = dataclasses.replace(deps, worker_id="worker-1")
    second = dataclasses.replace(deps, worker_id="worker-2")
    taken = claim_next(first)
    assert taken is not None and taken.state is JobState.CHECKING
    assert claim_next(second) is None  # held under worker-1's lease
    assert isinstance(deps.clock, Clock)
    deps.clock.advance(minutes=6)  # worker-1 died: its lease ran out
    again = claim_next(second)
    assert again is not None and again.id == job_id and again.attempts == 2
    assert not settle(first, job_id, rows_done=1)  # worker-1's late report is dropped
    run_phase(second, again)
    assert get_job(deps.engine, CLERK, job_id).state is JobState.CHECKED


def test_a_list_is_imported_once_and_its_sheet_is_fixed_once_imported(
    deps: ImportJobDeps,
) -> None:
    job_id = upload(deps)
    job = claim_next(deps)
    assert job is not None
    run_phase(deps, job)
    confirm_import(deps, CTX, CLERK, job_id)
    with pytest.raises(ImportJobStateError):
        confirm_import(deps, CTX, CLERK, job_id)
    with pytest.raises(ImportJobStateError):
        choose_sheet(deps, CTX, CLERK, job_id, "Sheet2")
    job = claim_next(deps)
    assert job is not None and job.state is JobState.IMPORTING
    run_phase(deps, job)
    with deps.engine.connect() as conn:
        state = conn.execute(select(JOB.c.state).where(JOB.c.id == job_id)).scalar_one()
    assert state == "done"  # no verification wired here: done after the import


async def test_the_worker_loop_checks_an_uploaded_list_by_itself(deps: ImportJobDeps) -> None:
    import asyncio

    from portal.importing.worker import ImportWorker

    worker = ImportWorker(deps, poll_seconds=0.05)
    worker.start()
    try:
        job_id = await asyncio.to_thread(upload, deps)
        worker.wake()
        for _ in range(600):  # until the loop has run the phase (never a time limit asserted)
            job = await asyncio.to_thread(get_job, deps.engine, CLERK, job_id)
            if job.state is JobState.CHECKED:
                break
            await asyncio.sleep(0.05)
        assert job.state is JobState.CHECKED and worker.phases == 1
    finally:
        await worker.stop()


def test_the_kept_report_is_re_encrypted_by_a_field_key_rotation(
    deps: ImportJobDeps, keyring: Keyring
) -> None:
    from crypto import Purpose
    from portal.db.keystore import SqlDataKeyStore
    from portal.importing.jobs import job_report
    from portal.keys.rotation import remaining_on_old_keys, run_rotation, start_or_resume

    job_id = upload(deps)
    job = claim_next(deps)
    assert job is not None
    run_phase(deps, job)
    progress = start_or_resume(deps.engine, keyring, SqlDataKeyStore(deps.engine), Purpose.FIELD)
    assert run_rotation(deps.engine, deps.sealer, progress, batch_size=10).done
    assert remaining_on_old_keys(deps.engine, deps.sealer) == 0
    kept = job_report(deps, CLERK, get_job(deps.engine, CLERK, job_id))
    assert kept is not None and kept["counts"]["rows"] == 1 and kept["file"] == "名单.csv"
