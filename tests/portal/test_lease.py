"""portal.db.lease: a row is won by exactly one claimer, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, and_, select

from portal.db.lease import claim_each, claim_one

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
META = MetaData()
JOBS = Table(
    "lease_test_job",
    META,
    Column("id", String(10), primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("lease_until", DateTime(timezone=True)),
)


@pytest.fixture
def jobs(engine: Engine) -> Iterator[Engine]:
    META.create_all(engine)
    with engine.begin() as conn:
        conn.execute(JOBS.insert(), [{"id": n, "attempts": 0} for n in ("a", "b", "c")])
    yield engine
    META.drop_all(engine)


def _guard(row: Any) -> Any:
    return and_(JOBS.c.id == row.id, JOBS.c.attempts == row.attempts)


def _lease(row: Any) -> dict[str, Any]:
    return {"attempts": row.attempts + 1, "lease_until": NOW + timedelta(minutes=5)}


def _claim_all(engine: Engine) -> Iterator[str]:
    candidates = select(JOBS.c.id, JOBS.c.attempts).where(JOBS.c.lease_until.is_(None))
    candidates = candidates.order_by(JOBS.c.id)
    return claim_each(engine, JOBS, candidates, guard=_guard, lease=_lease, then=lambda c, r: r.id)


def test_two_workers_share_the_rows_and_skip_what_the_other_took(jobs: Engine) -> None:
    first, second = _claim_all(jobs), _claim_all(jobs)

    taken = [next(first), next(second), next(first, None), next(second, None)]

    assert taken == ["a", "b", "c", None]


def test_a_won_row_carries_its_lease(jobs: Engine) -> None:
    list(_claim_all(jobs))

    with jobs.connect() as conn:
        rows = conn.execute(select(JOBS.c.attempts, JOBS.c.lease_until)).all()
    assert {(n, when.replace(tzinfo=UTC)) for n, when in rows} == {(1, NOW + timedelta(minutes=5))}


def test_a_claim_whose_guard_no_longer_holds_is_lost(jobs: Engine) -> None:
    guard = and_(JOBS.c.id == "a", JOBS.c.attempts == 0)
    lease = {"attempts": 1}

    mine = claim_one(jobs, JOBS, guard, lease, lambda conn: "won")
    theirs = claim_one(jobs, JOBS, guard, lease, lambda conn: "won")

    assert (mine, theirs) == ("won", None)


def test_an_answer_of_none_still_counts_as_won(jobs: Engine) -> None:
    candidates = select(JOBS.c.id, JOBS.c.attempts)

    won = list(
        claim_each(jobs, JOBS, candidates, guard=_guard, lease=_lease, then=lambda c, r: None)
    )

    assert won == [None, None, None]
