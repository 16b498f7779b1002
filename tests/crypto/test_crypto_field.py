"""Field tokens: round trips, binding to the cell, tamper detection."""

from __future__ import annotations

import pytest

from crypto import (
    Algorithm,
    DecryptionFailure,
    FieldDecryptionError,
    Keyring,
    Purpose,
)
from crypto.fakes import InMemoryDataKeyStore, InMemoryKeyProvider

CELL = {"table": "supplier", "column": "bank_account", "row_id": "42"}


def test_round_trips_values_including_chinese_text(keyring: Keyring) -> None:
    cipher = keyring.field_cipher()
    for value in ["6222021234567891234", "", "招商银行 上海分行", "x" * 500]:
        token = cipher.encrypt(value, **CELL)
        assert cipher.decrypt(token, **CELL) == value


def test_token_is_ascii_and_names_format_algorithm_and_version(
    keyring: Keyring, algorithm: Algorithm
) -> None:
    token = keyring.field_cipher().encrypt("13812345678", **CELL)
    assert token.isascii()
    assert token.startswith(f"v1:{algorithm.value}:1:")
    assert "13812345678" not in token


def test_same_value_encrypts_differently_each_time(keyring: Keyring) -> None:
    cipher = keyring.field_cipher()
    assert cipher.encrypt("13812345678", **CELL) != cipher.encrypt("13812345678", **CELL)


@pytest.mark.parametrize(
    "moved_to",
    [
        {**CELL, "row_id": "43"},
        {**CELL, "column": "id_number"},
        {**CELL, "table": "contact"},
        # Same concatenation, different split: must still be a different cell.
        {"table": "supplierb", "column": "ank_account", "row_id": "42"},
    ],
)
def test_ciphertext_moved_to_another_cell_does_not_decrypt(
    keyring: Keyring, moved_to: dict[str, str]
) -> None:
    cipher = keyring.field_cipher()
    token = cipher.encrypt("6222021234567891234", **CELL)
    with pytest.raises(FieldDecryptionError) as caught:
        cipher.decrypt(token, **moved_to)
    assert caught.value.reason is DecryptionFailure.CORRUPT
    assert moved_to["row_id"] in str(caught.value)


def test_tampered_token_is_refused_with_location_in_the_message(keyring: Keyring) -> None:
    cipher = keyring.field_cipher()
    token = cipher.encrypt("6222021234567891234", **CELL)
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(FieldDecryptionError) as caught:
        cipher.decrypt(flipped, **CELL)
    assert caught.value.reason is DecryptionFailure.CORRUPT
    assert "supplier.bank_account row '42'" in str(caught.value)
    assert "altered" in str(caught.value)


def test_token_relabelled_with_another_algorithm_is_refused(keyring: Keyring) -> None:
    token = keyring.field_cipher().encrypt("x", **CELL)
    other = "SM4GCM" if ":A256GCM:" in token else "A256GCM"
    relabelled = ":".join([token.split(":")[0], other, *token.split(":")[2:]])
    with pytest.raises(FieldDecryptionError) as caught:
        keyring.field_cipher().decrypt(relabelled, **CELL)
    assert caught.value.reason is DecryptionFailure.CORRUPT


@pytest.mark.parametrize(
    "token",
    [
        "",
        "6222021234567891234",
        "v2:A256GCM:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1:DES:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1:A256GCM:-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1:A256GCM:1:AAAA",
        "v1:A256GCM:1:not base64 at all!!!!!!!!!!!!!!!!!!!!!!!!",
    ],
)
def test_foreign_values_are_reported_as_malformed(keyring: Keyring, token: str) -> None:
    with pytest.raises(FieldDecryptionError) as caught:
        keyring.field_cipher().decrypt(token, **CELL)
    assert caught.value.reason is DecryptionFailure.MALFORMED


def test_token_from_another_deployment_reports_missing_key(algorithm: Algorithm) -> None:
    ours = Keyring.initialise(InMemoryDataKeyStore(), InMemoryKeyProvider(), algorithm)
    theirs = Keyring.initialise(InMemoryDataKeyStore(), InMemoryKeyProvider(), algorithm)
    theirs.add_version(theirs._store, Purpose.FIELD)
    token = theirs.field_cipher().encrypt("x", **CELL)
    with pytest.raises(FieldDecryptionError) as caught:
        ours.field_cipher().decrypt(token, **CELL)
    assert caught.value.reason is DecryptionFailure.KEY_MISSING
    assert "field key v2" in str(caught.value)


def test_same_version_from_another_deployment_is_corrupt_not_garbage(
    algorithm: Algorithm,
) -> None:
    ours = Keyring.initialise(InMemoryDataKeyStore(), InMemoryKeyProvider(), algorithm)
    theirs = Keyring.initialise(InMemoryDataKeyStore(), InMemoryKeyProvider(), algorithm)
    token = theirs.field_cipher().encrypt("x", **CELL)
    with pytest.raises(FieldDecryptionError, match="authentication failed"):
        ours.field_cipher().decrypt(token, **CELL)


def test_key_version_is_read_from_the_token(keyring: Keyring, store: InMemoryDataKeyStore) -> None:
    cipher = keyring.field_cipher()
    assert cipher.key_version(cipher.encrypt("x", **CELL)) == 1
    keyring.add_version(store, Purpose.FIELD)
    assert cipher.key_version(cipher.encrypt("x", **CELL)) == 2


def test_decryption_errors_are_value_errors_and_permanent(keyring: Keyring) -> None:
    with pytest.raises(ValueError) as caught:
        keyring.field_cipher().decrypt("junk", **CELL)
    assert isinstance(caught.value, FieldDecryptionError)
    assert caught.value.permanent


# -- binary tokens (the sealed master-data columns) ------------------------------------


def test_binary_tokens_round_trip_and_carry_no_plaintext(
    keyring: Keyring, algorithm: Algorithm
) -> None:
    cipher = keyring.field_cipher()
    for value in ["6222021234567891234", "", "招商银行 上海分行"]:
        token = cipher.encrypt_bytes(value, **CELL)
        assert isinstance(token, bytes)
        assert value.encode() not in token or value == ""
        assert cipher.decrypt_bytes(token, **CELL) == value
        assert cipher.key_version(token) == 1
    assert cipher.encrypt_bytes("x", **CELL)[:2] == bytes(
        (1, 1 if algorithm is Algorithm.AES_256_GCM else 2)
    )


@pytest.mark.parametrize(
    "moved_to",
    [{**CELL, "row_id": "43"}, {**CELL, "column": "id_number"}, {**CELL, "table": "contact"}],
)
def test_binary_ciphertext_moved_to_another_cell_does_not_decrypt(
    keyring: Keyring, moved_to: dict[str, str]
) -> None:
    cipher = keyring.field_cipher()
    token = cipher.encrypt_bytes("6222021234567891234", **CELL)
    with pytest.raises(FieldDecryptionError) as caught:
        cipher.decrypt_bytes(token, **moved_to)
    assert caught.value.reason is DecryptionFailure.CORRUPT


def test_binary_token_altered_or_truncated_is_refused(keyring: Keyring) -> None:
    cipher = keyring.field_cipher()
    token = cipher.encrypt_bytes("13812345678", **CELL)
    flipped = token[:-1] + bytes((token[-1] ^ 1,))
    for bad, failure in (
        (flipped, DecryptionFailure.CORRUPT),
        (token[:20], DecryptionFailure.MALFORMED),
        (b"v1:A256GCM:1:" + token, DecryptionFailure.MALFORMED),
        (bytes((1, 9)) + token[2:], DecryptionFailure.MALFORMED),
    ):
        with pytest.raises(FieldDecryptionError) as caught:
            cipher.decrypt_bytes(bad, **CELL)
        assert caught.value.reason is failure, bad


def test_text_and_binary_forms_convert_without_a_key(keyring: Keyring) -> None:
    from crypto.field import to_binary, to_text

    cipher = keyring.field_cipher()
    text_token = cipher.encrypt("6222021234567891234", **CELL)
    assert cipher.decrypt_bytes(to_binary(text_token), **CELL) == "6222021234567891234"
    binary = cipher.encrypt_bytes("13812345678", **CELL)
    assert cipher.decrypt(to_text(binary), **CELL) == "13812345678"
    assert to_binary(to_text(binary)) == binary
