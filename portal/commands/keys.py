"""``portal keys init|status|rotate-kek|rotate-dek``: the customer's key lifecycle."""

from __future__ import annotations

import argparse
from pathlib import Path

from crypto import Algorithm, CryptoError, Keyring, Purpose
from crypto.adapters.local import LocalKeyProvider, generate_key_file
from portal import bootstrap
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, services_for, settings_from
from portal.commands.progress import CommandProgress
from portal.core import Services
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import upgrade
from portal.keys.rotation import remaining_on_old_keys, run_rotation, start_or_resume


def _init(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    kek_file = Path(args.kek_file) if args.kek_file else settings.crypto.kek_file
    if settings.crypto.pkcs11_module is None:
        if kek_file is None:
            raise CommandError("give --kek-file PATH (or set PORTAL_KEK_FILE): where the KEK lives")
        if not kek_file.exists():
            kek_file.parent.mkdir(parents=True, exist_ok=True)
            generate_key_file(kek_file)
            print(f"new KEK written to {kek_file} (mode 0600); back it up outside the database")
    engine = make_engine(settings.database.url)
    upgrade(engine)
    try:
        provider = (
            LocalKeyProvider.from_file(kek_file)
            if kek_file
            else bootstrap.key_provider(settings.crypto)
        )
        keyring = Keyring.initialise(
            SqlDataKeyStore(engine), provider, Algorithm(settings.crypto.algorithm)
        )
    except CryptoError as exc:
        raise CommandError(str(exc)) from exc
    _print_status(keyring)
    return 0


def _print_status(keyring: Keyring) -> None:
    print(f"{'purpose':<12} {'ver':>3} {'algorithm':<8} {'state':<8} {'current':<7} kek")
    for s in keyring.status():
        print(
            f"{s.purpose.value:<12} {s.version:>3} {s.algorithm.value:<8} {s.state.value:<8} "
            f"{'yes' if s.current else '':<7} {s.kek_id}"
        )


def _status(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        _print_status(services.keyring)
        remaining = remaining_on_old_keys(services.engine, services.sealer)
    print(f"sealed values not under the current field key: {remaining}")
    return 0


def _rotate_kek(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    new_file = Path(args.new_kek_file)
    if not new_file.exists():
        new_file.parent.mkdir(parents=True, exist_ok=True)
        generate_key_file(new_file)
        print(f"new KEK written to {new_file} (mode 0600)")
    engine = make_engine(settings.database.url)
    store = SqlDataKeyStore(engine)
    try:
        new = LocalKeyProvider.from_file(new_file)
        old = bootstrap.key_provider(settings.crypto)
        keyring = Keyring.load(store, [old, new])
        count = keyring.rotate_kek(store, new)
    except CryptoError as exc:
        raise CommandError(str(exc)) from exc
    print(f"re-wrapped {count} data keys under {new.kek_id}; no data was re-encrypted.")
    print(f"Now point PORTAL_KEK_FILE at {new_file}, restart, and retire the old KEK.")
    return 0


def _rotate_dek(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        return _rotate_dek_with(args, services)


def _rotate_dek_with(args: argparse.Namespace, services: Services) -> int:
    purpose = Purpose(args.purpose)
    store = SqlDataKeyStore(services.engine)
    progress = start_or_resume(services.engine, services.keyring, store, purpose)
    print(
        f"rotating {purpose.value} to version {progress.version}"
        + (f", resuming at column {progress.column_index}" if progress.after else "")
    )
    services.keyring.refresh()

    with CommandProgress(f"re-encrypting {purpose.value}") as bar:

        def report(p: object) -> None:
            bar.update(getattr(p, "rewritten", 0))
            if args.verbose:
                print(f"  ... {getattr(p, 'rewritten', 0)} values rewritten")

        done = run_rotation(
            services.engine, services.sealer, progress, batch_size=args.batch, after_batch=report
        )
    print(f"done: {done.rewritten} values rewritten under {purpose.value} v{done.version}")
    return 0


def register(sub: SubParsers) -> None:
    """Add the ``keys`` group."""
    keys = sub.add_parser("keys", help="customer-held keys: init, status, rotation")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    init = ksub.add_parser("init", help="create the KEK file (if missing) and the data keys")
    init.add_argument("--kek-file", help="where to keep the KEK (default $PORTAL_KEK_FILE)")
    status = ksub.add_parser("status", help="list data keys and what still uses old ones")
    kek = ksub.add_parser("rotate-kek", help="re-wrap data keys under a new KEK")
    kek.add_argument("--new-kek-file", required=True)
    dek = ksub.add_parser("rotate-dek", help="new data-key version; re-encrypt in batches")
    dek.add_argument("--purpose", choices=["field", "blind_index"], default="field")
    dek.add_argument("--batch", type=int, default=500)
    dek.add_argument("--verbose", action="store_true")
    for parser, handler in (
        (init, _init),
        (status, _status),
        (kek, _rotate_kek),
        (dek, _rotate_dek),
    ):
        add_db_options(parser)
        parser.set_defaults(handler=handler)
