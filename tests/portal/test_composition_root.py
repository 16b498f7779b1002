"""The service refuses to start when a collaborator or a setting is missing or malformed."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from crypto import Algorithm, Keyring
from crypto.adapters.local import generate_key_file
from portal.bootstrap import Services, build_collaborators
from portal.cli import main
from portal.core import MissingCollaboratorError
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import upgrade
from portal.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_factory_refuses_to_start_without_the_reveal_audit(services: Services) -> None:
    collaborators = build_collaborators(services)
    partial = SimpleNamespace(**{**collaborators.__dict__, "reveal_audit": None})
    with pytest.raises(MissingCollaboratorError, match="reveal_audit is missing"):
        create_app(partial)  # type: ignore[arg-type]


def test_the_app_factory_refuses_to_start_without_the_payment_hold_rule(
    services: Services,
) -> None:
    collaborators = build_collaborators(services)
    partial = SimpleNamespace(**{**collaborators.__dict__, "payment_holds": None})
    with pytest.raises(MissingCollaboratorError, match="payment_holds is missing"):
        create_app(partial)  # type: ignore[arg-type]


def test_collaborators_cannot_be_assembled_with_one_missing(services: Services) -> None:
    collaborators = build_collaborators(services)
    with pytest.raises(MissingCollaboratorError, match="payment_holds"):
        replace(collaborators, payment_holds=None)


def test_the_app_factory_refuses_rate_limited_routes_without_their_limiter(
    services: Services,
) -> None:
    from portal.web.site import build_site

    with pytest.raises(MissingCollaboratorError, match="rate limiter upload is missing"):
        build_site(build_collaborators(services), areas=("portal.web.portal_area:portal_area",))


def _prepared(folder: Path) -> dict[str, str]:
    """A migrated SQLite database with its data keys, and the environment of a service."""
    kek = folder / "kek.key"
    provider = generate_key_file(kek)
    url = f"sqlite:///{folder / 'portal.db'}"
    engine = make_engine(url)
    upgrade(engine)
    Keyring.initialise(SqlDataKeyStore(engine), provider, Algorithm.AES_256_GCM)
    engine.dispose()
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "PYTHONPATH": str(ROOT),
        "PORTAL_DATA_DIR": str(folder),
        "PORTAL_DATABASE_URL": url,
        "PORTAL_KEK_FILE": str(kek),
        "PORTAL_SESSION_SECRET": "s" * 40,
        "PORTAL_PORT": "59123",  # never bound: each case refuses before listening
    }


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_portal_serve_refuses_to_start_without_an_approval_policy_it_was_told_to_use(
    tmp_path: Path,
) -> None:
    env = _prepared(tmp_path) | {"PORTAL_APPROVAL_POLICY_FILE": str(tmp_path / "missing.toml")}
    done = _serve(env)
    assert done.returncode == 2
    assert "cannot start: PORTAL_APPROVAL_POLICY_FILE" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_portal_serve_refuses_to_start_without_a_session_secret(tmp_path: Path) -> None:
    env = _prepared(tmp_path)
    del env["PORTAL_SESSION_SECRET"]
    done = _serve(env)
    assert done.returncode == 2
    assert "cannot start: PORTAL_SESSION_SECRET is not set" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_portal_serve_refuses_to_start_without_the_key(tmp_path: Path) -> None:
    env = _prepared(tmp_path)
    del env["PORTAL_KEK_FILE"]
    done = _serve(env)
    assert done.returncode == 2
    assert "PORTAL_KEK" in done.stderr and "Traceback" not in done.stderr


def test_a_bad_setting_stops_any_command_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_OUTBOX_INTERVAL_SECONDS", "abc")
    assert main(["outbox", "list"]) == 2
    err = capsys.readouterr().err
    assert err == "portal: PORTAL_OUTBOX_INTERVAL_SECONDS must be a number, not 'abc'\n"
