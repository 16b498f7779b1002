"""The attestation key and the signatures the payment check puts on passing lines.

The private key (Ed25519, or SM2 under the SM4/国密 profile) is made on first use and
stored only wrapped by the customer's key provider (the KEK that also wraps the data
keys: a file outside the database, or a PKCS#11 token); without that provider nobody can
sign, and the database alone holds nothing that signs. The public key is given to
verifiers (``portal payments attestation-key``). Switching the profile makes a key of the
new algorithm; the old one stays on file for the sheets it signed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, insert, select

from crypto import KeyProvider, KeyUnavailableError
from payments import AccountVersion, Payee
from payments.attestation import (
    ALGORITHMS,
    PrivateKey,
    PublicKey,
    SigningKey,
    Statement,
    account_sha256,
    algorithm_of,
    attest,
    load_public_key,
)
from payments.sm2 import Sm2PrivateKey, Sm2PublicKey
from portal.db.payment_tables import AttestationKeyRow
from portal.db.tables import table_of

__all__ = ["KEY", "AttestationKeys", "Signer", "load_public_key"]

KEY = table_of(AttestationKeyRow)
#: the label of the Ed25519 key made inside a PKCS#11 token that has ``CKM_EDDSA``
HSM_KEY_LABEL = "portal-attestation"


@dataclass(frozen=True)
class _TokenKey:
    """An Ed25519 key that signs inside the customer's HSM (nothing of it is stored here)."""

    token: Any  # crypto.adapters.pkcs11.Pkcs11SigningKey (imported only with a token)
    public: Ed25519PublicKey

    def sign(self, data: bytes) -> bytes:
        return bytes(self.token.sign(data))

    def public_key(self) -> Ed25519PublicKey:
        return self.public

    def close(self) -> None:
        self.token.close()


@dataclass(frozen=True)
class Signer:
    key_id: str
    key: SigningKey

    def attest(self, payee: Payee, version: AccountVersion, account: str) -> str:
        """The attestation of a line paying ``account`` into ``version`` of ``payee``."""
        assert version.valid_from is not None
        return self.attest_account(
            payee.supplier_id, payee.uscc, version.id, version.approvers,
            version.valid_from.isoformat(), account,
        )  # fmt: skip

    def attest_account(
        self, supplier_id: str, credit_code: str, version_id: str,
        approvers: Sequence[str], valid_from: str, account: str,
    ) -> str:  # fmt: skip
        """The attestation of an active version (the finance API's ``attestation``)."""
        statement = Statement(
            supplier=supplier_id,
            credit_code=credit_code,
            account_sha256=account_sha256(account),
            version=version_id,
            approvers=tuple(approvers),
            valid_from=valid_from,
        )
        return attest(self.key, statement)


def _public_pem(key: PublicKey) -> str:
    if isinstance(key, Sm2PublicKey):
        return key.public_pem()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _private_bytes(key: PrivateKey) -> bytes:
    if isinstance(key, Sm2PrivateKey):
        return key.private_der()
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _private_key(algorithm: str, secret: bytes) -> PrivateKey:
    if algorithm == "SM2":
        return Sm2PrivateKey.from_der(secret)
    return Ed25519PrivateKey.from_private_bytes(secret)


class AttestationKeys:
    """The signing key, unwrapped by the customer's key provider when it is first needed."""

    def __init__(
        self, engine: Engine, provider: Callable[[], KeyProvider], algorithm: str = "Ed25519"
    ) -> None:
        """``provider`` opens the customer's key provider when the key is first needed;
        ``algorithm`` is ``Ed25519`` or ``SM2`` (the SM4/国密 profile)."""
        if algorithm not in ALGORITHMS:
            raise ValueError(f"attestation algorithm {algorithm!r} is not one of {ALGORITHMS}")
        self.engine = engine
        self.algorithm = algorithm
        self._provider = provider
        self._signer: Signer | None = None

    @property
    def provider(self) -> KeyProvider:
        return self._provider()

    def signer(self, now: datetime) -> Signer:
        if self._signer is None:
            self._signer = self._load() or self._create(now)
        return self._signer

    def close(self) -> None:
        """Let go of the HSM's signing session, if the key signs there."""
        if self._signer is not None and isinstance(self._signer.key, _TokenKey):
            self._signer.key.close()

    def public_pem(self, now: datetime) -> str:
        return _public_pem(self.signer(now).key.public_key())

    def _load(self) -> Signer | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(KEY)
                .where(KEY.c.algorithm == self.algorithm)
                .order_by(KEY.c.created_at.desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        if not row.wrapped_private:  # made inside the HSM: ask the token for it
            token = self._token()
            if token is None or token.key_id != row.kek_id:
                raise KeyUnavailableError(
                    f"the attestation key {row.kek_id} is in an HSM this portal does not reach"
                )
            return Signer(
                row.id, _TokenKey(token, Ed25519PublicKey.from_public_bytes(token.ensure()))
            )
        secret = self.provider.unwrap(bytes(row.wrapped_private), row.kek_id)
        return Signer(row.id, _private_key(self.algorithm, secret))

    def _token(self) -> Any:
        """The HSM's own Ed25519 key when the provider is a PKCS#11 token with ``CKM_EDDSA``
        and the algorithm is Ed25519 (no HSM we can test offers SM2); else None."""
        if self.algorithm != "Ed25519":
            return None
        from crypto.adapters.pkcs11 import Pkcs11KeyProvider

        provider = self.provider
        if not isinstance(provider, Pkcs11KeyProvider) or not provider.can_sign_ed25519():
            return None
        return provider.signing_key(HSM_KEY_LABEL)

    def _create(self, now: datetime) -> Signer:
        token = self._token()
        if token is not None:
            public = Ed25519PublicKey.from_public_bytes(token.ensure())
            return self._insert(now, _TokenKey(token, public), b"", token.key_id)
        key: PrivateKey = (
            Sm2PrivateKey.generate() if self.algorithm == "SM2" else Ed25519PrivateKey.generate()
        )
        provider = self.provider
        return self._insert(now, key, provider.wrap(_private_bytes(key)), provider.kek_id)

    def _insert(self, now: datetime, key: SigningKey, wrapped: bytes, kek_id: str) -> Signer:
        key_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(
                insert(KEY).values(
                    id=key_id,
                    algorithm=algorithm_of(key),
                    public_key=_public_pem(key.public_key()),
                    wrapped_private=wrapped,
                    kek_id=kek_id,
                    created_at=now,
                )
            )
        return Signer(key_id, key)
