"""Verifying straight from rows gives the same answers as the entry-by-entry verifier."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, delete, update

from approvals.audit import (
    CANONICAL_FIELDS,
    ROW_FIELDS,
    AuditDraft,
    TamperKind,
    append,
    canonical_bytes,
    canonical_bytes_of,
    format_at,
    verify_chain,
)
from portal.audit import Anchoring, take_checkpoint, verify_live
from portal.audit.log import ENTRY

ODD_VALUES = ['新 "quoted" \\ back', "tab\tand\nnewline\x01", "emoji 🧾", "", "a/b</script>"]


@pytest.mark.parametrize("text", ODD_VALUES)
@pytest.mark.parametrize("version", [1, 2])
def test_the_row_canonical_form_is_the_entry_canonical_form(text: str, version: int) -> None:
    at = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    named = {"actor_name": text, "channel": "portal"} if version == 2 else {}
    draft = AuditDraft(id="a", at=at, actor=text, action="x", after=text, **named)
    entry = append(None, replace(draft, payload_version=version))
    values = [getattr(entry, name) for name in ROW_FIELDS]
    values[ROW_FIELDS.index("at")] = format_at(entry.at)
    assert canonical_bytes_of(values) == canonical_bytes(entry)
    if version == 1:  # an old entry hashes as it always did, without the added fields
        assert canonical_bytes_of(values[: len(CANONICAL_FIELDS)]) == canonical_bytes(entry)


def test_a_name_added_to_an_old_entry_or_a_version_turned_back_breaks_its_hash() -> None:
    at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    old = append(None, AuditDraft(id="a", at=at, actor="u1", action="x", payload_version=1))
    new = append(None, AuditDraft(id="a", at=at, actor="u1", action="x", actor_name="王芳"))
    assert verify_chain([old]).ok and verify_chain([new]).ok
    assert not verify_chain([replace(old, actor_name="李四")]).ok
    assert not verify_chain([replace(new, payload_version=1)]).ok
    assert not verify_chain([replace(new, actor_name=None, payload_version=1)]).ok


def test_times_are_written_as_before_for_any_timezone() -> None:
    from datetime import timedelta, timezone

    shanghai = datetime(2026, 1, 1, 8, 0, 0, 5000, tzinfo=timezone(timedelta(hours=8)))
    assert format_at(shanghai) == "2026-01-01T00:00:00.005Z"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_clean_log_verifies_in_one_process_or_several(
    engine: Engine, write: Callable[..., None], workers: int
) -> None:
    write(12)
    check = verify_live(engine, None, workers=workers)
    assert check.ok and check.entries_checked == 12 and check.head is not None
    assert check.head.seq == 12


def test_a_parallel_check_finds_a_deleted_entry_at_a_range_boundary(
    engine: Engine, write: Callable[..., None]
) -> None:
    write(12)
    with engine.begin() as conn:
        conn.execute(delete(ENTRY).where(ENTRY.c.seq == 4))
    check = verify_live(engine, None, workers=2)
    assert check.kinds() == [TamperKind.DELETED] and check.problems[0].seq == 4


def test_a_parallel_check_finds_a_rewrite_against_a_checkpoint(
    engine: Engine, write: Callable[..., None], anchoring: Anchoring, attacker: Any
) -> None:
    write(12)
    take_checkpoint(engine, anchoring)
    attacker.rehash_from(2, actor="u-mallory")
    check = verify_live(engine, anchoring.log(), workers=2)
    assert check.kinds() == [TamperKind.ANCHOR_MISMATCH]


def test_a_log_without_checkpoints_says_it_is_not_anchored(
    engine: Engine, write: Callable[..., None]
) -> None:
    write(2)
    check = verify_live(engine, None)
    assert check.ok and not check.anchored
    assert "cannot be detected" in check.notes[0]


def test_a_moved_head_row_is_still_caught_without_checkpoints(
    engine: Engine, write: Callable[..., None]
) -> None:
    from portal.audit.log import HEAD

    write(3)
    with engine.begin() as conn:
        conn.execute(update(HEAD).values(hash="sha256:" + "0" * 64))
    assert verify_live(engine, None).kinds() == [TamperKind.ANCHOR_MISMATCH]
