from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from approvals.audit import (
    GENESIS,
    Anchor,
    AuditDraft,
    AuditEntry,
    ChainVerifier,
    TamperKind,
    append,
    canonical_bytes,
    chain_hash,
    verify_chain,
)
from approvals.errors import InvalidInputError, NaiveDatetimeError

T0 = datetime(2024, 5, 1, 8, 0, 0, 987654, tzinfo=UTC)
ACTIONS = ["login.succeeded", "change.submitted", "field.changed", "value.revealed"]


def draft(n: int) -> AuditDraft:
    return AuditDraft(
        id=f"a{n}",
        at=T0 + timedelta(seconds=n),
        actor="u-li" if n % 2 else "u-alice",
        actor_role="supplier_user",
        action=ACTIONS[n % len(ACTIONS)],
        subject_type="supplier",
        subject_id="s-acme",
        field_name="bank_account.account_number",
        before="enc:v1:old",
        after="enc:v1:新",
        ip="203.0.113.7",
        user_agent="Mozilla/5.0",
        request_id=f"req-{n}",
        device="dev-1",
    )


def chain(length: int = 8, algorithm: str = "sha256") -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = None
    for n in range(1, length + 1):
        prev = append(prev, draft(n), algorithm if prev is None else None)
        entries.append(prev)
    return entries


def kinds_at(entries: list[AuditEntry], **kwargs: object) -> list[tuple[int, TamperKind]]:
    report = verify_chain(entries, **kwargs)  # type: ignore[arg-type]
    return [(p.seq, p.kind) for p in report.problems]


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_clean_chain_verifies(algorithm: str) -> None:
    entries = chain(algorithm=algorithm)
    report = verify_chain(entries)
    assert report.ok and report.problems == ()
    assert report.entries_checked == 8
    assert report.head == Anchor(8, entries[-1].hash)
    assert all(e.hash.startswith(f"{algorithm}:") for e in entries)


def test_sm3_and_sha256_give_different_hashes_of_the_expected_length() -> None:
    sha, sm3 = chain(1, "sha256")[0], chain(1, "sm3")[0]
    assert len(sha.hash.partition(":")[2]) == len(sm3.hash.partition(":")[2]) == 64
    assert sha.hash.partition(":")[2] != sm3.hash.partition(":")[2]


def test_first_entry_links_to_genesis_and_times_are_cut_to_milliseconds() -> None:
    first = chain(1)[0]
    assert (first.seq, first.prev_hash) == (1, GENESIS)
    assert first.at.microsecond == 987000


def test_canonical_bytes_are_sorted_compact_utf8_json_without_the_hashes() -> None:
    entry = chain(1)[0]
    raw = canonical_bytes(entry)
    data = json.loads(raw)
    assert list(data) == sorted(data)
    assert "hash" not in data and "prev_hash" not in data
    assert data["at"] == "2024-05-01T08:00:01.987Z"
    assert b" " not in raw.replace(b"Mozilla/5.0", b"")
    assert "新".encode() in raw
    assert canonical_bytes(replace(entry, hash="x")) == raw


def test_chain_hash_is_deterministic_and_depends_on_the_previous_hash() -> None:
    entry = chain(1)[0]
    assert chain_hash(GENESIS, entry) == entry.hash
    assert chain_hash("sha256:" + "0" * 64, entry) != entry.hash


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="md5"):
        chain_hash(GENESIS, chain(1)[0], "md5")


def test_naive_audit_time_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        AuditDraft(id="a", at=datetime(2024, 1, 1), actor="u", action="login.failed")


def test_verify_catches_a_modified_entry() -> None:
    entries = chain()
    entries[3] = replace(entries[3], after="enc:v1:attacker")
    report = verify_chain(entries)
    assert [(p.seq, p.kind) for p in report.problems] == [(4, TamperKind.MODIFIED)]
    assert report.problems[0].entry_id == "a4"
    assert "seq 4" in str(report.problems[0])


def test_verify_catches_a_modified_and_rehashed_entry_as_a_broken_link() -> None:
    entries = chain()
    forged = replace(entries[3], actor="u-mallory")
    entries[3] = replace(forged, hash=chain_hash(forged.prev_hash, forged))
    assert kinds_at(entries) == [(5, TamperKind.BROKEN_LINK)]


def test_verify_catches_a_deleted_entry() -> None:
    entries = chain()
    del entries[4]
    assert kinds_at(entries) == [(5, TamperKind.DELETED)]


def test_verify_names_a_run_of_deleted_entries_once() -> None:
    entries = chain()
    del entries[2:5]
    report = verify_chain(entries)
    assert [(p.seq, p.kind) for p in report.problems] == [(3, TamperKind.DELETED)]
    assert "entries 3-5 are missing" in report.problems[0].message


def test_verify_catches_a_deleted_first_entry() -> None:
    assert kinds_at(chain()[1:]) == [(1, TamperKind.DELETED)]


@pytest.mark.parametrize("forged_first", [True, False])
def test_verify_catches_an_inserted_entry(forged_first: bool) -> None:
    entries = chain()
    # A well-formed entry claiming seq 5, correctly linked to entry 4.
    forged = append(entries[3], replace(draft(99), actor="u-mallory"))
    at = 4 if forged_first else 5
    entries.insert(at, forged)
    assert kinds_at(entries) == [(5, TamperKind.INSERTED)]


def test_verify_catches_an_inserted_entry_with_renumbered_successors() -> None:
    entries = chain(5)
    forged = append(entries[1], draft(99))
    renumbered = [replace(e, seq=e.seq + 1) for e in entries[2:]]
    problems = kinds_at([*entries[:2], forged, *renumbered])
    assert (4, TamperKind.BROKEN_LINK) in problems
    assert {kind for _, kind in problems} == {TamperKind.BROKEN_LINK, TamperKind.MODIFIED}


def test_verify_catches_reordered_entries() -> None:
    entries = chain()
    entries[4], entries[5] = entries[5], entries[4]
    assert kinds_at(entries) == [(5, TamperKind.REORDERED)]


def test_verify_catches_an_entry_moved_far_back() -> None:
    entries = chain()
    moved = entries.pop(1)
    entries.append(moved)
    assert kinds_at(entries) == [(2, TamperKind.REORDERED)]


def test_verify_catches_a_truncated_tail_when_an_anchor_exists() -> None:
    entries = chain()
    anchor = Anchor.of(entries[-1])
    assert verify_chain(entries, anchors=[anchor]).ok
    report = verify_chain(entries[:5], anchors=[anchor])
    assert [(p.seq, p.kind) for p in report.problems] == [(6, TamperKind.TRUNCATED)]
    assert "anchor records entry 8" in report.problems[0].message


def test_truncated_tail_goes_unnoticed_without_an_anchor() -> None:
    assert verify_chain(chain()[:5]).ok


def test_verify_catches_a_rewritten_chain_that_disagrees_with_an_anchor() -> None:
    entries = chain()
    anchor = Anchor.of(entries[5])
    rewritten = entries[:3]
    for entry in entries[3:]:
        rewritten.append(append(rewritten[-1], replace(draft(entry.seq), actor="u-mallory")))
    assert verify_chain(rewritten).ok  # a keyless chain can be recomputed...
    assert kinds_at(rewritten, anchors=[anchor]) == [(6, TamperKind.ANCHOR_MISMATCH)]


def test_verify_can_start_from_a_trusted_anchor() -> None:
    entries = chain()
    start = Anchor.of(entries[3])
    assert verify_chain(entries[4:], start=start).ok
    assert kinds_at(entries[5:], start=start) == [(5, TamperKind.DELETED)]


def test_verify_refuses_an_unexpected_algorithm() -> None:
    entries = chain(3, "sha256")
    assert kinds_at(entries, algorithm="sm3") == [
        (1, TamperKind.ALGORITHM),
        (2, TamperKind.ALGORITHM),
        (3, TamperKind.ALGORITHM),
    ]


def test_chain_can_switch_algorithm_and_still_verify() -> None:
    entries = chain(3, "sha256")
    entries.append(append(entries[-1], draft(4), "sm3"))
    assert verify_chain(entries).ok


def test_verify_streams_from_a_generator() -> None:
    consumed: list[int] = []

    def rows() -> Iterator[AuditEntry]:
        prev = None
        for n in range(1, 2001):
            prev = append(prev, draft(n))
            consumed.append(n)
            yield prev

    verifier = ChainVerifier(window=16)
    for entry in rows():
        verifier.feed(entry)
    report = verifier.finish()
    assert report.ok and report.entries_checked == 2000 and len(consumed) == 2000


def test_verify_caps_the_number_of_problems_reported() -> None:
    entries = [replace(e, actor="x") for e in chain(10)]
    report = verify_chain(entries, max_problems=3)
    assert len(report.problems) == 3 and report.problems_omitted == 7
