"""``portal payments check FILE``, ``verify-attestation FILE``, ``attestation-key`` and
``adopt-accounts``.

``check`` prints the counts and every held or unknown line with its reasons (Chinese,
then English); ``--out`` writes the checked sheet with its verdict columns. It exits 0
when every line passes and 1 when any line is held or names an unknown payee, so a
payment run can stop on it.
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from payments import Verdict
from portal.audit.log import AuditContext
from portal.bootstrap import build_payment_deps
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, collaborators_of, services_for
from portal.domain.principal import Principal, Role
from portal.payments import adopt_accounts, check_payment_file, explain
from portal.payments.attestation import load_public_key
from portal.payments.verify import verify_sheet


def _check(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path} does not exist or is not a file")
    with services_for(args) as services:
        deps = build_payment_deps(collaborators_of(services).changes, services.settings)
        me = Principal(f"cli:{getpass.getuser()}", Role.FINANCE, "payments check")
        ctx = AuditContext.cli("payments")
        result = check_payment_file(deps, ctx, me, path.name, path.read_bytes())
    counts = result.counts
    print(
        f"{path.name} ({result.sheet.layout}): {len(result.lines)} lines, "
        f"pass {counts['pass']}, hold {counts['hold']}, unknown payee {counts['unknown_payee']}"
    )
    shown = 0
    for checked in result.lines:
        if checked.result.verdict is Verdict.PASS:
            continue
        if shown < args.show:
            verdict, reasons, clears, _ = explain(checked.result)
            print(f"  row {checked.line.row} {checked.line.payee}: {verdict}: {reasons}")
            print(f"      → {clears}")
        shown += 1
    if args.out:
        out = Path(args.out)
        content, _ = result.sheet_bytes(out.suffix.lstrip(".").lower() or None)
        out.write_bytes(content)
        print(f"result sheet written to {out}")
    return 0 if counts["pass"] == len(result.lines) else 1


def _adopt(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        deps = build_payment_deps(collaborators_of(services).changes)
        me = Principal(f"cli:{getpass.getuser()}", Role.ADMIN, "payments adopt-accounts")
        count = adopt_accounts(deps, AuditContext.cli("payments"), me)
    print(f"accounts adopted as active versions: {count}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    """Offline: no database, only the sheet and the public key."""
    path, key_path = Path(args.file), Path(args.public_key)
    for given in (path, key_path):
        if not given.is_file():
            raise CommandError(f"{given} does not exist or is not a file")
    try:
        public_key = load_public_key(key_path.read_bytes())
    except ValueError as exc:
        raise CommandError(f"{key_path}: {exc}") from exc
    checks = verify_sheet(path.name, path.read_bytes(), public_key)
    failed = [c for c in checks if c.verified is not None and not c.verified.ok]
    attested = sum(1 for c in checks if c.verified is not None)
    for check in failed:
        assert check.verified is not None
        why = _WHY.get(check.verified.reason, check.verified.reason)
        print(f"  row {check.row} {check.payee}: attestation fails / 证明不符: {why}")
    print(f"{path.name}: {attested} attested lines, {len(failed)} failing, "
          f"{len(checks) - attested} not attested (not passed)")  # fmt: skip
    return 1 if failed else 0


_WHY = {
    "account": "the account number is not the one checked / 账号与核对时不一致",
    "credit_code": "the credit code is not the one checked / 信用代码与核对时不一致",
    "signature": "the signature does not match / 签名不符",
    "algorithm": "signed with another algorithm than this key's / 签名算法与公钥不符",
    "malformed": "the attestation cell is damaged / 证明内容损坏",
}


def _public_key(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        deps = build_payment_deps(collaborators_of(services).changes, services.settings)
        assert deps.attestation is not None
        print(deps.attestation.public_pem(deps.clock()), end="")
    return 0


def register(sub: SubParsers) -> None:
    group = sub.add_parser("payments", help="payment safety: check payment files")
    psub = group.add_subparsers(dest="payments_command", required=True)
    check = psub.add_parser("check", help="check a payment file (.csv or .xlsx) line by line")
    check.add_argument("file")
    check.add_argument("--out", help="write the checked sheet (.csv or .xlsx) to this file")
    check.add_argument("--show", type=int, default=50, help="held lines to print")
    add_db_options(check)
    check.set_defaults(handler=_check)
    adopt = psub.add_parser(
        "adopt-accounts", help="make the accounts on file without a version active versions"
    )
    add_db_options(adopt)
    adopt.set_defaults(handler=_adopt)
    verify = psub.add_parser(
        "verify-attestation", help="check a checked sheet's attestations offline (exit 1: altered)"
    )
    verify.add_argument("file", help="the checked sheet (.csv or .xlsx)")
    verify.add_argument("--public-key", required=True, help="PEM from 'payments attestation-key'")
    verify.set_defaults(handler=_verify)
    key = psub.add_parser("attestation-key", help="print the attestation public key (PEM)")
    add_db_options(key)
    key.set_defaults(handler=_public_key)
