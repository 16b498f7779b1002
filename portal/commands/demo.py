"""``portal demo``: a complete demo on SQLite in a temporary (or given) folder.

Creates the folder, a KEK file beside the database (acceptable for a demo
only; production keeps it elsewhere or in an HSM), migrates, seeds the demo
suppliers, creates a demo finance API token and serves at
http://127.0.0.1:8000.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from crypto import Algorithm, Keyring
from crypto.adapters.local import LocalKeyProvider, generate_key_file
from portal.commands import CommandError
from portal.commands.common import SubParsers
from portal.commands.serve import serve
from portal.config import ConfigError, load_settings
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import upgrade
from portal.domain.principal import Role
from portal.identity.api_clients import ApiClientError, create_client


def prepare_demo(folder: Path, *, port: int) -> dict[str, str]:
    """Set up the folder and return the environment the demo runs with."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = folder / "keys"
    keys.mkdir(mode=0o700, exist_ok=True)
    kek = keys / "kek.key"
    if not kek.exists():
        generate_key_file(kek)
    env = {
        "PORTAL_DATA_DIR": str(folder),
        "PORTAL_DATABASE_URL": f"sqlite:///{folder / 'portal.db'}",
        "PORTAL_KEK_FILE": str(kek),
        "PORTAL_DEMO": "1",
        "PORTAL_SECURE_COOKIES": "0",
        "PORTAL_PORT": str(port),
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    engine = make_engine(env["PORTAL_DATABASE_URL"])
    upgrade(engine)
    Keyring.initialise(
        SqlDataKeyStore(engine), LocalKeyProvider.from_file(kek), Algorithm.AES_256_GCM
    )
    engine.dispose()
    return env


def _demo(args: argparse.Namespace) -> int:
    from portal.commands.common import collaborators_of, open_services
    from portal.demo.seed import seed_demo

    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="portal-demo-"))
    env = prepare_demo(folder, port=args.port)
    try:
        settings = load_settings(overrides=env)
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    services = open_services(settings)
    outcomes = seed_demo(services, wiring=collaborators_of(services).verification)
    created = sum(o.status.value == "created" for o in outcomes)
    token_file = folder / "finance-api-token.txt"
    try:
        token = create_client(
            services.engine, "demo-finance", Role.FINANCE, can_reveal=True, now=datetime.now(UTC)
        )
        token_file.write_text(token + "\n", encoding="utf-8")
        token_file.chmod(0o600)
    except ApiClientError:
        token = token_file.read_text(encoding="utf-8").strip() if token_file.exists() else "?"
    services.engine.dispose()
    print(f"demo data folder: {folder} ({created} demo suppliers added)")
    print(f"finance API token (also in {token_file}): {token}")
    print(
        f"try: curl -H 'Authorization: Bearer {token}' "
        f"http://127.0.0.1:{args.port}/api/v1/suppliers/"
    )
    print(f"open http://127.0.0.1:{args.port}/ in a browser", flush=True)
    if args.no_serve:
        return 0
    return serve(settings, host="127.0.0.1", port=args.port, migrate=False)


def register(sub: SubParsers) -> None:
    """Add ``demo``."""
    parser = sub.add_parser("demo", help="run a demo on SQLite with demo data")
    parser.add_argument("--dir", help="folder for the demo database and key (default: a temp dir)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-serve", action="store_true", help="set up and seed, then exit")
    parser.set_defaults(handler=_demo)
