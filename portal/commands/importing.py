"""``portal import suppliers FILE [--dry-run] [--report report.json]``."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from portal.audit.log import AuditContext
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, collaborators_of, services_for
from portal.commands.progress import CommandProgress
from portal.domain.principal import Principal, Role
from portal.importing.audited import ImportDeps, import_supplier_list
from portal.importing.changes import ImportChangeProposer
from portal.importing.error_report import write_error_report
from portal.importing.readers import UnreadableFileError, estimate_rows
from portal.importing.run import write_report
from portal.importing.template import template_bytes


def _suppliers(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path} does not exist or is not a file")
    with services_for(args) as services:
        changes = collaborators_of(services).changes
        principal = Principal(f"import:{getpass.getuser()}", Role.PURCHASING_CLERK, "import")
        ctx = AuditContext.cli("import")
        deps = ImportDeps(services.engine, services.suppliers, changes.audit)
        try:
            with CommandProgress(f"{path.name}", estimate_rows(path, args.sheet)) as progress:
                report = import_supplier_list(
                    deps,
                    ctx,
                    principal,
                    path,
                    dry_run=args.dry_run,
                    propose_changes=ImportChangeProposer(changes, principal, ctx),
                    on_progress=progress.update,
                    sheet=args.sheet,
                )
        except UnreadableFileError as exc:
            raise CommandError(str(exc)) from exc
    if args.report:
        write_report(report, Path(args.report))
    if args.error_report:
        write_error_report(path, report, Path(args.error_report))
        print(f"  error report (your sheet with status and findings): {args.error_report}")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
    print(f"{path.name}: {counts}" + (" (dry run, nothing stored)" if args.dry_run else ""))
    print(f"  SHA-256 {report.sha256} (in the audit log)")
    for row in report.rows[: args.show]:
        codes = ", ".join(f.code for f in row.findings) or "-"
        print(f"  row {row.row}: {row.status} [{codes}]")
    if len(report.rows) > args.show:
        print(f"  ... {len(report.rows) - args.show} more rows in the report")
    return 0


def register(sub: SubParsers) -> None:
    """Add the ``import`` group."""
    imp = sub.add_parser("import", help="import master data from .xlsx or .csv")
    isub = imp.add_subparsers(dest="import_command", required=True)
    sup = isub.add_parser("suppliers", help="import a supplier list")
    sup.add_argument("file")
    sup.add_argument("--dry-run", action="store_true", help="check and report, store nothing")
    sup.add_argument("--report", help="write the per-row report as JSON to this file")
    sup.add_argument(
        "--error-report",
        metavar="FILE.xlsx",
        help="write your sheet back with a status and a findings column, bad cells marked",
    )
    sup.add_argument(
        "--sheet", help="the worksheet of an .xlsx to read (default: the first with data)"
    )
    sup.add_argument("--show", type=int, default=20, help="rows with findings to print")
    add_db_options(sup)
    sup.set_defaults(handler=_suppliers)
    register_template(isub)


def _template(args: argparse.Namespace) -> int:
    Path(args.file).write_bytes(template_bytes())
    print(f"{args.file}: the import template (first sheet for your list, then an example)")
    return 0


def register_template(isub: SubParsers) -> None:
    """``portal import template FILE.xlsx``."""
    tpl = isub.add_parser("template", help="write the .xlsx import template")
    tpl.add_argument("file", help="where to write it (.xlsx)")
    tpl.set_defaults(handler=_template)
