"""Operations an orchestrator may start twice at once must not trip over each other.

Two ``portal db upgrade`` runs (two replicas each migrating at start, or a
migrate job retried): the second waits for the first, finds nothing to do and
says so. Two ``portal verify due`` runs on suppliers without a schedule row (as
after an upgrade from before migration 0006) both finish.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select

from portal.bootstrap import Services, build_services
from portal.config import load_settings
from portal.verification.schedule import SCHEDULE, ensure_schedule
from registry.testing import FIXED_NOW, FORMER_NAMES, KNOWN
from tests.deploy.conftest import portal_command, source_env
from tests.verification.conftest import store_suppliers, typed

pytestmark = pytest.mark.slow

#: The newest migration (revisions are numbered in order).
HEAD = max(
    p.name.split("_", 1)[0]
    for p in (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("0*.py")
)


def _together(args: list[str], env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Start the same command twice at once and wait for both."""
    processes = [
        subprocess.Popen(
            [*portal_command(sys.executable), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    done = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def test_two_concurrent_upgrades_apply_the_migrations_once_and_both_succeed(
    fresh_database_url: str, tmp_path: Path
) -> None:
    env = source_env({"PORTAL_DATA_DIR": str(tmp_path), "PORTAL_DATABASE_URL": fresh_database_url})
    runs = _together(["db", "upgrade"], env)
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    messages = sorted(r.stdout.strip() for r in runs)
    assert messages == [
        f"database already at revision {HEAD}; nothing to do",
        f"database upgraded from empty to {HEAD}",
    ]
    assert all(r.stderr == "" for r in runs)


def test_two_passes_giving_suppliers_their_first_schedule_row_at_once_both_finish(
    services: Services,
) -> None:
    ids = store_suppliers(services, typed(KNOWN), typed(FORMER_NAMES))
    with services.engine.begin() as conn:
        conn.execute(delete(SCHEDULE))  # as after an upgrade from before migration 0006
    with services.engine.connect() as first, ThreadPoolExecutor(1) as pool:
        first.begin()
        assert ensure_schedule(first, FIXED_NOW) == 2  # holds the new rows, not yet committed
        second = pool.submit(_ensure_in_own_transaction, services.engine)
        time.sleep(0.5)  # let the second pass reach the rows the first one holds
        first.commit()
        assert second.result(timeout=60) == 0
    with services.engine.connect() as conn:
        rows = conn.execute(select(SCHEDULE.c.supplier_id)).scalars().all()
    assert sorted(rows) == sorted(ids)


def _ensure_in_own_transaction(engine: Engine) -> int:
    with engine.begin() as conn:
        return ensure_schedule(conn, FIXED_NOW)


def test_two_monitoring_passes_started_together_both_finish(
    fresh_database_url: str, tmp_path: Path
) -> None:
    env = source_env(
        {
            "PORTAL_DATA_DIR": str(tmp_path),
            "PORTAL_DATABASE_URL": fresh_database_url,
            "PORTAL_KEK_FILE": str(tmp_path / "kek.key"),
            "PORTAL_DEMO": "1",  # the demo registry answers the verifications
        }
    )
    done = subprocess.run(
        [*portal_command(sys.executable), "keys", "init"], env=env, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    services = build_services(load_settings(env))
    try:
        store_suppliers(services, typed(KNOWN), typed(FORMER_NAMES))
        with services.engine.begin() as conn:
            conn.execute(delete(SCHEDULE))  # as after an upgrade from before migration 0006
        runs = _together(["verify", "due"], env)
        assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
        with services.engine.connect() as conn:
            assert len(conn.execute(select(SCHEDULE.c.supplier_id)).all()) == 2
    finally:
        services.engine.dispose()
