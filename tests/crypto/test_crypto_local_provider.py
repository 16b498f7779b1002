"""LocalKeyProvider: KEK from a file or the environment, never from the database."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from crypto import (
    Algorithm,
    InvalidCryptoInputError,
    KeyFileInsecureError,
    Keyring,
    KeyUnavailableError,
)
from crypto.adapters.local import LocalKeyProvider, generate_key_file
from crypto.fakes import InMemoryDataKeyStore


def test_generated_key_file_is_owner_only_and_loads(tmp_path: Path) -> None:
    path = tmp_path / "kek"
    created = generate_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = LocalKeyProvider.from_file(path)
    assert loaded.kek_id == created.kek_id
    assert loaded.unwrap(created.wrap(b"dek"), created.kek_id) == b"dek"


def test_generate_refuses_to_overwrite_an_existing_key(tmp_path: Path) -> None:
    path = tmp_path / "kek"
    generate_key_file(path)
    before = path.read_bytes()
    with pytest.raises(InvalidCryptoInputError, match="already exists"):
        generate_key_file(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_key_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "kek"
    generate_key_file(path)
    os.chmod(path, mode)
    with pytest.raises(KeyFileInsecureError, match=f"chmod 600 {path}"):
        LocalKeyProvider.from_file(path)


def test_read_only_owner_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "kek"
    generate_key_file(path)
    os.chmod(path, 0o400)
    LocalKeyProvider.from_file(path)


def test_missing_key_file_says_how_to_configure_one(tmp_path: Path) -> None:
    path = tmp_path / "x" / "y"
    with pytest.raises(KeyUnavailableError) as caught:
        LocalKeyProvider.from_file(path)
    assert str(caught.value).startswith(f"KEK file {path} not found: set PORTAL_KEK_FILE")
    assert "portal keys init" in str(caught.value)
    assert not isinstance(caught.value, KeyFileInsecureError)


@pytest.mark.parametrize("content", [b"not base64!!\n", base64.b64encode(b"short") + b"\n"])
def test_key_file_with_bad_content_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "kek"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    with pytest.raises(KeyUnavailableError, match=str(path)):
        LocalKeyProvider.from_file(path)


def test_kek_from_environment_variable() -> None:
    kek = os.urandom(32)
    env = {"PORTAL_KEK": base64.b64encode(kek).decode()}
    provider = LocalKeyProvider.from_environment(env)
    assert provider.kek_id == LocalKeyProvider(kek).kek_id


def test_kek_file_variable_wins_over_inline_kek(tmp_path: Path) -> None:
    path = tmp_path / "kek"
    from_file = generate_key_file(path)
    env = {"PORTAL_KEK_FILE": str(path), "PORTAL_KEK": base64.b64encode(os.urandom(32)).decode()}
    assert LocalKeyProvider.from_environment(env).kek_id == from_file.kek_id


def test_no_kek_configured_names_both_variables() -> None:
    with pytest.raises(KeyUnavailableError, match=r"PORTAL_KEK_FILE.*PORTAL_KEK"):
        LocalKeyProvider.from_environment({})


def test_kek_id_is_a_fingerprint_not_the_key() -> None:
    kek = os.urandom(32)
    provider = LocalKeyProvider(kek)
    assert provider.kek_id.startswith("local:")
    assert kek.hex()[:16] not in provider.kek_id
    assert base64.b64encode(kek).decode()[:8] not in provider.kek_id
    assert provider.kek_id != LocalKeyProvider(os.urandom(32)).kek_id


def test_keyring_with_the_wrong_key_file_names_the_key(tmp_path: Path) -> None:
    store = InMemoryDataKeyStore()
    right = generate_key_file(tmp_path / "right")
    Keyring.initialise(store, right, Algorithm.SM4_GCM)
    wrong = generate_key_file(tmp_path / "wrong")
    with pytest.raises(
        KeyUnavailableError, match=rf"data key [a-z_]+ v1 \(kek_id {right.kek_id}\)"
    ):
        Keyring.load(store, wrong)
