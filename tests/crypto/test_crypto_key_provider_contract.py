"""One contract for every KeyProvider: the fake must behave like the real ones."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # conftest is not importable at run time (importlib import mode)
    from conftest import SoftHsmToken

from crypto import KeyProvider, KeyUnavailableError
from crypto.adapters.local import generate_key_file
from crypto.adapters.pkcs11 import Pkcs11KeyProvider
from crypto.fakes import InMemoryKeyProvider

Factory = Callable[[], KeyProvider]


@pytest.fixture(params=["fake", "local", "pkcs11"])
def make_provider(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    """Each call returns a provider holding a fresh, different KEK."""
    if request.param == "fake":
        return InMemoryKeyProvider
    if request.param == "local":
        counter = iter(range(100))
        return lambda: generate_key_file(tmp_path / f"kek-{next(counter)}")
    token: SoftHsmToken = request.getfixturevalue("softhsm_token")
    return lambda: Pkcs11KeyProvider.create_kek(
        token.module, token.label, token.pin, token.new_key_label()
    )


def test_is_a_key_provider(make_provider: Factory) -> None:
    assert isinstance(make_provider(), KeyProvider)


def test_wrap_then_unwrap_returns_the_key(make_provider: Factory) -> None:
    provider = make_provider()
    key = os.urandom(45)
    wrapped = provider.wrap(key)
    assert key not in wrapped
    assert provider.unwrap(wrapped, provider.kek_id) == key


def test_wrapping_twice_gives_different_bytes(make_provider: Factory) -> None:
    provider = make_provider()
    assert provider.wrap(b"k" * 32) != provider.wrap(b"k" * 32)


def test_altered_wrapped_key_is_refused(make_provider: Factory) -> None:
    provider = make_provider()
    wrapped = bytearray(provider.wrap(os.urandom(32)))
    wrapped[-3] ^= 0x10
    with pytest.raises(KeyUnavailableError, match="altered"):
        provider.unwrap(bytes(wrapped), provider.kek_id)


def test_another_kek_cannot_unwrap(make_provider: Factory) -> None:
    first, second = make_provider(), make_provider()
    assert first.kek_id != second.kek_id
    wrapped = first.wrap(os.urandom(32))
    with pytest.raises(KeyUnavailableError) as caught:
        second.unwrap(wrapped, first.kek_id)
    assert first.kek_id in str(caught.value)
    with pytest.raises(KeyUnavailableError):
        second.unwrap(wrapped, second.kek_id)  # lying about the kek_id does not help
