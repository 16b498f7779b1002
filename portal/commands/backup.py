"""``portal backup create DIR`` / ``portal backup restore DIR`` (see :mod:`portal.backup`).

Neither needs the customer's key: the database and the document store are
reached from the same settings as ``portal serve`` (``PORTAL_DATABASE_URL``,
``PORTAL_DOCUMENTS_STORE`` ...). Restore only into an empty database and store,
then run ``portal keys status`` and ``portal audit verify`` with the KEK.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from portal.backup import BackupError, BackupSummary, create_backup, restore_backup
from portal.bootstrap import document_store_settings
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, settings_from
from portal.config import ConfigError
from portal.db.engine import make_engine
from portal.document_store import blob_storage_from_settings


def _run(args: argparse.Namespace, restore: bool) -> int:
    settings = settings_from(args)
    try:
        store = document_store_settings(settings)
        blobs = blob_storage_from_settings(store, documents_dir=settings.documents_dir)
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    engine = make_engine(settings.database.url)
    try:
        action = restore_backup if restore else create_backup
        summary: BackupSummary = action(engine, blobs, Path(args.folder))
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        engine.dispose()
    verb = "restored from" if restore else "written to"
    print(
        f"backup {verb} {summary.folder}: {summary.database} database at revision "
        f"{summary.revision}, {summary.documents} document(s), {summary.data_keys} data key(s); "
        "the KEK is not in it"
    )
    return 0


def register(sub: SubParsers) -> None:
    """Add the ``backup`` group."""
    backup = sub.add_parser("backup", help="back up or restore the database and documents")
    verbs = backup.add_subparsers(dest="backup_command", required=True)
    create = verbs.add_parser("create", help="write a backup into a new folder")
    create.add_argument("folder")
    add_db_options(create)
    create.set_defaults(handler=lambda args: _run(args, restore=False))
    restore = verbs.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("folder")
    add_db_options(restore)
    restore.set_defaults(handler=lambda args: _run(args, restore=True))
