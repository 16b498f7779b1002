"""Blind indexes: equality search without revealing values."""

from __future__ import annotations

import pytest

from crypto import Algorithm, InvalidCryptoInputError, Keyring, Purpose
from crypto.blind_index import INDEX_BYTES
from crypto.fakes import InMemoryDataKeyStore, InMemoryKeyProvider


def test_equal_values_give_equal_indexes(keyring: Keyring) -> None:
    indexer = keyring.blind_indexer()
    assert indexer.index("phone", "13812345678") == indexer.index("phone", "13812345678")
    assert indexer.index("phone", "13812345678") != indexer.index("phone", "13812345679")


def test_survives_a_restart(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    before = keyring.blind_indexer().index("id_number", "11010519491231002X")
    assert (
        Keyring.load(store, provider).blind_indexer().index("id_number", "11010519491231002X")
        == before
    )


def test_kinds_are_domain_separated(keyring: Keyring) -> None:
    indexer = keyring.blind_indexer()
    value = "6222021234567891234"
    indexes = {indexer.index(kind, value) for kind in ("bank_account", "phone", "id_number")}
    assert len(indexes) == 3


def test_different_keys_give_unrelated_indexes(algorithm: Algorithm) -> None:
    first = Keyring.initialise(InMemoryDataKeyStore(), InMemoryKeyProvider(), algorithm)
    second = Keyring.initialise(InMemoryDataKeyStore(), InMemoryKeyProvider(), algorithm)
    assert first.blind_indexer().index("phone", "13812345678") != second.blind_indexer().index(
        "phone", "13812345678"
    )


def test_index_is_versioned_and_truncated_to_128_bits(keyring: Keyring) -> None:
    index = keyring.blind_indexer().index("phone", "13812345678")
    version, _, digest = index.partition(":")
    assert version == "1"
    assert len(digest) == 22  # base64url of 16 bytes, no padding
    assert INDEX_BYTES == 16
    assert "13812345678" not in index


def test_sm4_deployments_use_hmac_sm3_and_aes_ones_hmac_sha256() -> None:
    store, provider = InMemoryDataKeyStore(), InMemoryKeyProvider()
    keyring = Keyring.initialise(store, provider, Algorithm.AES_256_GCM)
    sha = keyring.blind_indexer().index("phone", "13812345678")
    # Same key bytes, relabelled as an SM4 deployment key: the MAC must change.
    key = keyring.find(Purpose.BLIND_INDEX, 1)
    assert key is not None
    from crypto.blind_index import _mac_factory

    sm3_root = _mac_factory(Algorithm.SM4_GCM, key.secret)
    sha_root = _mac_factory(Algorithm.AES_256_GCM, key.secret)
    assert sm3_root(b"x") != sha_root(b"x")
    assert len(sm3_root(b"x")) == len(sha_root(b"x")) == 32
    assert sha.startswith("1:")


def test_rotation_keeps_old_indexes_findable_until_reindexed(
    keyring: Keyring, store: InMemoryDataKeyStore
) -> None:
    indexer = keyring.blind_indexer()
    old = indexer.index("phone", "13812345678")
    keyring.add_version(store, Purpose.BLIND_INDEX)
    new = indexer.index("phone", "13812345678")
    assert new.startswith("2:") and new != old
    assert indexer.candidates("phone", "13812345678") == [new, old]
    assert indexer.needs_reindexing(old)
    assert not indexer.needs_reindexing(new)


@pytest.mark.parametrize("kind", ["", "Phone", "phone number", "1phone", "a" * 65])
def test_kind_must_be_a_lower_snake_name(keyring: Keyring, kind: str) -> None:
    with pytest.raises(InvalidCryptoInputError):
        keyring.blind_indexer().index(kind, "13812345678")


def test_empty_value_is_refused(keyring: Keyring) -> None:
    with pytest.raises(ValueError, match="empty phone"):
        keyring.blind_indexer().index("phone", "")
