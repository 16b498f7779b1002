"""A KEK inside a PKCS#11 token (HSM, SoftHSM2, a Chinese SM-capable HSM...).

The KEK is an AES-256 secret key generated in the token with ``CKA_EXTRACTABLE``
false and ``CKA_SENSITIVE`` true: it never leaves the token. Data keys are
wrapped by token-side ``CKM_AES_GCM`` encryption (SoftHSM2 2.6 supports it for
``C_Encrypt``; its ``CKM_AES_KEY_WRAP_PAD`` only wraps token objects), with the
``kek_id`` as additional authenticated data::

    wrapped = 0x01 || nonce (12) || ciphertext || tag (16)

Tokens that insist on generating the GCM nonce themselves (some in FIPS mode)
need a variant of :meth:`Pkcs11KeyProvider.wrap`.

Where the token has ``CKM_EDDSA`` (SoftHSM2 2.6 has), :meth:`Pkcs11KeyProvider.signing_key`
gives an Ed25519 key generated inside the token (non-extractable): it signs there, and only
its public key leaves.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar, cast

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.mechanisms import GCMParams
from pkcs11.types import DecryptMixin, EncryptMixin

from crypto.errors import InvalidCryptoInputError, KeyUnavailableError

__all__ = ["Pkcs11KeyProvider", "Pkcs11SigningKey"]

_FORMAT = b"\x01"
_T = TypeVar("_T")


class _TokenCipher(Protocol):
    def encrypt(self, data: bytes, *, mechanism: Mechanism, mechanism_param: Any) -> bytes: ...

    def decrypt(self, data: bytes, *, mechanism: Mechanism, mechanism_param: Any) -> bytes: ...


# Errors a retry (after the device is back) may fix; everything else is permanent.
_RETRYABLE = (
    p11.DeviceError,
    p11.DeviceMemory,
    p11.DeviceRemoved,
    p11.TokenNotPresent,
    p11.SessionCount,
    p11.HostMemory,
    p11.FunctionFailed,
)


def _token(module_path: str, token_label: str) -> pkcs11.Token:
    # pkcs11.lib keeps one instance per module, so C_Initialize runs once per process.
    try:
        library = pkcs11.lib(module_path)
    except (p11.PKCS11Error, OSError) as exc:
        raise KeyUnavailableError(
            f"PKCS#11 module {module_path} cannot be loaded: {exc!r}"
        ) from exc
    return library.get_token(token_label=token_label)


class Pkcs11KeyProvider:
    """Implements :class:`~crypto.ports.KeyProvider` with a non-extractable token key."""

    def __init__(self, module_path: str, token_label: str, pin: str, key_label: str) -> None:
        self._module_path = module_path
        self._token_label = token_label
        self._pin = pin
        self._key_label = key_label
        self._lock = threading.Lock()
        self._kek_id = f"pkcs11:{token_label}/{key_label}"

    @classmethod
    def create_kek(
        cls, module_path: str, token_label: str, pin: str, key_label: str
    ) -> Pkcs11KeyProvider:
        """Generate the KEK in the token (non-extractable); refuses if the label exists."""
        provider = cls(module_path, token_label, pin, key_label)

        def generate(session: pkcs11.Session) -> None:
            if list(session.get_objects({Attribute.LABEL: key_label})):
                raise InvalidCryptoInputError(
                    f"token {token_label!r} already holds a key labelled {key_label!r}"
                )
            session.generate_key(
                KeyType.AES,
                256,
                label=key_label,
                store=True,
                template={
                    Attribute.EXTRACTABLE: False,
                    Attribute.SENSITIVE: True,
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.ENCRYPT: True,
                    Attribute.DECRYPT: True,
                },
            )

        provider._run("generate the KEK", generate, rw=True)
        return provider

    @property
    def kek_id(self) -> str:
        """``pkcs11:<token label>/<key label>``."""
        return self._kek_id

    def wrap(self, key: bytes) -> bytes:
        nonce = os.urandom(12)

        def encrypt(session: pkcs11.Session) -> bytes:
            params = GCMParams(nonce, self._kek_id.encode(), 128)
            return self._kek(session).encrypt(
                key, mechanism=Mechanism.AES_GCM, mechanism_param=params
            )

        return _FORMAT + nonce + self._run("wrap a data key", encrypt)

    def unwrap(self, wrapped: bytes, kek_id: str) -> bytes:
        if kek_id != self._kek_id:
            raise KeyUnavailableError(f"wrapped under KEK {kek_id}, but this KEK is {self._kek_id}")
        if wrapped[:1] != _FORMAT or len(wrapped) < 1 + 12 + 16:
            raise KeyUnavailableError("wrapped key is not in the PKCS#11 provider's format")

        def decrypt(session: pkcs11.Session) -> bytes:
            params = GCMParams(wrapped[1:13], self._kek_id.encode(), 128)
            try:
                return self._kek(session).decrypt(
                    wrapped[13:], mechanism=Mechanism.AES_GCM, mechanism_param=params
                )
            except (p11.GeneralError, p11.EncryptedDataInvalid, p11.FunctionFailed) as exc:
                # SoftHSM2 reports a bad GCM tag as CKR_GENERAL_ERROR.
                raise KeyUnavailableError(
                    f"token KEK {self._kek_id} does not unwrap it: the wrapped key was altered "
                    "or was made under another token key"
                ) from exc

        return self._run("unwrap a data key", decrypt)

    def __repr__(self) -> str:
        return f"Pkcs11KeyProvider({self._kek_id}, module={self._module_path})"

    def can_sign_ed25519(self) -> bool:
        """Whether the token generates and uses Ed25519 keys (``CKM_EDDSA``)."""

        def mechanisms(session: pkcs11.Session) -> set[Mechanism]:
            return set(session.token.slot.get_mechanisms())

        found = self._run("list the token's mechanisms", mechanisms)
        return {Mechanism.EDDSA, Mechanism.EC_EDWARDS_KEY_PAIR_GEN} <= found

    def signing_key(self, label: str) -> Pkcs11SigningKey:
        """The token's Ed25519 key labelled ``label`` (made by :meth:`Pkcs11SigningKey.ensure`)."""
        return Pkcs11SigningKey(self, label)

    # -- internals --------------------------------------------------------------------

    def _kek(self, session: pkcs11.Session) -> _TokenCipher:
        try:
            key = session.get_key(
                object_class=ObjectClass.SECRET_KEY, key_type=KeyType.AES, label=self._key_label
            )
        except p11.NoSuchKey as exc:
            raise KeyUnavailableError(
                f"token {self._token_label!r} has no AES key labelled {self._key_label!r}: "
                "create it with `portal keys init --pkcs11` or fix the key label"
            ) from exc
        except p11.MultipleObjectsReturned as exc:
            raise KeyUnavailableError(
                f"token {self._token_label!r} holds several keys labelled {self._key_label!r}"
            ) from exc
        if not isinstance(key, EncryptMixin) or not isinstance(key, DecryptMixin):
            raise KeyUnavailableError(f"token key {self._key_label!r} cannot encrypt and decrypt")
        return cast(_TokenCipher, key)

    @contextmanager
    def _session(self, rw: bool) -> Iterator[pkcs11.Session]:
        token = _token(self._module_path, self._token_label)
        try:
            session = token.open(user_pin=self._pin, rw=rw)
        except p11.UserAlreadyLoggedIn:
            # PKCS#11 login is per application: another open session already logged in.
            session = token.open(rw=rw)
        with session:
            yield session

    def _run(self, action: str, operation: Callable[[pkcs11.Session], _T], rw: bool = False) -> _T:
        with self._lock:
            try:
                with self._session(rw) as session:
                    return operation(session)
            except (KeyUnavailableError, InvalidCryptoInputError):
                raise
            except p11.NoSuchToken as exc:
                raise KeyUnavailableError(
                    f"cannot {action}: no PKCS#11 token labelled {self._token_label!r} in "
                    f"{self._module_path}"
                ) from exc
            except (p11.PinIncorrect, p11.PinLocked, p11.PinExpired, p11.PinInvalid) as exc:
                raise KeyUnavailableError(
                    f"cannot {action}: token {self._token_label!r} refused the PIN "
                    f"({type(exc).__name__})"
                ) from exc
            except _RETRYABLE as exc:
                raise KeyUnavailableError(
                    f"cannot {action}: token {self._token_label!r} is unavailable "
                    f"({type(exc).__name__}); retry later",
                    permanent=False,
                ) from exc
            except p11.PKCS11Error as exc:
                raise KeyUnavailableError(
                    f"cannot {action} with token {self._token_label!r}: {type(exc).__name__}"
                ) from exc


_ED25519_PARAMS = bytes.fromhex("06032b6570")  # DER OID 1.3.101.112 (Ed25519)


class Pkcs11SigningKey:
    """An Ed25519 key pair inside the token: signs with ``CKM_EDDSA``, never extractable."""

    def __init__(self, provider: Pkcs11KeyProvider, label: str) -> None:
        self._provider = provider
        self.label = label
        self.key_id = f"pkcs11:{provider._token_label}/{label}"
        self._lock = threading.Lock()
        self._signing: tuple[pkcs11.Session, Any] | None = None

    def ensure(self) -> bytes:
        """The raw 32-byte public key; the key pair is generated in the token if missing."""

        def public(session: pkcs11.Session) -> bytes:
            found = list(
                session.get_objects(
                    {Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.LABEL: self.label}
                )
            )
            if not found:
                key, _ = session.generate_keypair(
                    KeyType.EC_EDWARDS,
                    mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN,
                    store=True,
                    label=self.label,
                    public_template={Attribute.EC_PARAMS: _ED25519_PARAMS, Attribute.VERIFY: True},
                    private_template={
                        Attribute.SENSITIVE: True,
                        Attribute.EXTRACTABLE: False,
                        Attribute.PRIVATE: True,
                        Attribute.SIGN: True,
                    },
                )
                found = [key]
            point = bytes(found[0][Attribute.EC_POINT])
            # DER OCTET STRING (04 20 || key) as SoftHSM2 keeps it, or the bare 32 bytes
            return point[2:] if len(point) == 34 and point[:2] == b"\x04\x20" else point

        return self._provider._run("make or read the signing key", public, rw=True)

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature of ``data``, made inside the token. One session is kept open
        for signing (opening one per signature costs ~20 ms on SoftHSM2); a failed one is
        dropped and opened again once."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._signing is None:
                        self._signing = self._open()
                    return bytes(self._signing[1].sign(data, mechanism=Mechanism.EDDSA))
                except KeyUnavailableError:
                    raise
                except p11.PKCS11Error as exc:
                    self._close()
                    if attempt == 2:
                        raise KeyUnavailableError(
                            f"token {self._provider._token_label!r} did not sign "
                            f"({type(exc).__name__}); retry later",
                            permanent=False,
                        ) from exc
        raise AssertionError("unreachable")

    def _open(self) -> tuple[pkcs11.Session, Any]:
        token = _token(self._provider._module_path, self._provider._token_label)
        try:
            session = token.open(user_pin=self._provider._pin)
        except p11.UserAlreadyLoggedIn:
            session = token.open()
        try:
            key = session.get_key(
                object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC_EDWARDS, label=self.label
            )
        except p11.NoSuchKey as exc:
            session.close()
            raise KeyUnavailableError(
                f"token {self._provider._token_label!r} has no signing key {self.label!r}"
            ) from exc
        return session, key

    def close(self) -> None:
        """Close the signing session (PKCS#11 login lasts while a session is open)."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._signing is not None:
            with contextlib.suppress(p11.PKCS11Error):
                self._signing[0].close()
            self._signing = None
