"""SM2 contract: our signatures are the standard ones, checked by two independent parties.

The ``openssl`` command line (SM3 digest, distinguishing ID 1234567812345678) and
``gmssl``, a pure-Python SM2 written without OpenSSL, verify what we sign, and we verify
what they sign; a changed message fails on every side.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from gmssl import sm2 as gmssl_sm2

from payments.sm2 import DEFAULT_ID, Sm2PrivateKey, Sm2PublicKey

MESSAGE = b'{"account_sha256":"ab12","alg":"SM2","version":"v-1"}'
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="no openssl command line")
N = int(gmssl_sm2.default_ecc_table["n"], 16)


def openssl(*args: str, data: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], input=data, capture_output=True, check=False)


def openssl_verifies(public_pem: Path, signature: bytes, data: bytes, tmp: Path) -> bool:
    (tmp / "sig.der").write_bytes(signature)
    done = openssl(
        "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin", "-inkey", str(public_pem),
        "-sigfile", str(tmp / "sig.der"), "-pkeyopt", f"distid:{DEFAULT_ID.decode()}",
        data=data,
    )  # fmt: skip
    return done.returncode == 0


def gmssl_key(public: Sm2PublicKey) -> gmssl_sm2.CryptSM2:
    point = public.public_der()[-64:]  # the uncompressed point's x || y
    return gmssl_sm2.CryptSM2(private_key=None, public_key=point.hex(), mode=1)


@needs_openssl
def test_openssl_verifies_our_signature_and_refuses_it_on_another_message(tmp_path: Path) -> None:
    key = Sm2PrivateKey.generate()
    pem = tmp_path / "pub.pem"
    pem.write_text(key.public_key().public_pem())
    signature = key.sign(MESSAGE)
    assert openssl_verifies(pem, signature, MESSAGE, tmp_path)
    assert not openssl_verifies(pem, signature, MESSAGE + b" ", tmp_path)


@needs_openssl
def test_we_verify_a_signature_the_openssl_command_line_made(tmp_path: Path) -> None:
    assert openssl("genpkey", "-algorithm", "SM2", "-out", str(tmp_path / "k.pem")).returncode == 0
    public = openssl("pkey", "-in", str(tmp_path / "k.pem"), "-pubout").stdout
    made = openssl(
        "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", str(tmp_path / "k.pem"),
        "-pkeyopt", f"distid:{DEFAULT_ID.decode()}", data=MESSAGE,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    key = Sm2PublicKey.from_pem(public)
    key.verify(made.stdout, MESSAGE)
    with pytest.raises(InvalidSignature):
        key.verify(made.stdout, MESSAGE[:-1])


def test_an_independent_pure_python_sm2_verifies_our_signature() -> None:
    key = Sm2PrivateKey.generate()
    r, s = decode_dss_signature(key.sign(MESSAGE))
    theirs = gmssl_key(key.public_key())
    assert theirs.verify_with_sm3(f"{r:064x}{s:064x}", MESSAGE)
    assert not theirs.verify_with_sm3(f"{r:064x}{s:064x}", MESSAGE + b" ")


def test_we_verify_what_the_independent_implementation_signed() -> None:
    d = secrets.randbelow(N - 1) + 1
    point = gmssl_sm2.CryptSM2(private_key=f"{d:064x}", public_key="")._kg(
        d, gmssl_sm2.default_ecc_table["g"]
    )
    theirs = gmssl_sm2.CryptSM2(private_key=f"{d:064x}", public_key=point, mode=1)
    raw = theirs.sign_with_sm3(MESSAGE, f"{secrets.randbelow(N - 1) + 1:064x}")
    signature = encode_dss_signature(int(raw[:64], 16), int(raw[64:], 16))
    spki = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200") + bytes.fromhex(
        "04" + point
    )
    Sm2PublicKey.from_der(spki).verify(signature, MESSAGE)


def test_the_private_key_survives_its_der_round_trip() -> None:
    key = Sm2PrivateKey.generate()
    again = Sm2PrivateKey.from_der(key.private_der())
    key.public_key().verify(again.sign(MESSAGE), MESSAGE)


def test_an_ed25519_or_damaged_key_is_not_taken_for_sm2() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    ed = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValueError, match="not on the SM2 curve"):
        Sm2PublicKey.from_der(ed)
    with pytest.raises(ValueError):
        Sm2PublicKey.from_der(b"\x30\x03junk")
