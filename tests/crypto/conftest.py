"""Fixtures shared by the crypto tests: fakes by default, SoftHSM2 when asked."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryDataKeyStore, InMemoryKeyProvider

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(params=list(Algorithm), ids=lambda a: a.value)
def algorithm(request: pytest.FixtureRequest) -> Algorithm:
    return Algorithm(request.param)


@pytest.fixture
def store() -> InMemoryDataKeyStore:
    return InMemoryDataKeyStore()


@pytest.fixture
def provider() -> InMemoryKeyProvider:
    return InMemoryKeyProvider()


@pytest.fixture
def keyring(
    store: InMemoryDataKeyStore, provider: InMemoryKeyProvider, algorithm: Algorithm
) -> Keyring:
    return Keyring.initialise(store, provider, algorithm)


@dataclass(frozen=True)
class SoftHsmToken:
    module: str
    label: str
    pin: str

    def new_key_label(self) -> str:
        return f"kek-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    """A fresh SoftHSM2 token in a temporary token directory, for the whole session.

    SoftHSM2 reads SOFTHSM2_CONF once, at C_Initialize, so one token serves every test.
    """
    util = shutil.which("softhsm2-util")
    if util is None or not Path(SOFTHSM_MODULE).exists():
        pytest.skip("softhsm2 is not installed (apt-get install softhsm2)")
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    token = SoftHsmToken(module=SOFTHSM_MODULE, label="portal-test", pin="123456")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))
        subprocess.run(
            [
                util,
                "--init-token",
                "--free",
                "--label",
                token.label,
                "--pin",
                token.pin,
                "--so-pin",
                "654321",
            ],
            check=True,
            capture_output=True,
            env={**os.environ},
        )
        yield token
