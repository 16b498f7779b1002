"""A backup restores into an empty database and store, and everything in it still opens.

The portal is filled through its own use cases (suppliers with sealed bank
accounts and phones, a document, the audit entries both leave), backed up with
``portal backup create``, restored with ``portal backup restore`` into a new
database and an empty document folder, and then read back with the same KEK.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crypto.adapters.local import generate_key_file
from portal.audit.log import AuditContext, AuditLog
from portal.bootstrap import Services, build_services
from portal.cli import main as portal
from portal.config import load_settings
from portal.db.tables import DocumentRow, table_of
from portal.documents import store as docs
from portal.domain.principal import Principal, Role
from portal.keys.rotation import SEALED_COLUMNS
from registry.testing import FORMER_NAMES, KNOWN
from tests.deploy.conftest import (
    DATABASES,
    create_pg_database,
    drop_pg_database,
    run_portal,
    source_env,
)
from tests.moto_s3 import S3Server, running_s3_server
from tests.support.documents import pdf_bytes
from tests.verification.conftest import store_suppliers, typed

pytestmark = pytest.mark.slow

CONTRACT = pdf_bytes(3)  # a real PDF: uploads are checked over their whole structure
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.fixture(params=["filesystem", "s3"])
def stores(request: pytest.FixtureRequest) -> tuple[dict[str, str], dict[str, str]]:
    """The live document store's settings and an empty one's to restore into."""
    if request.param == "filesystem":
        return {}, {}  # each data folder has its own documents/
    server: S3Server = request.getfixturevalue("s3")
    tag = uuid.uuid4().hex[:8]
    live, empty = server.env(f"live-{tag}"), server.env(f"restored-{tag}")
    return {**live, "PORTAL_S3_CREATE_BUCKET": "1"}, {**empty, "PORTAL_S3_CREATE_BUCKET": "1"}


@pytest.fixture(params=DATABASES)
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The live database's URL and an empty one's to restore into."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'live.db'}", f"sqlite:///{tmp_path / 'restored.db'}"
        return
    urls = create_pg_database(), create_pg_database()
    try:
        yield urls
    finally:
        for url in urls:
            drop_pg_database(url)


def _environment(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, url: str, kek: Path, **extra: str
) -> None:
    for name in [n for n in os.environ if n.startswith("PORTAL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    monkeypatch.setenv("PORTAL_KEK_FILE", str(kek))
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


def _keys_init() -> None:
    """``portal keys init`` (which migrates first), in a process of its own as an operator runs it."""
    done = run_portal(["keys", "init"], source_env(dict(os.environ)))
    assert done.returncode == 0, done.stdout + done.stderr


def _services() -> Services:
    return build_services(load_settings())


def _clear_values(services: Services) -> dict[tuple[str, str, str], str]:
    """Every sealed value in the database, decrypted (raises if any does not decrypt)."""
    values = {}
    with services.engine.connect() as conn:
        for column in SEALED_COLUMNS:
            table = column.table
            enc = table.c[column.enc]
            for row_id, token in conn.execute(select(table.c.id, enc).where(enc.is_not(None))):
                values[(table.name, column.name, row_id)] = services.sealer.cipher.decrypt_any(
                    token, table=table.name, column=column.name, row_id=row_id
                )
    return values


def _documents(services: Services) -> dict[str, bytes]:
    """Every document, opened and decrypted as staff would."""
    staff = Principal("u-auditor", Role.AUDITOR, "Auditor")
    opened = {}
    with services.engine.connect() as conn:
        ids = conn.execute(select(table_of(DocumentRow).c.id)).scalars().all()
    for doc_id in ids:
        _, chunks = docs.open_document(
            services.engine,
            services.documents,
            AuditLog(services.sealer),
            AuditContext.cli("backup-test"),
            staff,
            doc_id,
            now=NOW,
        )
        opened[doc_id] = b"".join(chunks)
    return opened


def test_a_restored_backup_decrypts_every_value_opens_every_document_and_keeps_the_audit_chain(
    two_databases: tuple[str, str],
    stores: tuple[dict[str, str], dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    live_url, empty_url = two_databases
    kek = tmp_path / "keys" / "kek.key"
    kek.parent.mkdir()
    generate_key_file(kek)
    backup = tmp_path / "backup"

    live_store, empty_store = stores
    _environment(monkeypatch, tmp_path / "live", live_url, kek, **live_store)
    _keys_init()
    live = _services()
    supplier_id, _ = store_suppliers(live, typed(KNOWN), typed(FORMER_NAMES))
    supplier = Principal("u-supplier", Role.SUPPLIER, "供应商", supplier_id=supplier_id)
    docs.upload_document(
        live.engine, live.documents, AuditLog(live.sealer), AuditContext.cli("backup-test"),
        supplier, supplier_id, kind="other", filename="contract.pdf", content=CONTRACT,
        max_bytes=1 << 20, now=NOW,
    )  # fmt: skip
    before = _clear_values(live)
    live.engine.dispose()
    assert portal(["backup", "create", str(backup)]) == 0

    _environment(monkeypatch, tmp_path / "restored", empty_url, kek, **empty_store)
    assert portal(["backup", "restore", str(backup)]) == 0
    restored = _services()
    try:
        assert _clear_values(restored) == before
        assert list(_documents(restored).values()) == [CONTRACT]
    finally:
        restored.engine.dispose()
    capsys.readouterr()
    assert portal(["audit", "verify"]) == 0
    assert "audit log intact" in capsys.readouterr().out


def test_a_backup_never_contains_the_kek(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kek = tmp_path / "kek.key"
    generate_key_file(kek)
    _environment(monkeypatch, tmp_path / "data", f"sqlite:///{tmp_path / 'p.db'}", kek)
    _keys_init()
    assert portal(["backup", "create", str(tmp_path / "backup")]) == 0
    secret = base64.b64decode(kek.read_bytes())
    for path in (tmp_path / "backup").rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert secret not in content and kek.read_bytes().strip() not in content, path


def test_restore_refuses_a_database_that_already_has_a_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kek = tmp_path / "kek.key"
    generate_key_file(kek)
    _environment(monkeypatch, tmp_path / "data", f"sqlite:///{tmp_path / 'p.db'}", kek)
    _keys_init()
    assert portal(["backup", "create", str(tmp_path / "backup")]) == 0
    assert portal(["backup", "restore", str(tmp_path / "backup")]) == 2
    assert "already has a schema" in capsys.readouterr().err


def test_restore_refuses_a_backup_whose_files_were_altered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kek = tmp_path / "kek.key"
    generate_key_file(kek)
    _environment(monkeypatch, tmp_path / "data", f"sqlite:///{tmp_path / 'p.db'}", kek)
    _keys_init()
    assert portal(["backup", "create", str(tmp_path / "backup")]) == 0
    dump = tmp_path / "backup" / "database.sqlite3"
    content = bytearray(dump.read_bytes())
    content[100] ^= 0xFF
    dump.write_bytes(bytes(content))
    _environment(monkeypatch, tmp_path / "other", f"sqlite:///{tmp_path / 'q.db'}", kek)
    assert portal(["backup", "restore", str(tmp_path / "backup")]) == 2
    assert "does not match its hash" in capsys.readouterr().err
