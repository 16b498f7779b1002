"""Backups that restore: the database, the document store and the key-store metadata.

A backup is a folder::

    manifest.json        what is inside, the schema revision, the data keys' metadata
                         (purpose, version, algorithm, which KEK wraps them), the
                         SHA-256 of every file
    database.pgdump      PostgreSQL: ``pg_dump --format=custom``
    database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API
    documents/<hash>     every document blob, still encrypted, as the store holds it

It never holds the customer's key (KEK): the data keys are in the database only
wrapped by it, and the documents stay encrypted, so a backup is useless without
the KEK, which is kept (and backed up) apart. Neither ``create`` nor
``restore`` needs the KEK; ``portal keys status`` after a restore proves the
KEK at hand opens the restored keys.

``restore`` writes only into an empty database (no ``alembic_version``) and
checks every file's hash before it writes anything.

Errors::

    BackupError
    ├── BackupInvalidError (ValueError)   the folder is not a complete, intact backup
    └── RestoreTargetNotEmptyError        the database to restore into already has a schema
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine, inspect, make_url, select

from crypto import BlobStorage, DocumentNotFoundError
from portal.db.migrate import current
from portal.db.tables import DataKeyRow, DocumentRow, table_of

__all__ = [
    "BackupError",
    "BackupInvalidError",
    "BackupSummary",
    "RestoreTargetNotEmptyError",
    "create_backup",
    "restore_backup",
]

FORMAT = 1
MANIFEST = "manifest.json"
DOCUMENT = table_of(DocumentRow)
DATA_KEY = table_of(DataKeyRow)


class BackupError(Exception):
    """Base of the backup errors."""


class BackupInvalidError(BackupError, ValueError):
    """The folder is not a complete, intact backup (missing file, wrong hash, unknown format)."""


class RestoreTargetNotEmptyError(BackupError):
    """The database to restore into already has a schema; restore only into an empty one."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (or what a restore wrote)."""

    folder: Path
    database: str
    revision: str | None
    documents: int
    data_keys: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(engine: Engine) -> str:
    """The URL for pg_dump/pg_restore: no SQLAlchemy driver suffix."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")


def _dump_database(engine: Engine, folder: Path) -> str:
    if engine.url.get_backend_name() == "postgresql":
        target = folder / "database.pgdump"
        _run(
            [
                shutil.which("pg_dump") or "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={target}",
                _libpq_url(engine),
            ]
        )
        return target.name
    source = engine.url.database
    if not source or source == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    target = folder / "database.sqlite3"
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)  # consistent even while the portal writes
    copy.close()
    live.close()
    return target.name


def _document_ids(engine: Engine) -> Iterator[str]:
    with engine.connect() as conn:
        yield from conn.execute(select(DOCUMENT.c.id).order_by(DOCUMENT.c.id)).scalars()


def _key_metadata(engine: Engine) -> list[dict[str, Any]]:
    """The data keys without their wrapped bytes: what the operator needs to know."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                DATA_KEY.c.purpose,
                DATA_KEY.c.version,
                DATA_KEY.c.algorithm,
                DATA_KEY.c.kek_id,
                DATA_KEY.c.state,
            ).order_by(DATA_KEY.c.purpose, DATA_KEY.c.version)
        )
        return [dict(row._mapping) for row in rows]


def create_backup(
    engine: Engine, blobs: BlobStorage, folder: Path, *, now: datetime | None = None
) -> BackupSummary:
    """Write a backup of the database and every document into ``folder`` (new or empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty; give a new folder for each backup")
    revision = current(engine)
    database_file = _dump_database(engine, folder)
    (folder / "documents").mkdir()
    documents: dict[str, str] = {}
    missing: list[str] = []
    for doc_id in _document_ids(engine):
        name = hashlib.sha256(doc_id.encode()).hexdigest()
        try:
            with blobs.open(doc_id) as blob, (folder / "documents" / name).open("wb") as out:
                shutil.copyfileobj(blob, out, 1 << 20)
        except DocumentNotFoundError:
            missing.append(doc_id)
            continue
        documents[doc_id] = name
    if missing:
        raise BackupError(
            f"{len(missing)} document(s) are in the database but not in the store, "
            f"e.g. {missing[0]}; the store is not the one this database uses"
        )
    files = [database_file, *(f"documents/{name}" for name in documents.values())]
    keys = _key_metadata(engine)
    manifest = {
        "format": FORMAT,
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "database": engine.url.get_backend_name(),
        "database_file": database_file,
        "revision": revision,
        "documents": documents,
        "data_keys": keys,
        "kek_ids": sorted({k["kek_id"] for k in keys}),
        "kek_included": False,
        "sha256": {name: _sha256(folder / name) for name in files},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return BackupSummary(folder, engine.url.get_backend_name(), revision, len(documents), len(keys))


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, after checking that every file it names is there and intact."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupInvalidError(f"{folder} has no readable {MANIFEST}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupInvalidError(f"unknown backup format {manifest.get('format')!r}")
    for name, expected in manifest["sha256"].items():
        path = folder / name
        if not path.is_file():
            raise BackupInvalidError(f"{name} is missing from the backup")
        if _sha256(path) != expected:
            raise BackupInvalidError(f"{name} does not match its hash in the manifest")
    return manifest


def _restore_database(engine: Engine, folder: Path, manifest: dict[str, Any]) -> None:
    backend = engine.url.get_backend_name()
    if backend != manifest["database"]:
        raise BackupInvalidError(
            f"this is a {manifest['database']} backup; it cannot be restored into {backend}"
        )
    if inspect(engine).has_table("alembic_version"):
        raise RestoreTargetNotEmptyError(
            "the target database already has a schema; restore into a new, empty database"
        )
    source = folder / manifest["database_file"]
    if backend == "postgresql":
        _run(
            [
                shutil.which("pg_restore") or "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={_libpq_url(engine)}",
                str(source),
            ]
        )
        return
    target = make_url(engine.url).database
    if not target or target == ":memory:":
        raise BackupError("cannot restore into an in-memory SQLite database")
    engine.dispose()
    with sqlite3.connect(source) as dump, sqlite3.connect(target) as live:
        dump.backup(live)
    dump.close()
    live.close()


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    while block := handle.read(1 << 20):
        yield block


def restore_backup(engine: Engine, blobs: BlobStorage, folder: Path) -> BackupSummary:
    """Restore a backup into an empty database and document store."""
    manifest = read_manifest(folder)
    _restore_database(engine, folder, manifest)
    for doc_id, name in manifest["documents"].items():
        with (folder / "documents" / name).open("rb") as blob:
            blobs.put(doc_id, _chunks(blob))
    return BackupSummary(
        folder,
        manifest["database"],
        manifest["revision"],
        len(manifest["documents"]),
        len(manifest["data_keys"]),
    )
