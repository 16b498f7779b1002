"""Known-answer tests run before any key is used.

Vectors:

* AES-256-GCM: test cases 14 and 16 of McGrew & Viega, "The Galois/Counter Mode
  of Operation (GCM)", as republished by NIST in the GCM specification's test
  vectors (gcm-revised-spec, Appendix B).
* SM4-GCM: RFC 8998, Appendix A.1 (SM4-GCM test vector).
* SM4 block cipher: GB/T 32907-2016, Appendix A example 1.
* HMAC-SHA256: RFC 4231 test case 2; SM3: GB/T 32905-2016, Appendix A example 1.

A backend without SM4-GCM fails closed with :class:`~crypto.errors.SelfTestError`.

>>> run_self_test(Algorithm.AES_256_GCM)
>>> run_self_test(Algorithm.SM4_GCM)
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from crypto._aead import AuthenticationFailed, new_aead
from crypto.errors import SelfTestError
from crypto.model import Algorithm

__all__ = ["KnownAnswer", "default_vectors", "ensure_self_test", "run_self_test"]


@dataclass(frozen=True)
class KnownAnswer:
    """One AEAD vector, hex-encoded as published."""

    name: str
    algorithm: Algorithm
    key: str
    nonce: str
    plaintext: str
    aad: str
    ciphertext: str
    tag: str


_VECTORS = (
    KnownAnswer(
        name="NIST GCM test case 14 (AES-256, zero key)",
        algorithm=Algorithm.AES_256_GCM,
        key="00" * 32,
        nonce="00" * 12,
        plaintext="00" * 16,
        aad="",
        ciphertext="cea7403d4d606b6e074ec5d3baf39d18",
        tag="d0d1c8a799996bf0265b98b5d48ab919",
    ),
    KnownAnswer(
        name="NIST GCM test case 16 (AES-256 with AAD)",
        algorithm=Algorithm.AES_256_GCM,
        key="feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
        nonce="cafebabefacedbaddecaf888",
        plaintext=(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
        ),
        aad="feedfacedeadbeeffeedfacedeadbeefabaddad2",
        ciphertext=(
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        ),
        tag="76fc6ece0f4e1768cddf8853bb2d551b",
    ),
    KnownAnswer(
        name="RFC 8998 A.1 SM4-GCM",
        algorithm=Algorithm.SM4_GCM,
        key="0123456789abcdeffedcba9876543210",
        nonce="00001234567800000000abcd",
        plaintext=(
            "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
            "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
        ),
        aad="feedfacedeadbeeffeedfacedeadbeefabaddad2",
        ciphertext=(
            "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
            "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
        ),
        tag="83de3541e4c2b58177e065a9bf7b62ec",
    ),
)


def default_vectors() -> tuple[KnownAnswer, ...]:
    """The published vectors this module checks."""
    return _VECTORS


def _check_aead(vector: KnownAnswer) -> None:
    h = bytes.fromhex
    try:
        aead = new_aead(vector.algorithm, h(vector.key))
        sealed = aead.encrypt(h(vector.nonce), h(vector.plaintext), h(vector.aad))
    except UnsupportedAlgorithm as exc:
        raise SelfTestError(
            f"the cryptography backend does not provide {vector.algorithm.value}: "
            f"{exc}; refusing to run (install an OpenSSL build with SM4)"
        ) from exc
    if sealed != h(vector.ciphertext) + h(vector.tag):
        raise SelfTestError(f"known-answer test failed: {vector.name} encrypts wrongly")
    try:
        opened = aead.decrypt(h(vector.nonce), sealed, h(vector.aad))
    except AuthenticationFailed as exc:
        raise SelfTestError(f"known-answer test failed: {vector.name} does not decrypt") from exc
    if opened != h(vector.plaintext):
        raise SelfTestError(f"known-answer test failed: {vector.name} decrypts wrongly")
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    try:
        aead.decrypt(h(vector.nonce), bytes(tampered), h(vector.aad))
    except AuthenticationFailed:
        return
    raise SelfTestError(f"known-answer test failed: {vector.name} accepts a forged tag")


def _check_mac(algorithm: Algorithm) -> None:
    digest = hmac.new(b"Jefe", b"what do ya want for nothing?", "sha256").hexdigest()
    if digest != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843":
        raise SelfTestError("known-answer test failed: HMAC-SHA256 (RFC 4231 case 2)")
    if algorithm is not Algorithm.SM4_GCM:
        return
    try:
        sm3 = hashes.Hash(hashes.SM3())
        sm3.update(b"abc")
        block = Cipher(
            algorithms.SM4(bytes.fromhex("0123456789abcdeffedcba9876543210")),
            modes.ECB(),  # noqa: S305 - one-block KAT
        ).encryptor()
        sm4_out = block.update(bytes.fromhex("0123456789abcdeffedcba9876543210"))
    except UnsupportedAlgorithm as exc:
        raise SelfTestError(f"the cryptography backend lacks SM3/SM4: {exc}") from exc
    if sm3.finalize().hex() != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0":
        raise SelfTestError("known-answer test failed: SM3 (GB/T 32905 example 1)")
    if sm4_out.hex() != "681edf34d206965e86b3e94f536e4246":
        raise SelfTestError("known-answer test failed: SM4 block (GB/T 32907 example 1)")


def run_self_test(algorithm: Algorithm, vectors: Sequence[KnownAnswer] | None = None) -> None:
    """Run the known-answer tests for ``algorithm``; raise :class:`SelfTestError` on failure."""
    selected = [v for v in (vectors or _VECTORS) if v.algorithm is algorithm]
    if not selected:
        raise SelfTestError(f"no known-answer vector for {algorithm.value}; refusing to run")
    for vector in selected:
        _check_aead(vector)
    _check_mac(algorithm)


_passed: set[Algorithm] = set()
_passed_lock = threading.Lock()


def ensure_self_test(algorithm: Algorithm) -> None:
    """Run :func:`run_self_test` once per process and algorithm."""
    if algorithm in _passed:
        return
    with _passed_lock:
        if algorithm not in _passed:
            run_self_test(algorithm)
            _passed.add(algorithm)
