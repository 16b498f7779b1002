"""``portal audit verify|checkpoint|archive|keygen|export``.

Anchoring is configured by the ``PORTAL_AUDIT_*`` variables (:mod:`portal.audit.settings`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from portal.audit import (
    Anchoring,
    AuditError,
    AuditSettings,
    ChainCheck,
    generate_signing_key_file,
    take_checkpoint,
    verify_live,
)
from portal.audit.acts import ExportKind, record_export
from portal.audit.archive import archive_before, verify_with_archives
from portal.audit.log import AuditContext, AuditLog, export_csv, export_json
from portal.audit.timestamps import Timestamps, check_timestamps
from portal.audit.verify import CheckpointLog
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, services_for, settings_from


def _parse_when(text: str | None, flag: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(
            f"{flag} must be a date or time like 2026-01-31 or 2026-01-31T08:00"
        ) from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _audit_settings(args: argparse.Namespace) -> AuditSettings:
    try:
        return AuditSettings.from_config(settings_from(args, create_data_dir=False).audit)
    except AuditError as exc:
        raise CommandError(str(exc)) from exc


def _anchoring(settings: AuditSettings, *, required: bool) -> Anchoring | None:
    try:
        anchoring = Anchoring.from_settings(settings)
    except AuditError as exc:
        raise CommandError(f"cannot open the audit checkpoints: {exc}") from exc
    if anchoring is None and required:
        raise CommandError(
            "set PORTAL_AUDIT_CHECKPOINT_FILE and PORTAL_AUDIT_SIGNING_KEY_FILE "
            "(create the key with `portal audit keygen FILE`)"
        )
    return anchoring


def _print_check(check: ChainCheck, what: str) -> int:
    for note in check.notes:
        print(f"note: {note}", file=sys.stderr)
    if check.ok:
        print(
            f"audit log intact: {check.entries_checked} {what}, chain verified"
            + (f" against {check.checkpoints_checked} checkpoint(s)" if check.anchored else "")
        )
        return 0
    print(f"audit log TAMPERED: {len(check.problems)} problem(s)", file=sys.stderr)
    for problem in check.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def _verify(args: argparse.Namespace) -> int:
    settings = _audit_settings(args)
    anchoring = _anchoring(settings, required=args.archive)
    log = anchoring.log() if anchoring else None
    with services_for(args, migrate=False) as services:
        if args.archive:
            assert log is not None
            check = verify_with_archives(
                services.engine,
                log,
                _archive_dir(settings),
                retention_years=settings.retention_years,
                workers=args.workers,
            )
            return _print_check(check, f"entries in {check.archives_checked} archive(s) and live")
        check = verify_live(
            services.engine, log, incremental=args.incremental, workers=args.workers
        )
    if anchoring is not None and anchoring.timestamps is not None and log is not None:
        check = _with_timestamps(check, log, anchoring.timestamps)
    what = f"entries after entry {check.start.seq}" if check.start.seq else "entries"
    return _print_check(check, what)


def _with_timestamps(check: ChainCheck, log: CheckpointLog, timestamps: Timestamps) -> ChainCheck:
    problems, verified = check_timestamps(log, timestamps)
    notes = [*check.notes, f"{verified} checkpoint timestamp(s) verified"]
    latest = log.latest
    if latest is not None and timestamps.token_for(latest.line) is None:
        notes.append(f"{latest.label} has no timestamp yet (run `portal audit checkpoint`)")
    return replace(check, problems=(*check.problems, *problems), notes=tuple(notes))


def _archive_dir(settings: AuditSettings) -> Path:
    if settings.archive_dir is None:
        raise CommandError("set PORTAL_AUDIT_ARCHIVE_DIR to the folder of audit archives")
    return settings.archive_dir


def _archive(args: argparse.Namespace) -> int:
    settings = _audit_settings(args)
    anchoring = _anchoring(settings, required=True)
    assert anchoring is not None
    before = _parse_when(args.before, "--before")
    assert before is not None
    with services_for(args, migrate=False) as services:
        try:
            result = archive_before(services.engine, anchoring, _archive_dir(settings), before)
        except AuditError as exc:
            print(f"audit archive REFUSED: {exc}", file=sys.stderr)
            return 1
    if result.seal is None:
        print(f"nothing to archive before {args.before} (moved {result.moved} left-over rows)")
        return 0
    cp = result.seal.checkpoint
    assert cp.archive is not None
    print(
        f"archived entries {cp.archive.first_seq}-{cp.seq} ({result.moved} rows) to "
        f"{cp.archive.file}, sealed by {result.seal.label}"
    )
    return 0


def _checkpoint(args: argparse.Namespace) -> int:
    anchoring = _anchoring(_audit_settings(args), required=True)
    assert anchoring is not None
    with services_for(args, migrate=False) as services:
        try:
            taken = take_checkpoint(services.engine, anchoring)
        except AuditError as exc:
            print(f"audit checkpoint REFUSED: {exc}", file=sys.stderr)
            return 1
    if taken.checkpoint is None:
        print("audit log is empty: nothing to anchor")
    else:
        cp = taken.checkpoint.checkpoint
        verb = "signed" if taken.written else "already anchored by"
        print(f"{verb} {taken.checkpoint.label}: entry {cp.seq} {cp.hash}")
        if taken.timestamp_error:
            print(f"warning: no timestamp yet: {taken.timestamp_error}", file=sys.stderr)
    return 0


def _keygen(args: argparse.Namespace) -> int:
    try:
        signer = generate_signing_key_file(Path(args.path))
    except (AuditError, OSError) as exc:
        raise CommandError(str(exc)) from exc
    print(f"wrote {args.path} (mode 0600), key id {signer.key_id}")
    return 0


def _export(args: argparse.Namespace) -> int:
    start, end = _parse_when(args.start, "--from"), _parse_when(args.end, "--to")
    out_path = Path(args.out) if args.out else None
    with services_for(args, migrate=False) as services:
        log = AuditLog(services.sealer)
        record_export(
            services.engine,
            log,
            AuditContext.cli(),
            ExportKind.AUDIT_LOG,
            rows=None,
            file_format=args.format,
            criteria={"from": args.start, "to": args.end, "out": args.out},
        )
        count = _write_export(log, services.engine, args.format, start, end, out_path)
    print(f"exported {count} entries", file=sys.stderr)
    return 0


def _write_export(
    log: AuditLog,
    engine: Engine,
    file_format: str,
    start: datetime | None,
    end: datetime | None,
    out_path: Path | None,
) -> int:
    with engine.connect() as conn:
        entries = log.entries(conn, start=start, end=end)
        handle = out_path.open("w", encoding="utf-8", newline="") if out_path else sys.stdout
        try:
            writer = export_json if file_format == "json" else export_csv
            return writer(entries, handle)  # type: ignore[arg-type]
        finally:
            if out_path:
                handle.close()


def register(sub: SubParsers) -> None:
    """Add the ``audit`` group."""
    audit = sub.add_parser("audit", help="the tamper-evident audit log")
    asub = audit.add_subparsers(dest="audit_command", required=True)
    verify = asub.add_parser(
        "verify", help="check the hash chain against the signed checkpoints; exit 1 if tampered"
    )
    verify.add_argument(
        "--incremental",
        action="store_true",
        help="only the entries after the newest checkpoint (which is trusted: it is signed)",
    )
    verify.add_argument(
        "--workers", type=int, default=1, help="processes re-hashing seq ranges (default 1)"
    )
    verify.add_argument(
        "--archive",
        action="store_true",
        help="also every archive file in PORTAL_AUDIT_ARCHIVE_DIR: the whole chain from genesis",
    )
    archive = asub.add_parser(
        "archive", help="move checkpointed entries older than --before into a signed archive"
    )
    archive.add_argument("--before", required=True, help="UTC date/time, e.g. 2026-01-01")
    checkpoint = asub.add_parser(
        "checkpoint", help="sign the chain's head into the checkpoint file (run periodically)"
    )
    keygen = asub.add_parser("keygen", help="create the Ed25519 checkpoint signing key file")
    keygen.add_argument("path", help="where to write the key (refuses to overwrite)")
    keygen.set_defaults(handler=_keygen)
    export = asub.add_parser("export", help="write entries as CSV or JSON lines")
    export.add_argument("--from", dest="start", help="from this UTC date/time (inclusive)")
    export.add_argument("--to", dest="end", help="up to this UTC date/time (exclusive)")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--out", help="file to write (default: standard output)")
    for parser, handler in (
        (verify, _verify),
        (checkpoint, _checkpoint),
        (archive, _archive),
        (export, _export),
    ):
        add_db_options(parser)
        parser.set_defaults(handler=handler)
