"""``portal audit verify`` and ``portal audit export --from --to``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from portal.audit.log import AuditLog, export_csv, export_json
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, services_for


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


def _verify(args: argparse.Namespace) -> int:
    with services_for(args, migrate=False) as services:
        report = AuditLog(services.sealer).verify(services.engine)
    if report.ok:
        print(f"audit log intact: {report.entries_checked} entries, chain verified")
        return 0
    print(f"audit log TAMPERED: {len(report.problems)} problem(s)", file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def _export(args: argparse.Namespace) -> int:
    start, end = _parse_when(args.start, "--from"), _parse_when(args.end, "--to")
    out_path = Path(args.out) if args.out else None
    with services_for(args, migrate=False) as services, services.engine.connect() as conn:
        log = AuditLog(services.sealer)
        entries = log.entries(conn, start=start, end=end)
        handle = out_path.open("w", encoding="utf-8", newline="") if out_path else sys.stdout
        try:
            writer = export_json if args.format == "json" else export_csv
            count = writer(entries, handle)  # type: ignore[arg-type]
        finally:
            if out_path:
                handle.close()
    print(f"exported {count} entries", file=sys.stderr)
    return 0


def register(sub: SubParsers) -> None:
    """Add the ``audit`` group."""
    audit = sub.add_parser("audit", help="the tamper-evident audit log")
    asub = audit.add_subparsers(dest="audit_command", required=True)
    verify = asub.add_parser("verify", help="check the hash chain; exit 1 when tampered")
    export = asub.add_parser("export", help="write entries as CSV or JSON lines")
    export.add_argument("--from", dest="start", help="from this UTC date/time (inclusive)")
    export.add_argument("--to", dest="end", help="up to this UTC date/time (exclusive)")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--out", help="file to write (default: standard output)")
    for parser, handler in ((verify, _verify), (export, _export)):
        add_db_options(parser)
        parser.set_defaults(handler=handler)
