"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL.

PostgreSQL is reached at ``PORTAL_TEST_PG_URL`` (default: the machine's local
server, trust auth, database ``test``); each test gets a schema of its own.
Set ``PORTAL_TEST_DATABASES=sqlite`` to run only on SQLite while iterating;
CI runs both and fails, rather than skips, when PostgreSQL is down.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlmodel import SQLModel

import portal.db.all_tables  # noqa: F401
from crypto import Algorithm, Keyring
from crypto.adapters.filesystem import FilesystemBlobStorage
from crypto.fakes import InMemoryKeyProvider
from portal.bootstrap import Services
from portal.config import load_settings
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore

PG_URL = os.environ.get("PORTAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = os.environ.get("PORTAL_TEST_DATABASES", "sqlite,postgresql").split(",")


def _pg_engine(schema: str) -> Engine:
    return create_engine(
        PG_URL, connect_args={"options": f"-csearch_path={schema}"}, pool_pre_ping=True
    )


@contextmanager
def pg_schema_url() -> Iterator[str]:
    """A URL of a PostgreSQL schema of its own, dropped afterwards."""
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A URL of an empty database (SQLite file, or a PostgreSQL schema of its own)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/portal.db"
        return
    with pg_schema_url() as url:
        yield url


@pytest.fixture
def empty_engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on a database with every table created."""
    SQLModel.metadata.create_all(empty_engine)
    return empty_engine


@pytest.fixture
def key_provider() -> InMemoryKeyProvider:
    """The customer's KEK, held in memory for the test."""
    return InMemoryKeyProvider()


@pytest.fixture
def keyring(engine: Engine, key_provider: InMemoryKeyProvider) -> Keyring:
    """Data keys created in the test database, wrapped by the test KEK."""
    return Keyring.initialise(SqlDataKeyStore(engine), key_provider, Algorithm.AES_256_GCM)


@pytest.fixture
def store(keyring: Keyring) -> SupplierStore:
    """The supplier store, sealing with the test keyring."""
    return SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))


@pytest.fixture
def services(engine: Engine, keyring: Keyring, store: SupplierStore, tmp_path: Path) -> Services:
    """Everything the app needs, on the test database and keyring."""
    settings = load_settings(
        {"PORTAL_DATA_DIR": str(tmp_path / "data"), "PORTAL_SECURE_COOKIES": "0"}
    )
    settings.documents_dir.mkdir(parents=True, exist_ok=True)
    return Services(
        settings=settings,
        engine=engine,
        keyring=keyring,
        sealer=store.sealer,
        suppliers=store,
        documents=keyring.document_vault(FilesystemBlobStorage(settings.documents_dir)),
    )


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``portal demo`` folder set up once per test process (migrated, keyed, seeded, with
    its finance token): the browser tests copy it instead of migrating and seeding a demo of
    their own. Set up by the command itself, in a process of its own, with none of the
    test's ``PORTAL_`` settings."""
    folder = tmp_path_factory.mktemp("demo-template") / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    command = [sys.executable, "-m", "portal.cli", "demo", "--dir", str(folder), "--no-serve"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


def _cost(item: pytest.Item) -> int:
    """A file's rough cost class: 2 drives a browser, 1 is marked slow, 0 otherwise."""
    if item.get_closest_marker("browser"):
        return 2
    return 1 if item.get_closest_marker("slow") else 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the costliest files first: browser files, then slow ones, then the rest
    by number of tests (xdist's own order, which ``.ci/test`` turns off with
    ``--no-loadscope-reorder`` so that this one holds).

    A file runs whole on one worker (``--dist loadfile``); xdist's order (most tests first)
    put the one-test browser files, a minute or more each, last, so one worker ran the tail
    of them while the other had nothing left. Longest first leaves the short files to even
    out the two workers at the end. The tests of a file keep their order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    cost: dict[str, int] = {}
    size: Counter[str] = Counter()
    for item in items:
        file = item.nodeid.split("::", 1)[0]
        cost[file] = max(cost.get(file, 0), _cost(item))
        size[file] += 1
    order = {file: rank for rank, file in enumerate(cost)}

    def key(item: pytest.Item) -> tuple[int, int, int]:
        file = item.nodeid.split("::", 1)[0]
        return (-cost[file], -size[file], order[file])

    items.sort(key=key)
