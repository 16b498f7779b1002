"""The bulk sweep finds what the per-record screen finds, on a planted set."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine, select

from portal.dedup import sweep, sweep_per_record
from portal.dedup.tables import PAIR
from tests.support.suppliers import SupplierFactory, plant_all

from .conftest import Seed


def _planted_base(seed: Seed, per_kind: int = 3) -> None:
    factory = SupplierFactory(31)
    base = list(factory.suppliers(300))
    planted = plant_all(factory, base, per_kind=per_kind, negatives=10)
    seed(base)
    # a stored duplicate cannot share its credit code (unique): the legacy kind carries
    # the original's organisation code in a credit code of its own instead
    seed(
        [
            replace(p.candidate, uscc=p.candidate.uscc or f"91310000{i:09d}X")
            for i, p in enumerate(planted)
            if p.kind != "uscc"
        ]
    )


def _pairs(engine: Engine) -> set[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                PAIR.c.a_id, PAIR.c.b_id, PAIR.c.code, PAIR.c.matched, PAIR.c.score, PAIR.c.evidence
            )
        )
        return {tuple(r) for r in rows}


def test_the_bulk_sweep_keeps_the_pairs_the_per_record_sweep_keeps(
    engine: Engine, seed: Seed
) -> None:
    _planted_base(seed)
    sweep_per_record(engine, batch_size=50)
    per_record = _pairs(engine)
    progress = sweep(engine, batch_size=70)
    assert progress.finished and len(per_record) >= 20
    assert _pairs(engine) == per_record


def test_an_interrupted_bulk_sweep_resumes_to_the_same_pairs(engine: Engine, seed: Seed) -> None:
    _planted_base(seed, per_kind=2)
    whole = sweep(engine, batch_size=60)
    uninterrupted = _pairs(engine)
    first = sweep(engine, batch_size=60, max_batches=2)
    assert not first.finished and first.screened == 120
    resumed = sweep(engine, batch_size=60, resume=True)
    assert resumed.finished and resumed.screened == whole.screened
    assert _pairs(engine) == uninterrupted
