"""Keyring lifecycle: initialise, load failures, KEK rotation, DEK rotation, status."""

from __future__ import annotations

from dataclasses import replace

import pytest

from crypto import (
    Algorithm,
    Keyring,
    KeyState,
    KeyStoreError,
    KeyUnavailableError,
    Purpose,
)
from crypto.fakes import InMemoryDataKeyStore, InMemoryKeyProvider

CELL = {"table": "supplier", "column": "phone", "row_id": "7"}


def test_initialise_creates_one_active_key_per_purpose(
    keyring: Keyring, store: InMemoryDataKeyStore, algorithm: Algorithm
) -> None:
    stored = store.list_keys()
    assert sorted(k.purpose for k in stored) == sorted(Purpose)
    assert all(k.version == 1 and k.state is KeyState.ACTIVE for k in stored)
    assert all(k.algorithm is algorithm for k in stored)


def test_initialise_is_idempotent(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    token = keyring.field_cipher().encrypt("13812345678", **CELL)
    before = store.list_keys()
    again = Keyring.initialise(store, provider, Algorithm.AES_256_GCM)
    assert store.list_keys() == before
    assert again.field_cipher().decrypt(token, **CELL) == "13812345678"


def test_the_store_holds_no_clear_key_material(
    keyring: Keyring, store: InMemoryDataKeyStore
) -> None:
    for stored in store.list_keys():
        secret = keyring.find(stored.purpose, stored.version)
        assert secret is not None
        assert secret.secret not in stored.wrapped
        assert secret.secret.hex() not in repr(secret)


def test_load_with_the_wrong_kek_names_the_key_and_the_reason(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    with pytest.raises(KeyUnavailableError) as caught:
        Keyring.load(store, InMemoryKeyProvider())
    message = str(caught.value)
    assert "data key" in message
    assert provider.kek_id in message
    assert "not offered" in message
    assert caught.value.permanent


def test_load_fails_closed_when_one_wrapped_key_was_altered(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    victim = next(k for k in store.list_keys() if k.purpose is Purpose.BLIND_INDEX)
    damaged = bytearray(victim.wrapped)
    damaged[-1] ^= 1
    store.keys[(victim.purpose.value, victim.version)] = replace(victim, wrapped=bytes(damaged))
    with pytest.raises(KeyUnavailableError, match=r"blind_index v1 \(kek_id memory:"):
        Keyring.load(store, provider)


def test_wrapped_key_copied_to_another_purpose_is_refused(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    field_key = next(k for k in store.list_keys() if k.purpose is Purpose.FIELD)
    index_key = next(k for k in store.list_keys() if k.purpose is Purpose.BLIND_INDEX)
    store.keys[("field", 1)] = replace(field_key, wrapped=index_key.wrapped)
    with pytest.raises(KeyUnavailableError, match="labelled for another purpose"):
        Keyring.load(store, provider)


def test_revoked_kek_makes_load_fail(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    provider.revoked = True
    with pytest.raises(KeyUnavailableError, match="revoked"):
        Keyring.load(store, provider)


def test_load_without_any_key_says_to_run_init() -> None:
    with pytest.raises(KeyUnavailableError, match="portal keys init"):
        Keyring.load(InMemoryDataKeyStore(), InMemoryKeyProvider())


def test_kek_rotation_rewraps_every_key_and_old_data_still_decrypts(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    token = keyring.field_cipher().encrypt("13812345678", **CELL)
    index = keyring.blind_indexer().index("phone", "13812345678")
    new_kek = InMemoryKeyProvider()

    assert keyring.rotate_kek(store, new_kek) == len(Purpose)

    assert {k.kek_id for k in store.list_keys()} == {new_kek.kek_id}
    provider.revoked = True  # the customer can now disable the old KEK
    reloaded = Keyring.load(store, new_kek)
    assert reloaded.field_cipher().decrypt(token, **CELL) == "13812345678"
    assert reloaded.blind_indexer().index("phone", "13812345678") == index


def test_interrupted_kek_rotation_loads_with_both_keks_and_completes_on_rerun(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    token = keyring.field_cipher().encrypt("13812345678", **CELL)
    new_kek = InMemoryKeyProvider()
    store.fail_after_updates = 2

    with pytest.raises(KeyStoreError, match="simulated crash"):
        keyring.rotate_kek(store, new_kek)

    assert len({k.kek_id for k in store.list_keys()}) == 2  # a real mix
    with pytest.raises(KeyUnavailableError):
        Keyring.load(store, new_kek)  # only one KEK offered: fail closed
    restarted = Keyring.load(store, [new_kek, provider])
    assert restarted.field_cipher().decrypt(token, **CELL) == "13812345678"

    store.fail_after_updates = None
    assert restarted.rotate_kek(store, new_kek) == len(Purpose) - 2
    assert restarted.rotate_kek(store, new_kek) == 0
    assert Keyring.load(store, new_kek).field_cipher().decrypt(token, **CELL) == "13812345678"


def test_kek_rotation_to_a_broken_provider_changes_nothing(
    keyring: Keyring, store: InMemoryDataKeyStore
) -> None:
    broken = InMemoryKeyProvider()
    broken.revoked = True
    before = store.list_keys()
    with pytest.raises(KeyUnavailableError):
        keyring.rotate_kek(store, broken)
    assert store.list_keys() == before


def test_add_version_retires_the_old_key_and_old_tokens_still_decrypt(
    keyring: Keyring, store: InMemoryDataKeyStore
) -> None:
    cipher = keyring.field_cipher()
    old = cipher.encrypt("13812345678", **CELL)

    assert keyring.add_version(store, Purpose.FIELD) == 2

    new = cipher.encrypt("13812345678", **CELL)
    assert cipher.key_version(new) == 2
    assert cipher.decrypt(old, **CELL) == "13812345678"
    assert cipher.needs_reencryption(old)
    assert not cipher.needs_reencryption(new)
    states = {(k.purpose, k.version): k.state for k in store.list_keys()}
    assert states[(Purpose.FIELD, 1)] is KeyState.RETIRED
    assert states[(Purpose.FIELD, 2)] is KeyState.ACTIVE


def test_reencrypt_moves_a_token_to_the_current_version(
    keyring: Keyring, store: InMemoryDataKeyStore
) -> None:
    cipher = keyring.field_cipher()
    old = cipher.encrypt("13812345678", **CELL)
    keyring.add_version(store, Purpose.FIELD)
    new = cipher.reencrypt(old, **CELL)
    assert cipher.key_version(new) == 2
    assert cipher.decrypt(new, **CELL) == "13812345678"
    assert cipher.reencrypt(new, **CELL) == new


def test_add_version_can_migrate_from_aes_to_sm4(
    store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    keyring = Keyring.initialise(store, provider, Algorithm.AES_256_GCM)
    cipher = keyring.field_cipher()
    old = cipher.encrypt("x", **CELL)
    keyring.add_version(store, Purpose.FIELD, Algorithm.SM4_GCM)
    new = cipher.encrypt("x", **CELL)
    assert new.startswith("v1:SM4GCM:2:")
    assert cipher.needs_reencryption(old)
    assert cipher.decrypt(old, **CELL) == cipher.decrypt(new, **CELL) == "x"


def test_other_instances_pick_up_a_new_version_without_restart(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    other_instance = Keyring.load(store, provider)
    keyring.add_version(store, Purpose.FIELD)
    token = keyring.field_cipher().encrypt("x", **CELL)
    other_instance._last_refresh -= 5  # as if a few seconds had passed
    assert other_instance.field_cipher().decrypt(token, **CELL) == "x"


def test_crash_between_adding_and_retiring_leaves_the_newest_key_current(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    store.fail_after_updates = 0  # add_key succeeds, retiring v1 fails
    with pytest.raises(KeyStoreError):
        keyring.add_version(store, Purpose.FIELD)
    reloaded = Keyring.load(store, provider)
    assert reloaded.field_cipher().key_version(reloaded.field_cipher().encrypt("x", **CELL)) == 2


def test_status_lists_every_key_and_marks_the_current_ones(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    keyring.add_version(store, Purpose.DOCUMENT)
    status = keyring.status()
    assert [(s.purpose, s.version) for s in status] == [
        (Purpose.FIELD, 1),
        (Purpose.DOCUMENT, 1),
        (Purpose.DOCUMENT, 2),
        (Purpose.BLIND_INDEX, 1),
        (Purpose.AUDIT, 1),
    ]
    current = {(s.purpose, s.version) for s in status if s.current}
    assert (Purpose.DOCUMENT, 2) in current
    assert (Purpose.DOCUMENT, 1) not in current
    assert all(s.kek_id == provider.kek_id for s in status)


def test_running_instance_with_only_the_old_kek_survives_a_kek_rotation(
    keyring: Keyring, store: InMemoryDataKeyStore, provider: InMemoryKeyProvider
) -> None:
    running = Keyring.load(store, provider)  # an app server started before the rotation
    new_kek = InMemoryKeyProvider()
    keyring.rotate_kek(store, new_kek)
    running.refresh()  # re-wrapped versions keep their material: no new KEK needed
    assert {s.kek_id for s in running.status()} == {new_kek.kek_id}
    keyring.add_version(store, Purpose.FIELD)  # wrapped under the new KEK
    token = keyring.field_cipher().encrypt("13812345678", **CELL)

    # It cannot learn v2 (wrapped under a KEK it was not given) and says so...
    with pytest.raises(KeyUnavailableError, match="not offered"):
        running.refresh()
    # ...but keeps serving with what it has, and its output stays readable everywhere.
    old_token = running.field_cipher().encrypt("x", **CELL)
    assert keyring.field_cipher().decrypt(old_token, **CELL) == "x"
    restarted = Keyring.load(store, new_kek)
    assert restarted.field_cipher().decrypt(token, **CELL) == "13812345678"
    assert restarted.field_cipher().decrypt(old_token, **CELL) == "x"
