"""``portal verify``: verify one supplier, run one monitoring pass, send yearly confirmations.

``portal verify due`` is what cron or a systemd timer runs (see docs/monitoring.md);
each pass claims its suppliers, so overlapping runs do not verify one supplier twice.
Exit status: 0 done, 1 some suppliers failed (they are retried later), 2 not configured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import datetime

from portal.audit.log import AuditContext
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, collaborators_of, services_for
from portal.domain import foreign_tax
from portal.domain.errors import DomainValidationError
from portal.verification.confirmations import send_confirmation_requests
from portal.verification.monitoring import run_due
from portal.verification.verify import SupplierVerification, averify_after_write
from portal.verification.wiring import VerificationNotConfiguredError


def _print(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _supplier(args: argparse.Namespace) -> int:
    try:
        code = foreign_tax.supplier_number(args.uscc)  # a credit code or a foreign tax number
    except DomainValidationError as exc:
        raise CommandError(f"not a credit code or foreign tax number: {exc}") from exc
    with services_for(args) as services:
        wiring = collaborators_of(services).verification
        if not wiring.configured:
            raise CommandError(str(VerificationNotConfiguredError()))
        with services.engine.connect() as conn:
            supplier = services.suppliers.get_by_number(conn, code)
        if supplier is None or supplier.id is None:
            raise CommandError(f"no supplier with the number {args.uscc}")
        done: list[SupplierVerification] = asyncio.run(
            averify_after_write(
                services, [supplier.id], reason="manual", wiring=wiring, ctx=AuditContext.cli()
            )
        )
    for v in done:
        result = v.result.as_dict() if v.result is not None else {}
        _print({"supplier_id": v.supplier_id, "outcome": v.outcome, "validated": v.validated,
                "retry_at": v.retry_at, "alerts": v.alerts, **result})  # fmt: skip
    return 0


def _due(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        wiring = collaborators_of(services).verification
        if not wiring.configured:
            raise CommandError(str(VerificationNotConfiguredError()))
        report = asyncio.run(
            run_due(services, wiring, limit=args.limit, ctx=AuditContext.cli("verify-due"))
        )
    _print(report.as_dict())
    return 1 if report.errors else 0


def _confirmations(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        wiring = collaborators_of(services).verification
        asked = send_confirmation_requests(
            services.engine,
            wiring.settings,
            sealer=services.sealer,
            now=wiring.clock(),
            limit=args.limit,
        )
    _print({"asked": len(asked), "supplier_ids": asked, "at": datetime.now().isoformat()})
    return 0


def register(sub: SubParsers) -> None:
    """Add ``verify supplier``, ``verify due`` and ``verify confirmations``."""
    parser = sub.add_parser("verify", help="verify suppliers against the registry and tax bureau")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    one = verbs.add_parser("supplier", help="verify one supplier now")
    one.add_argument("uscc", help="the supplier's credit code (a foreign supplier: its tax number)")
    add_db_options(one)
    one.set_defaults(handler=_supplier)
    due = verbs.add_parser("due", help="run one monitoring pass (for cron / systemd timers)")
    due.add_argument("--limit", type=int, default=None, help="at most N suppliers this pass")
    add_db_options(due)
    due.set_defaults(handler=_due)
    ask = verbs.add_parser("confirmations", help="send the yearly 'please confirm' requests")
    ask.add_argument("--limit", type=int, default=100)
    add_db_options(ask)
    ask.set_defaults(handler=_confirmations)
