"""``portal audit verify``: the live chain checked against the signed checkpoints.

The database's own head row cannot anchor the chain (whoever rewrites the entries can move
it too), so the anchors are the checkpoints of a :class:`~portal.audit.ports.CheckpointStore`.
A full check re-hashes every live entry (optionally in parallel, by seq range); an
incremental check starts from the newest checkpoint, which it trusts because it is signed.
Either way, every checkpoint is checked against the entry it names, and a checkpoint
beyond the end of the log means that the newest entries were removed.

When the fast pass (:func:`portal.audit.rows.scan`) finds anything irregular, the detailed
:class:`approvals.audit.ChainVerifier` runs over the same rows to name every problem, and
each problem says which checkpoint had sealed the entry.
"""

from __future__ import annotations

import bisect
import multiprocessing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, func, select

from approvals.audit import GENESIS, Anchor, ChainVerifier, Problem, TamperKind
from portal.audit.checkpoints import CheckpointFormatError, SignedCheckpoint, line_digest
from portal.audit.log import ENTRY, HEAD
from portal.audit.ports import CheckpointStore
from portal.audit.rows import ScanResult, entry_of, live_bounds, rows_between, scan, stream
from portal.db.engine import make_engine

__all__ = ["ChainCheck", "CheckpointLog", "read_checkpoints", "verify_live"]

_GENESIS = Anchor(0, GENESIS)


@dataclass(frozen=True)
class CheckpointLog:
    """The checkpoints whose signature and place in the file check out, and the problems
    with the others (an unsigned, altered, removed or unreadable line)."""

    valid: tuple[SignedCheckpoint, ...] = ()
    problems: tuple[Problem, ...] = ()
    lines: int = 0

    @property
    def latest(self) -> SignedCheckpoint | None:
        return self.valid[-1] if self.valid else None

    @property
    def archives(self) -> tuple[SignedCheckpoint, ...]:
        return tuple(cp for cp in self.valid if cp.checkpoint.archive is not None)

    def live_start(self) -> Anchor:
        """Where the live table starts: the head of the newest archive, else genesis."""
        archives = self.archives
        if not archives:
            return _GENESIS
        newest = archives[-1].checkpoint
        return Anchor(newest.seq, newest.hash)

    def sealing(self, seq: int) -> SignedCheckpoint | None:
        """The first checkpoint taken at or after entry ``seq``: the one that sealed it."""
        seqs = [cp.checkpoint.seq for cp in self.valid]
        index = bisect.bisect_left(seqs, seq)
        return self.valid[index] if index < len(self.valid) else None


def read_checkpoints(store: CheckpointStore, keys: dict[str, Ed25519PublicKey]) -> CheckpointLog:
    """Parse and check every line: signature, link to the line before, seq never going back."""
    valid: list[SignedCheckpoint] = []
    problems: list[Problem] = []
    prev_line: str | None = None
    last_head: SignedCheckpoint | None = None
    lines = store.lines()
    for number, line in enumerate(lines, start=1):
        try:
            signed = SignedCheckpoint.parse(line, number)
        except CheckpointFormatError as exc:
            problems.append(Problem(0, TamperKind.CHECKPOINT, f"checkpoint file: {exc}"))
            prev_line = line
            continue
        cp = signed.checkpoint
        expected_prev = line_digest(prev_line) if prev_line is not None else ""
        prev_line = line
        if not signed.verify(keys):
            problems.append(
                Problem(
                    cp.seq,
                    TamperKind.CHECKPOINT,
                    f"{signed.label} has a bad signature or an unknown key ({signed.key_id}); "
                    "it is ignored",
                )
            )
            continue
        if cp.prev != expected_prev:
            problems.append(
                Problem(
                    cp.seq,
                    TamperKind.CHECKPOINT,
                    f"{signed.label} does not follow the line before it: a checkpoint line "
                    "was removed or changed",
                )
            )
        if cp.archive is None:
            # an archive checkpoint seals an older entry on purpose; a head never goes back
            if last_head is not None and cp.seq < last_head.checkpoint.seq:
                problems.append(
                    Problem(
                        cp.seq,
                        TamperKind.CHECKPOINT,
                        f"{signed.label} records entry {cp.seq}, older than entry "
                        f"{last_head.checkpoint.seq} of {last_head.label}",
                    )
                )
            last_head = signed
        valid.append(signed)
    valid.sort(key=lambda cp: cp.checkpoint.seq)
    return CheckpointLog(tuple(valid), tuple(problems), len(lines))


@dataclass(frozen=True)
class ChainCheck:
    """The answer of ``portal audit verify``."""

    entries_checked: int
    checkpoints_checked: int
    head: Anchor | None
    start: Anchor
    problems: tuple[Problem, ...]
    anchored: bool
    archives_checked: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def kinds(self) -> list[TamperKind]:
        return [problem.kind for problem in self.problems]


def verify_live(
    engine: Engine,
    checkpoints: CheckpointLog | None = None,
    *,
    incremental: bool = False,
    workers: int = 1,
    start: Anchor | None = None,
) -> ChainCheck:
    """Check the live table against ``checkpoints`` (``None``: not configured).

    ``incremental`` re-hashes only the entries after the newest checkpoint; ``workers`` > 1
    re-hashes seq ranges in that many processes; ``start`` overrides where the live chain
    starts (the head of the archives, checked by :mod:`portal.audit.archive`).
    """
    log = checkpoints or CheckpointLog()
    begin = start or log.live_start()
    from_checkpoint: SignedCheckpoint | None = None
    if incremental and log.latest is not None and log.latest.checkpoint.seq > begin.seq:
        from_checkpoint = log.latest
        begin = Anchor(from_checkpoint.checkpoint.seq, from_checkpoint.checkpoint.hash)
    problems: list[Problem] = list(log.problems)
    with engine.connect() as conn:
        head_row = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1)).first()
        bounds = live_bounds(conn, begin.seq)
        last_seq = conn.execute(select(func.max(ENTRY.c.seq))).scalar() or 0
        if from_checkpoint is not None:
            problems.extend(_check_sealed_entry(conn, from_checkpoint, last_seq))
    head = Anchor(head_row.seq, head_row.hash) if head_row is not None and head_row.seq else None
    # the head row is one more mark (as before checkpoints existed): any disagreement sends
    # the check to the detailed pass, which tells which of them the entry contradicts
    marks = {head.seq: head.hash} if head is not None and head.seq > begin.seq else {}
    marks.update(
        (cp.checkpoint.seq, cp.checkpoint.hash) for cp in log.valid if cp.checkpoint.seq > begin.seq
    )
    if bounds is None:
        result = ScanResult(True, 0, last=begin if begin.seq else None)
    elif workers > 1 and bounds[2] >= 2 * workers:
        result = _scan_parallel(engine, begin, bounds, marks, workers)
    else:
        fast = rows_between(begin.seq + 1, raw_for=engine.dialect.name)
        with engine.connect() as conn, stream(conn, fast) as rows:
            result = scan(rows, begin, marks)
    count = result.count
    if not result.clean:
        detailed, count = _detailed(engine, begin, head, log)
        problems.extend(detailed)
    # the detailed pass has already compared the head row (ChainVerifier's anchor)
    problems.extend(_truncation(log, last_seq, head if result.clean else None))
    notes = (
        ()
        if checkpoints is not None
        else (
            "no checkpoint store configured: a rewritten chain or a removed tail cannot be "
            "detected",
        )
    )
    return ChainCheck(
        entries_checked=count,
        checkpoints_checked=len(log.valid),
        head=result.last if result.clean else None,
        start=begin,
        problems=tuple(problems),
        anchored=checkpoints is not None,
        notes=notes,
    )


def _check_sealed_entry(conn: Connection, sealed: SignedCheckpoint, last_seq: int) -> list[Problem]:
    """The entry an incremental check starts from must still be there, as it was sealed."""
    cp = sealed.checkpoint
    found = conn.execute(select(ENTRY.c.hash).where(ENTRY.c.seq == cp.seq)).scalar()
    if found is None and last_seq > cp.seq:
        message = f"entry {cp.seq}, sealed by {sealed.label}, is missing"
        return [Problem(cp.seq, TamperKind.DELETED, message)]
    if found is None or found == cp.hash:
        return []  # a missing newest entry is reported as a removed tail
    return [
        Problem(
            cp.seq,
            TamperKind.ANCHOR_MISMATCH,
            f"entry {cp.seq} has hash {found[:20]}… but {sealed.label} sealed "
            f"{cp.hash[:20]}…: the log was rewritten after that checkpoint",
        )
    ]


def _truncation(log: CheckpointLog, last_seq: int, head: Anchor | None) -> list[Problem]:
    problems = []
    beyond = [cp for cp in log.valid if cp.checkpoint.seq > last_seq]
    if beyond:
        newest = beyond[-1]
        problems.append(
            Problem(
                last_seq + 1,
                TamperKind.TRUNCATED,
                f"the log ends at entry {last_seq} but {newest.label} sealed entry "
                f"{newest.checkpoint.seq}; newer entries were removed",
            )
        )
    elif head is not None and head.seq > last_seq:
        problems.append(
            Problem(
                last_seq + 1,
                TamperKind.TRUNCATED,
                f"the log ends at entry {last_seq} but its head row records entry {head.seq}",
            )
        )
    return problems


def _detailed(
    engine: Engine, begin: Anchor, head: Anchor | None, log: CheckpointLog
) -> tuple[list[Problem], int]:
    """Every problem, named, with the checkpoint that had sealed the entry."""
    anchors = [head] if head is not None and head.seq > begin.seq else []
    verifier = ChainVerifier(start=begin if begin.seq else None, anchors=anchors)
    marks = {cp.checkpoint.seq: cp for cp in log.valid if cp.checkpoint.seq > begin.seq}
    mismatches: list[Problem] = []
    with engine.connect() as conn, stream(conn, rows_between(begin.seq + 1)) as rows:
        for row in rows:
            entry = entry_of(row)
            verifier.feed(entry)
            sealed = marks.get(entry.seq)
            if sealed is not None and sealed.checkpoint.hash != entry.hash:
                mismatches.append(
                    Problem(
                        entry.seq,
                        TamperKind.ANCHOR_MISMATCH,
                        f"entry {entry.seq} has hash {entry.hash[:20]}… but {sealed.label} "
                        f"sealed {sealed.checkpoint.hash[:20]}…: the log was rewritten after "
                        "that checkpoint",
                        entry.id,
                    )
                )
    report = verifier.finish()
    problems = [_sealed_by(problem, log) for problem in report.problems] + mismatches
    problems.sort(key=lambda p: p.seq)
    return problems, report.entries_checked


def _sealed_by(problem: Problem, log: CheckpointLog) -> Problem:
    sealing = log.sealing(problem.seq)
    if sealing is None or problem.kind in (TamperKind.TRUNCATED, TamperKind.ANCHOR_MISMATCH):
        return problem
    return replace(
        problem,
        message=f"{problem.message} (sealed by {sealing.label}, entry {sealing.checkpoint.seq})",
    )


# ---- parallel by seq range ------------------------------------------------------------


def _segments(low: int, high: int, parts: int) -> Iterator[tuple[int, int]]:
    size = max(1, -(-(high - low + 1) // parts))
    for first in range(low, high + 1, size):
        yield first, min(high, first + size - 1)


def _scan_segment(job: tuple[str, int, int, dict[int, str]]) -> ScanResult:
    url, first, last, marks = job
    engine = make_engine(url)
    try:
        fast = rows_between(first, last, raw_for=engine.dialect.name)
        with engine.connect() as conn, stream(conn, fast) as rows:
            return scan(rows, None, marks)
    finally:
        engine.dispose()


def _scan_parallel(
    engine: Engine,
    begin: Anchor,
    bounds: tuple[int, int, int],
    marks: dict[int, str],
    workers: int,
) -> ScanResult:
    """Each process checks one seq range on its own connection; the ranges are then joined:
    a range's first prev_hash must be the hash the range before it ended with."""
    low, high, _ = bounds
    url = engine.url.render_as_string(hide_password=False)
    jobs = [
        (url, first, last, {s: h for s, h in marks.items() if first <= s <= last})
        for first, last in _segments(low, high, workers * 2)
    ]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        results = pool.map(_scan_segment, jobs)
    return _join(begin, results)


def _join(begin: Anchor, results: Sequence[ScanResult]) -> ScanResult:
    prev: Anchor | None = begin
    count = 0
    for result in results:
        if not result.clean:
            return ScanResult(False, count, where=result.where)
        if result.count == 0:
            continue  # a seq range with no rows: the next range's first link tells
        if prev is None or result.first_prev != prev.hash or result.first_seq != prev.seq + 1:
            return ScanResult(False, count, where=result.first_seq)
        count += result.count
        prev = result.last
    return ScanResult(True, count, last=prev if count else (begin if begin.seq else None))
