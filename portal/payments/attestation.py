"""The attestation key and the signatures the payment check puts on passing lines.

The Ed25519 private key is made on first use and stored only wrapped by the customer's
key provider (the KEK that also wraps the data keys: a file outside the database, or a
PKCS#11 token); without that provider nobody can sign, and the database alone holds
nothing that signs. The public key is given to verifiers (``portal payments
attestation-key``). SM2 is not offered: ``cryptography`` has no SM2 signatures (only SM3
and SM4); see docs/payments.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, insert, select

from crypto import KeyProvider
from payments import AccountVersion, Payee
from payments.attestation import ALGORITHM, Statement, account_sha256, attest
from portal.db.payment_tables import AttestationKeyRow
from portal.db.tables import table_of

__all__ = ["KEY", "AttestationKeys", "Signer", "load_public_key"]

KEY = table_of(AttestationKeyRow)


@dataclass(frozen=True)
class Signer:
    key_id: str
    key: Ed25519PrivateKey

    def attest(self, payee: Payee, version: AccountVersion, account: str) -> str:
        """The attestation of a line paying ``account`` into ``version`` of ``payee``."""
        assert version.valid_from is not None
        statement = Statement(
            supplier=payee.supplier_id,
            credit_code=payee.uscc,
            account_sha256=account_sha256(account),
            version=version.id,
            approvers=version.approvers,
            valid_from=version.valid_from.isoformat(),
        )
        return attest(self.key, statement)


def _public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the attestation key is an Ed25519 public key (PEM)")
    return key


class AttestationKeys:
    """The signing key, unwrapped by the customer's key provider when it is first needed."""

    def __init__(self, engine: Engine, provider: Callable[[], KeyProvider]) -> None:
        """``provider`` opens the customer's key provider when the key is first needed."""
        self.engine = engine
        self._provider = provider
        self._signer: Signer | None = None

    @property
    def provider(self) -> KeyProvider:
        return self._provider()

    def signer(self, now: datetime) -> Signer:
        if self._signer is None:
            self._signer = self._load() or self._create(now)
        return self._signer

    def public_pem(self, now: datetime) -> str:
        return _public_pem(self.signer(now).key.public_key())

    def _load(self) -> Signer | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(KEY).order_by(KEY.c.created_at.desc()).limit(1)).first()
        if row is None:
            return None
        seed = self.provider.unwrap(bytes(row.wrapped_private), row.kek_id)
        return Signer(row.id, Ed25519PrivateKey.from_private_bytes(seed))

    def _create(self, now: datetime) -> Signer:
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        key_id = str(uuid.uuid4())
        provider = self.provider
        with self.engine.begin() as conn:
            conn.execute(
                insert(KEY).values(
                    id=key_id,
                    algorithm=ALGORITHM,
                    public_key=_public_pem(key.public_key()),
                    wrapped_private=provider.wrap(seed),
                    kek_id=provider.kek_id,
                    created_at=now,
                )
            )
        return Signer(key_id, key)
