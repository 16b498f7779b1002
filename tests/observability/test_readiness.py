"""``/readyz``: 200 when the process can serve, 503 naming each check that failed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from crypto import Keyring
from crypto.adapters.filesystem import FilesystemBlobStorage
from crypto.errors import KeyUnavailableError
from ocr.sandbox import LicenceReaderPool
from portal.bootstrap import Services, build_collaborators
from portal.config import load_settings
from portal.db.engine import make_engine
from portal.db.migrate import upgrade
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.observability.readiness import Check, check_ocr, head_revision, run_checks
from portal.web.app import create_app

REDIS = "redis://127.0.0.1:6379/0"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there once the probe is closed


@pytest.fixture
def migrated(empty_engine: Engine) -> Engine:
    upgrade(empty_engine)
    return empty_engine


def _services(engine: Engine, key_provider: Any, tmp_path: Path, **env: str) -> Services:
    from crypto import Algorithm
    from portal.db.keystore import SqlDataKeyStore

    settings = load_settings({"PORTAL_DATA_DIR": str(tmp_path / "data"), **env})
    settings.documents_dir.mkdir(parents=True, exist_ok=True)
    keyring = Keyring.initialise(SqlDataKeyStore(engine), key_provider, Algorithm.AES_256_GCM)
    sealer = Sealer(keyring.field_cipher(), keyring.blind_indexer())
    return Services(
        settings=settings,
        engine=engine,
        keyring=keyring,
        sealer=sealer,
        suppliers=SupplierStore(sealer),
        documents=keyring.document_vault(FilesystemBlobStorage(settings.documents_dir)),
    )


def _readyz(services: Services, state: dict[str, Any] | None = None) -> Any:
    app = create_app(build_collaborators(services), state=state)
    with TestClient(app=app) as client:
        return client.get("/readyz")


def test_ready_when_the_database_is_at_head_redis_answers_and_the_keys_are_loaded(
    migrated: Engine, key_provider: Any, tmp_path: Path
) -> None:
    services = _services(migrated, key_provider, tmp_path, PORTAL_SESSION_REDIS_URL=REDIS)
    answer = _readyz(services)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ready" and body["failed"] == []
    assert body["checks"]["migrations"] == {"ok": True, "detail": f"at {head_revision()}"}
    assert body["checks"]["redis"]["ok"] and body["checks"]["keys"]["ok"]
    assert body["checks"]["ocr"]["detail"] == "not run by this process"


def test_a_dead_redis_makes_the_process_not_ready_and_healthz_stays_up(
    migrated: Engine, key_provider: Any, tmp_path: Path
) -> None:
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    services = _services(migrated, key_provider, tmp_path, PORTAL_SESSION_REDIS_URL=dead)
    app = create_app(build_collaborators(services))
    with TestClient(app=app) as client:
        ready, health = client.get("/readyz"), client.get("/healthz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["redis"]["detail"].startswith("Redis does not answer")
    assert health.status_code == 200  # liveness: the process itself is fine


def test_a_database_behind_the_release_names_its_revision_and_the_fix(
    empty_engine: Engine, key_provider: Any, tmp_path: Path
) -> None:
    upgrade(empty_engine, "0012")
    services = _services(empty_engine, key_provider, tmp_path)
    answer = _readyz(services)
    assert answer.status_code == 503
    body = answer.json()
    assert body["failed"] == ["migrations"]
    assert body["checks"]["migrations"]["detail"] == (
        f"the database is at 0012, this release needs {head_revision()}: run `portal db upgrade`"
    )


def test_an_unreachable_database_fails_the_database_and_migration_checks(
    migrated: Engine, key_provider: Any, tmp_path: Path
) -> None:
    services = _services(migrated, key_provider, tmp_path)
    dead = make_engine(f"postgresql+psycopg://portal:pw@127.0.0.1:{_free_port()}/portal")
    services.engine = dead
    try:
        answer = _readyz(services)
    finally:
        dead.dispose()
    assert answer.status_code == 503
    body = answer.json()
    assert body["failed"] == ["database", "migrations"]
    assert body["checks"]["database"]["detail"] == "the database does not answer (OperationalError)"
    assert "pw" not in answer.text


class _LockedSealer:
    """A keyring whose key is gone (an HSM session that dropped)."""

    def seal(self, *args: Any) -> str:
        raise KeyUnavailableError("the HSM session is closed")

    def open(self, *args: Any) -> Any:
        raise KeyUnavailableError("the HSM session is closed")


def test_keys_that_cannot_seal_make_the_process_not_ready(
    migrated: Engine, key_provider: Any, tmp_path: Path
) -> None:
    services = _services(migrated, key_provider, tmp_path)
    app = create_app(build_collaborators(services))
    services.sealer = _LockedSealer()  # type: ignore[assignment]
    with TestClient(app=app) as client:
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["failed"] == ["keys"]
    detail = answer.json()["checks"]["keys"]["detail"]
    assert detail == "the data keys are not usable (KeyUnavailableError)"


@pytest.fixture
def cold_pool() -> Iterator[LicenceReaderPool]:
    pool = LicenceReaderPool()  # never started: no warm reader process yet
    yield pool
    pool.close()


def test_a_process_that_reads_licences_is_not_ready_until_its_readers_are_warm(
    migrated: Engine, key_provider: Any, tmp_path: Path, cold_pool: LicenceReaderPool
) -> None:
    services = _services(migrated, key_provider, tmp_path)
    ocr = SimpleNamespace(
        settings=SimpleNamespace(worker=True),
        reader=cold_pool,
        worker=SimpleNamespace(running=True),
    )
    answer = _readyz(services, state={"ocr": ocr})
    assert answer.status_code == 503
    assert answer.json()["failed"] == ["ocr"]
    assert "still loading" in answer.json()["checks"]["ocr"]["detail"]

    warm = SimpleNamespace(workers=lambda: [object(), object()])
    assert check_ocr(True, warm, True).detail == "2 warm reader(s)"
    timed = SimpleNamespace(workers=lambda: [SimpleNamespace(warm_seconds=6.25)])
    assert check_ocr(True, timed, True).detail == "1 warm reader(s), models loaded in 6.2 s"
    assert not check_ocr(True, warm, False).ok  # the worker task is not running
    assert check_ocr(False, cold_pool, False).ok  # another process reads licences


def test_a_check_that_raises_counts_as_failed_under_its_name() -> None:
    def check_redis() -> Check:
        raise TimeoutError

    report = run_checks([partial(check_redis)])
    assert not report.ready and report.failed == ["redis"]
    assert report.checks[0].detail == "the check failed: TimeoutError"
