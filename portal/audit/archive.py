"""``portal audit archive --before DATE`` and ``portal audit verify --archive``.

Archiving *moves* a closed run of entries (older than DATE, sealed by a checkpoint, never
the newest entry) out of the live table into a compressed file, and appends a signed
archive checkpoint recording the file's SHA-256, its first entry's ``prev_hash`` and its
last entry's hash. The live chain then starts from that recorded head, so the table stays
small and the whole chain, archives included, still verifies end to end.

An archive file is gzip'd JSON lines: a header, then one object per entry with the hashed
fields (``at`` exactly as hashed), ``prev_hash`` and ``hash``; anyone can re-check it with
``json`` and ``hashlib``. Files are written to a temporary name, synced, renamed and made
read-only; the rows are deleted only after the file has been read back, re-verified and
sealed. Run again after a crash, archiving finishes what was sealed and starts nothing new.

Nothing in the portal deletes archive files. One that disappears is reported by
``verify --archive``: as a problem while its newest entry is younger than the retention
period, as a note after that.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, select

from approvals.audit import (
    CANONICAL_FIELDS,
    GENESIS,
    ROW_FIELDS,
    Anchor,
    Problem,
    TamperKind,
    format_at,
)
from portal.audit.anchoring import Anchoring, take_checkpoint
from portal.audit.checkpoints import ArchiveSeal, SignedCheckpoint
from portal.audit.errors import ArchiveError, ChainTamperedError
from portal.audit.log import ENTRY, HEAD
from portal.audit.rows import rows_between, scan, stream
from portal.audit.verify import ChainCheck, CheckpointLog, verify_live

__all__ = ["ArchiveResult", "archive_before", "verify_with_archives"]

FORMAT = "supplier-portal audit archive v1"
_AT = CANONICAL_FIELDS.index("at")
_KEYS = (*ROW_FIELDS, "prev_hash", "hash")
#: what an archive written before payload version 2 lacks (its entries are all version 1)
_DEFAULTS: dict[str, object] = {"actor_name": None, "channel": None, "payload_version": 1}


@dataclass(frozen=True)
class ArchiveResult:
    """What ``archive_before`` did: the seal it wrote (if any) and the rows it moved."""

    seal: SignedCheckpoint | None
    moved: int


def archive_before(
    engine: Engine,
    anchoring: Anchoring,
    archive_dir: Path,
    before: datetime,
    *,
    now: datetime | None = None,
) -> ArchiveResult:
    """Move the verified, checkpointed entries older than ``before`` into one archive file.

    Refuses (:class:`ChainTamperedError`) when the live chain or the checkpoints do not
    verify: only a verified chain is moved. Idempotent: a second call with the same
    ``before`` finds nothing left to move.
    """
    log = anchoring.log()
    check = verify_live(engine, log)
    if not check.ok:
        raise ChainTamperedError(
            "the audit chain does not verify; not archiving it: "
            + "; ".join(str(problem) for problem in check.problems[:5]),
            check.problems,
        )
    start = log.live_start()
    moved = _finish_interrupted(engine, log, archive_dir, start)
    last = _last_to_archive(engine, log, start, before)
    if last is None:
        return ArchiveResult(None, moved)
    archive_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    seal, head = _write(engine, archive_dir, start, last)
    taken = take_checkpoint(engine, anchoring, now=now, archive=seal, head=head)
    with engine.begin() as conn:
        result = conn.execute(delete(ENTRY).where(ENTRY.c.seq > start.seq, ENTRY.c.seq <= last))
    return ArchiveResult(taken.checkpoint, moved + result.rowcount)


def _last_to_archive(
    engine: Engine, log: CheckpointLog, start: Anchor, before: datetime
) -> int | None:
    """The newest entry that may move: older than ``before`` (with all before it), sealed by
    a checkpoint, and not the head (appends read the head entry from the live table)."""
    with engine.connect() as conn:
        head = conn.execute(select(HEAD.c.seq).where(HEAD.c.id == 1)).scalar() or 0
        first_young = conn.execute(
            select(func.min(ENTRY.c.seq)).where(ENTRY.c.seq > start.seq, ENTRY.c.at >= before)
        ).scalar()
    sealed = max((cp.checkpoint.seq for cp in log.valid), default=0)
    limit = min(head - 1, sealed, first_young - 1 if first_young is not None else head)
    return limit if limit > start.seq else None


def _finish_interrupted(
    engine: Engine, log: CheckpointLog, archive_dir: Path, start: Anchor
) -> int:
    """Rows already sealed into an archive but still live (a crash before the delete)."""
    with engine.connect() as conn:
        leftover = conn.execute(
            select(func.count()).select_from(ENTRY).where(ENTRY.c.seq <= start.seq)
        ).scalar_one()
    if not leftover or not log.archives:
        return 0
    problems = list(_check_archive(archive_dir, log.archives[-1], log, retention_years=None))
    if problems:
        raise ArchiveError(f"the newest archive does not verify: {problems[0]}")
    with engine.begin() as conn:
        return conn.execute(delete(ENTRY).where(ENTRY.c.seq <= start.seq)).rowcount


def _write(
    engine: Engine, archive_dir: Path, start: Anchor, last: int
) -> tuple[ArchiveSeal, Anchor]:
    name = f"audit-{start.seq + 1:012d}-{last:012d}.jsonl.gz"
    final = archive_dir / name
    temporary = archive_dir / f".{name}.partial"
    with engine.connect() as conn, stream(conn, rows_between(start.seq + 1, last)) as rows:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            header = {"format": FORMAT, "first_seq": start.seq + 1, "last_seq": last}
            out.write(json.dumps(header).encode() + b"\n")
            first_at, last_at, count, head = _write_rows(out, rows)
            out.close()
            raw.flush()
            os.fsync(raw.fileno())
    os.chmod(temporary, 0o400)
    os.replace(temporary, final)
    _fsync_dir(archive_dir)
    if head is None or head.seq != last:
        raise ArchiveError(f"archive {name} ends at {head} instead of entry {last}")
    seal = ArchiveSeal(
        first_seq=start.seq + 1,
        start_hash=start.hash,
        count=count,
        file=name,
        file_sha256=_sha256(final),
        first_at=first_at,
        last_at=last_at,
    )
    # read back what was written: the rows are deleted only if the file re-verifies
    result = _scan_file(final, start, {})
    if not result.clean or result.last != head:
        raise ArchiveError(f"archive {name} does not read back as written")
    return seal, head


def _write_rows(out: gzip.GzipFile, rows: Any) -> tuple[str, str, int, Anchor | None]:
    first_at = last_at = ""
    count = 0
    head: Anchor | None = None
    for row in rows:
        values = list(row)
        values[_AT] = _hashed_at(values[_AT])
        record = dict(zip(_KEYS, values, strict=True))
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        first_at = first_at or values[_AT]
        last_at = values[_AT]
        count += 1
        head = Anchor(record["seq"], record["hash"])
    return first_at, last_at, count, head


def _hashed_at(at: datetime) -> str:
    return format_at(at if at.tzinfo else at.replace(tzinfo=UTC))


def _years_after(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, month=3, day=1)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---- verification ----------------------------------------------------------------------


def _file_rows(path: Path) -> Iterator[Sequence[Any]]:
    with gzip.open(path, "rb") as handle:
        header = json.loads(handle.readline())
        if header.get("format") != FORMAT:
            raise ArchiveError(f"{path.name} is not an audit archive")
        for line in handle:
            record = json.loads(line)
            yield tuple(record[key] if key in record else _DEFAULTS[key] for key in _KEYS)


def _scan_file(path: Path, start: Anchor, marks: dict[int, str]) -> Any:
    try:
        return scan(_file_rows(path), start, marks)
    except (OSError, EOFError, ValueError, KeyError, gzip.BadGzipFile) as exc:
        raise ArchiveError(f"archive {path.name} cannot be read: {exc}") from exc


def _check_archive(
    archive_dir: Path,
    sealed: SignedCheckpoint,
    log: CheckpointLog,
    *,
    retention_years: int | None,
    now: datetime | None = None,
) -> Iterator[Problem]:
    cp = sealed.checkpoint
    seal = cp.archive
    assert seal is not None
    path = archive_dir / seal.file
    where = f"archive {seal.file} (entries {seal.first_seq}-{cp.seq}, sealed by {sealed.label})"
    if not path.exists():
        kept_until = _years_after(datetime.fromisoformat(seal.last_at), retention_years or 0)
        if retention_years is not None and (now or datetime.now(UTC)) >= kept_until:
            return  # past its retention period: removing it was allowed
        yield Problem(
            seal.first_seq,
            TamperKind.ARCHIVE,
            f"{where} is missing; it must be kept until {kept_until.date()}",
        )
        return
    if _sha256(path) != seal.file_sha256:
        yield Problem(
            seal.first_seq, TamperKind.ARCHIVE, f"{where} was changed since it was sealed"
        )
        return
    marks = {
        c.checkpoint.seq: c.checkpoint.hash
        for c in log.valid
        if seal.first_seq <= c.checkpoint.seq <= cp.seq
    }
    try:
        result = _scan_file(path, Anchor(seal.first_seq - 1, seal.start_hash), marks)
    except ArchiveError as exc:
        yield Problem(seal.first_seq, TamperKind.ARCHIVE, f"{where}: {exc}")
        return
    if not result.clean or result.last != Anchor(cp.seq, cp.hash) or result.count != seal.count:
        yield Problem(
            result.where or seal.first_seq,
            TamperKind.ARCHIVE,
            f"{where} does not verify as a chain from its recorded start to its recorded head",
        )


def verify_with_archives(
    engine: Engine,
    log: CheckpointLog,
    archive_dir: Path,
    *,
    retention_years: int,
    workers: int = 1,
    now: datetime | None = None,
) -> ChainCheck:
    """Every archive file against its seal and its neighbours, then the live chain from the
    newest archive's head: the whole chain from genesis."""
    problems: list[Problem] = []
    expected = Anchor(0, GENESIS)
    entries = 0
    for sealed in log.archives:
        seal = sealed.checkpoint.archive
        assert seal is not None
        if (seal.first_seq - 1, seal.start_hash) != (expected.seq, expected.hash):
            problems.append(
                Problem(
                    seal.first_seq,
                    TamperKind.ARCHIVE,
                    f"archive {seal.file} starts at entry {seal.first_seq} but the chain before "
                    f"it ends at entry {expected.seq}: an archive is missing from the record",
                )
            )
        problems.extend(
            _check_archive(archive_dir, sealed, log, retention_years=retention_years, now=now)
        )
        entries += seal.count
        expected = Anchor(sealed.checkpoint.seq, sealed.checkpoint.hash)
    live = verify_live(engine, log, workers=workers, start=expected)
    return ChainCheck(
        entries_checked=entries + live.entries_checked,
        checkpoints_checked=live.checkpoints_checked,
        head=live.head,
        start=Anchor(0, GENESIS),
        problems=(*problems, *live.problems),
        anchored=True,
        archives_checked=len(log.archives),
        notes=live.notes,
    )
