"""``portal import contracts|invoices|stores FILE`` and ``portal dedup sweep|reindex``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from portal import dedup
from portal.audit.log import AuditContext, AuditLog
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, services_for
from portal.commands.progress import CommandProgress
from portal.dedup.tables import ARCHIVED, SUPPLIER
from portal.graph.relations_import import import_relations
from portal.graph.rows import UPSERT
from portal.importing.readers import UnreadableFileError
from portal.importing.run import write_report


def _import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path} does not exist or is not a file")
    with services_for(args) as services:
        try:
            report = import_relations(
                args.kind, path, engine=services.engine, dry_run=args.dry_run,
                audit=AuditLog(services.sealer), ctx=AuditContext.cli("relations import"),
            )  # fmt: skip
        except UnreadableFileError as exc:
            raise CommandError(str(exc)) from exc
    if args.report:
        write_report(report, Path(args.report))
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
    print(f"{path.name} ({args.kind}): {counts}" + (" (dry run)" if args.dry_run else ""))
    for row in report.rows[: args.show]:
        print(f"  row {row.row}: {row.status} [{', '.join(f.code for f in row.findings) or '-'}]")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        with services.engine.connect() as conn:
            total = conn.scalar(
                select(func.count())
                .select_from(SUPPLIER)
                .where(SUPPLIER.c.lifecycle_state != ARCHIVED)
            )
        with CommandProgress("screening suppliers", total) as bar:

            def show(progress: dedup.SweepProgress) -> None:
                bar.update(progress.screened)
                if progress.batches % args.every == 0 or progress.finished:
                    print(
                        f"  screened {progress.screened}, new pairs {progress.new_pairs}",
                        flush=True,
                    )

            progress = dedup.sweep(
                services.engine, batch_size=args.batch_size, resume=args.resume, on_batch=show
            )
        with services.engine.connect() as conn:
            open_pairs = dedup.count_open_pairs(conn)
    print(f"sweep {'finished' if progress.finished else 'stopped'}: {open_pairs} open pairs")
    return 0


def _reindex(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        after, total = "", 0
        while True:
            with services.engine.begin() as conn:
                ids = list(
                    conn.scalars(
                        select(SUPPLIER.c.id)
                        .where(SUPPLIER.c.id > after)
                        .order_by(SUPPLIER.c.id)
                        .limit(args.batch_size)
                    )
                )
                if not ids:
                    break
                total += dedup.index_suppliers(conn, ids)
                after = ids[-1]
    print(f"blocking keys written: {total}")
    return 0


def _subparsers(parser: argparse.ArgumentParser) -> Any:
    """The sub-command action of an existing group (``import`` belongs to another module)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="import_command", required=True)


def register(sub: SubParsers) -> None:
    """Add ``import contracts|invoices|stores`` and the ``dedup`` group."""
    imp = sub.choices.get("import") or sub.add_parser("import", help="import master data")
    isub = _subparsers(imp)
    for kind in UPSERT:
        cmd = isub.add_parser(kind, help=f"import {kind} from .xlsx or .csv")
        cmd.add_argument("file")
        cmd.add_argument("--dry-run", action="store_true", help="check and report, store nothing")
        cmd.add_argument("--report", help="write the per-row report as JSON to this file")
        cmd.add_argument("--show", type=int, default=20, help="rows with findings to print")
        add_db_options(cmd)
        cmd.set_defaults(handler=_import, kind=kind)
    group = sub.add_parser("dedup", help="duplicate sweep and blocking keys")
    dsub = group.add_subparsers(dest="dedup_command", required=True)
    sw = dsub.add_parser("sweep", help="screen every supplier against the others (resumable)")
    sw.add_argument("--resume", action="store_true", help="go on after the last finished batch")
    sw.add_argument(
        "--batch-size", type=int, default=20_000, help="suppliers screened per transaction"
    )
    sw.add_argument("--every", type=int, default=1, help="print progress every N batches")
    add_db_options(sw)
    sw.set_defaults(handler=_sweep)
    ri = dsub.add_parser("reindex", help="rebuild the blocking keys of every supplier")
    ri.add_argument("--batch-size", type=int, default=1000)
    add_db_options(ri)
    ri.set_defaults(handler=_reindex)
