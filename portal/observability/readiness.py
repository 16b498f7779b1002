"""``/readyz``: whether this process can do its work now, check by check.

Each check answers ``ok`` or says what is wrong in words an operator can act on; the web
layer answers 200 when every check passed and 503 naming the ones that failed. Checks:

- ``database``: a ``SELECT 1`` answers;
- ``migrations``: the schema is at the head revision this release ships (a database
  behind it means ``portal db upgrade`` has not run; ahead of it, an older release
  serves a newer schema);
- ``redis``: when a Redis URL is configured, it answers PING (1 s timeout);
- ``keys``: the keyring is loaded: a value sealed with the data key opens again;
- ``ocr``: when this process reads licences, its reader processes are warm (and how long
  the slowest took to load its models: the worker's cold start).

No check reveals a secret: a failed connection is named by its error class only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, text

from portal.db.sealing import Sealer

__all__ = [
    "Check",
    "Report",
    "check_database",
    "check_keys",
    "check_migrations",
    "check_ocr",
    "check_redis",
    "head_revision",
    "run_checks",
]


@dataclass(frozen=True)
class Check:
    """One check's outcome."""

    name: str
    ok: bool
    detail: str = "ok"


@dataclass(frozen=True)
class Report:
    """Every check's outcome; ``ready`` when all passed."""

    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if not check.ok]

    def as_dict(self) -> dict[str, Any]:
        """The JSON body: status, the failed checks' names, each check's detail."""
        return {
            "status": "ready" if self.ready else "not ready",
            "failed": self.failed,
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in self.checks},
        }


def run_checks(checks: Sequence[Callable[[], Check]]) -> Report:
    """Run every check (a check that raises counts as failed, named by its error)."""
    outcomes = []
    for check in checks:
        try:
            outcomes.append(check())
        except Exception as exc:
            function = getattr(check, "func", check)  # a functools.partial's function
            name = getattr(function, "__name__", "check").removeprefix("check_")
            outcomes.append(Check(name, False, f"the check failed: {type(exc).__name__}"))
    return Report(tuple(outcomes))


def check_database(engine: Engine) -> Check:
    """The database answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return Check("database", False, f"the database does not answer ({type(exc).__name__})")
    return Check("database", True)


@functools.cache
def head_revision() -> str | None:
    """The newest migration this release ships."""
    from alembic.script import ScriptDirectory

    from portal.db.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def check_migrations(engine: Engine, head: str | None = None) -> Check:
    """The schema is at the head revision (``portal db upgrade`` ran for this release)."""
    from portal.db.migrate import current

    wanted = head or head_revision()
    try:
        at = current(engine)
    except Exception as exc:
        return Check("migrations", False, f"cannot read the revision ({type(exc).__name__})")
    if at == wanted:
        return Check("migrations", True, f"at {at}")
    if at is None:
        return Check("migrations", False, "the database has no schema: run `portal db upgrade`")
    return Check(
        "migrations",
        False,
        f"the database is at {at}, this release needs {wanted}: run `portal db upgrade`",
    )


def check_redis(url: str | None, *, timeout: float = 1.0) -> Check:
    """Redis answers PING (passes when no Redis is configured)."""
    if not url:
        return Check("redis", True, "not configured")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except Exception as exc:
        return Check("redis", False, f"Redis does not answer ({type(exc).__name__})")
    finally:
        client.close()
    return Check("redis", True)


def check_keys(sealer: Sealer) -> Check:
    """The keyring is loaded: a value sealed now opens again."""
    probe = "readyz"
    try:
        token = sealer.seal("readyz", "probe", "readyz", probe)
        opened = sealer.open("readyz", "probe", "readyz", token)
    except Exception as exc:
        return Check("keys", False, f"the data keys are not usable ({type(exc).__name__})")
    if opened.value != probe:
        return Check("keys", False, "the data key does not open what it sealed")
    return Check("keys", True)


class WarmReader(Protocol):
    """A licence reader that knows its warm worker processes (``ocr.sandbox``)."""

    def workers(self) -> Sequence[Any]: ...


def check_ocr(runs_ocr: bool, reader: object, worker_running: bool) -> Check:
    """When this process reads licences, the worker task runs and its readers are warm."""
    if not runs_ocr:
        return Check("ocr", True, "not run by this process")
    if not worker_running:
        return Check("ocr", False, "the licence-reading worker is not running")
    workers = getattr(reader, "workers", None)
    if workers is None:
        return Check("ocr", True, "in-process reader")
    ready = workers()
    if not ready:
        return Check("ocr", False, "the OCR engine is still loading (no warm reader yet)")
    loaded = [float(s) for s in (getattr(w, "warm_seconds", None) for w in ready) if s is not None]
    took = f", models loaded in {max(loaded):.1f} s" if loaded else ""
    return Check("ocr", True, f"{len(ready)} warm reader(s){took}")
