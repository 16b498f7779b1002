"""A KEK inside a PKCS#11 token (HSM, SoftHSM2, a Chinese SM-capable HSM...).

The KEK is an AES-256 secret key generated in the token with ``CKA_EXTRACTABLE``
false and ``CKA_SENSITIVE`` true: it never leaves the token. Data keys are
wrapped by token-side ``CKM_AES_GCM`` encryption (SoftHSM2 2.6 supports it for
``C_Encrypt``; its ``CKM_AES_KEY_WRAP_PAD`` only wraps token objects), with the
``kek_id`` as additional authenticated data::

    wrapped = 0x01 || nonce (12) || ciphertext || tag (16)

Tokens that insist on generating the GCM nonce themselves (some in FIPS mode)
need a variant of :meth:`Pkcs11KeyProvider.wrap`.
"""

from __future__ import annotations

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

__all__ = ["Pkcs11KeyProvider"]

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
