"""Attestations: a signature over what made a payment line pass, checkable offline.

The statement is (supplier, credit code, SHA-256 of the account number, version,
approvers, valid-from) as canonical JSON; the attestation travels as one cell::

    <base64url(statement)>.<base64url(signature over the statement bytes)>

The signature is Ed25519 (``cryptography``) or, under the SM4/国密 profile, SM2 with SM3
and the default ID (:mod:`payments.sm2`, DER ``r, s``); the statement names it in ``alg``.

A verifier (an ERP, a bank-connect system) needs only the public key and the line: it
checks the signature, then that the statement's ``account_sha256`` is the SHA-256 of the
line's account number (digits only) and, when the line has one, that ``credit_code``
matches. A file altered after the check fails on the altered line and on no other.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> key = Ed25519PrivateKey.generate()
>>> s = Statement("s-1", "91310000MA1FL8LQ3T", account_sha256("6222 0212"), "v-1",
...               ("alice", "bob"), "2026-12-03T08:00:00+00:00")
>>> cell = attest(key, s)
>>> verify_line(key.public_key(), cell, "62220212", "91310000MA1FL8LQ3T").ok
True
>>> verify_line(key.public_key(), cell, "62220213", "91310000MA1FL8LQ3T").reason
'account'
>>> from payments.sm2 import Sm2PrivateKey
>>> sm2 = Sm2PrivateKey.generate()
>>> verify_line(sm2.public_key(), attest(sm2, s), "62220212").statement["alg"]
'SM2'
>>> verify_line(sm2.public_key(), cell, "62220212").reason
'algorithm'
"""

from __future__ import annotations

import base64
import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from payments.sm2 import Sm2PrivateKey, Sm2PublicKey

__all__ = [
    "ALGORITHMS",
    "PrivateKey",
    "PublicKey",
    "SigningKey",
    "Statement",
    "Verified",
    "account_sha256",
    "algorithm_of",
    "attest",
    "load_public_key",
    "verify_line",
]

ALGORITHMS = ("Ed25519", "SM2")
PrivateKey = Ed25519PrivateKey | Sm2PrivateKey
PublicKey = Ed25519PublicKey | Sm2PublicKey


class SigningKey(Protocol):
    """What signs statements: a software key, or one that signs inside an HSM."""

    def sign(self, data: bytes) -> bytes: ...

    def public_key(self) -> PublicKey: ...


def algorithm_of(key: object) -> str:
    """The ``alg`` a statement signed (or checked) with ``key`` names."""
    return "SM2" if isinstance(key, Sm2PrivateKey | Sm2PublicKey) else "Ed25519"


def load_public_key(pem: bytes) -> PublicKey:
    """The attestation public key from its PEM: Ed25519 or SM2 (``ValueError`` otherwise)."""
    try:
        return Sm2PublicKey.from_pem(pem)
    except ValueError:
        pass
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise ValueError("the attestation key is an Ed25519 or SM2 public key (PEM)") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the attestation key is an Ed25519 or SM2 public key (PEM)")
    return key


def account_sha256(number: str) -> str:
    """SHA-256 (hex) of the account number's digits (spaces, hyphens, full width dropped)."""
    digits = "".join(c for c in unicodedata.normalize("NFKC", number) if c.isdigit())
    return hashlib.sha256(digits.encode()).hexdigest()


@dataclass(frozen=True)
class Statement:
    supplier: str
    credit_code: str
    account_sha256: str
    version: str
    approvers: tuple[str, ...]
    valid_from: str  # ISO 8601, UTC

    def canonical(self, alg: str = "Ed25519") -> bytes:
        body = asdict(self) | {"approvers": list(self.approvers), "alg": alg}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def attest(key: SigningKey, statement: Statement) -> str:
    payload = statement.canonical(algorithm_of(key))
    return f"{_b64(payload)}.{_b64(key.sign(payload))}"


@dataclass(frozen=True)
class Verified:
    ok: bool
    reason: str = ""  # malformed, algorithm, signature, account, credit_code
    statement: dict[str, object] | None = None


def verify_line(public_key: PublicKey, cell: str, account: str, credit_code: str = "") -> Verified:
    """Whether ``cell`` attests this line's account (and credit code, when given)."""
    try:
        payload_text, signature_text = cell.strip().split(".")
        payload, signature = _unb64(payload_text), _unb64(signature_text)
        statement = json.loads(payload)
    except ValueError:
        return Verified(False, "malformed")
    if not isinstance(statement, dict):
        return Verified(False, "malformed")
    if statement.get("alg") != algorithm_of(public_key):
        return Verified(False, "algorithm", statement)
    try:
        public_key.verify(signature, payload)
    except InvalidSignature:
        return Verified(False, "signature")
    if statement.get("account_sha256") != account_sha256(account):
        return Verified(False, "account", statement)
    if credit_code and statement.get("credit_code") != credit_code.strip().upper():
        return Verified(False, "credit_code", statement)
    return Verified(True, "", statement)
