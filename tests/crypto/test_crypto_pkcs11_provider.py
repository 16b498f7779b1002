"""Pkcs11KeyProvider against a real SoftHSM2 token."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pkcs11
import pytest

if TYPE_CHECKING:  # conftest is not importable at run time (importlib import mode)
    from conftest import SoftHsmToken
from pkcs11 import Attribute, KeyType, ObjectClass

from crypto import Algorithm, InvalidCryptoInputError, Keyring, KeyUnavailableError
from crypto.adapters.pkcs11 import Pkcs11KeyProvider
from crypto.fakes import InMemoryDataKeyStore

CELL = {"table": "supplier", "column": "id_number", "row_id": "9"}


def test_kek_is_generated_non_extractable_and_sensitive(softhsm_token: SoftHsmToken) -> None:
    label = softhsm_token.new_key_label()
    Pkcs11KeyProvider.create_kek(
        softhsm_token.module, softhsm_token.label, softhsm_token.pin, label
    )
    token = pkcs11.lib(softhsm_token.module).get_token(token_label=softhsm_token.label)
    with token.open(user_pin=softhsm_token.pin) as session:
        key = session.get_key(
            object_class=ObjectClass.SECRET_KEY, key_type=KeyType.AES, label=label
        )
        assert key[Attribute.EXTRACTABLE] is False
        assert key[Attribute.SENSITIVE] is True
        assert key[Attribute.NEVER_EXTRACTABLE] is True
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            key[Attribute.VALUE]


def test_keyring_on_an_hsm_kek_round_trips_and_survives_restart(
    softhsm_token: SoftHsmToken,
) -> None:
    provider = Pkcs11KeyProvider.create_kek(
        softhsm_token.module, softhsm_token.label, softhsm_token.pin, softhsm_token.new_key_label()
    )
    store = InMemoryDataKeyStore()
    token = (
        Keyring.initialise(store, provider, Algorithm.SM4_GCM)
        .field_cipher()
        .encrypt("11010519491231002X", **CELL)
    )
    same_kek_again = Pkcs11KeyProvider(
        softhsm_token.module, softhsm_token.label, softhsm_token.pin, provider.kek_id.split("/")[1]
    )
    reloaded = Keyring.load(store, same_kek_again)
    assert reloaded.field_cipher().decrypt(token, **CELL) == "11010519491231002X"


def test_kek_rotation_from_a_key_file_to_the_hsm(softhsm_token: SoftHsmToken) -> None:
    from crypto.adapters.local import LocalKeyProvider

    local = LocalKeyProvider(os.urandom(32))
    store = InMemoryDataKeyStore()
    keyring = Keyring.initialise(store, local, Algorithm.AES_256_GCM)
    token = keyring.field_cipher().encrypt("6222021234567891234", **CELL)
    hsm = Pkcs11KeyProvider.create_kek(
        softhsm_token.module, softhsm_token.label, softhsm_token.pin, softhsm_token.new_key_label()
    )
    assert keyring.rotate_kek(store, hsm) == 4
    assert Keyring.load(store, hsm).field_cipher().decrypt(token, **CELL) == "6222021234567891234"


def test_wrong_pin_is_a_permanent_key_unavailable_error(softhsm_token: SoftHsmToken) -> None:
    provider = Pkcs11KeyProvider(softhsm_token.module, softhsm_token.label, "000000", "any")
    with pytest.raises(KeyUnavailableError, match="refused the PIN") as caught:
        provider.wrap(b"k" * 32)
    assert caught.value.permanent


def test_unknown_token_and_unknown_key_label_are_named(softhsm_token: SoftHsmToken) -> None:
    with pytest.raises(KeyUnavailableError, match="no PKCS#11 token labelled 'nope'"):
        Pkcs11KeyProvider(softhsm_token.module, "nope", softhsm_token.pin, "k").wrap(b"k")
    with pytest.raises(KeyUnavailableError, match="no AES key labelled 'missing'"):
        Pkcs11KeyProvider(
            softhsm_token.module, softhsm_token.label, softhsm_token.pin, "missing"
        ).wrap(b"k")


def test_creating_a_kek_twice_under_one_label_is_refused(softhsm_token: SoftHsmToken) -> None:
    label = softhsm_token.new_key_label()
    args = (softhsm_token.module, softhsm_token.label, softhsm_token.pin, label)
    Pkcs11KeyProvider.create_kek(*args)
    with pytest.raises(InvalidCryptoInputError, match="already holds"):
        Pkcs11KeyProvider.create_kek(*args)


def test_missing_module_is_reported(softhsm_token: SoftHsmToken) -> None:
    provider = Pkcs11KeyProvider("/nonexistent/libp11.so", "t", "1", "k")
    with pytest.raises(KeyUnavailableError, match="cannot be loaded"):
        provider.wrap(b"k")
