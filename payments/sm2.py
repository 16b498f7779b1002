"""SM2 signatures (GB/T 32918.2 with SM3, GM/T 0009 default ID) made by the system's OpenSSL.

``cryptography`` has SM3 and SM4 but no SM2, and the pure-Python SM2 libraries on the
registry are neither constant-time nor fast (``gmssl`` 3.2.2: ~29 ms a signature, and its
default nonce comes from :mod:`random`). OpenSSL 3's libcrypto has a maintained,
constant-time SM2; this module is the thinnest binding to its EVP interface (key
generation, DER import/export, ``EVP_DigestSign``/``EVP_DigestVerify`` with SM3), so that
OpenSSL alone chooses the nonce and does the arithmetic. The signature is the standard
one: ``e = SM3(Z || message)`` where ``Z`` hashes the signer ID ``1234567812345678`` (set
explicitly: OpenSSL 3.0's command line defaults to an empty ID), encoded as DER
``SEQUENCE {r, s}``. ``tests/payments/test_sm2_interop.py`` proves it against the
``openssl`` command line and an independent implementation, both ways.

>>> key = Sm2PrivateKey.generate()
>>> signature = key.sign(b"pay 10.00")
>>> key.public_key().verify(signature, b"pay 10.00")
>>> Sm2PublicKey.from_pem(key.public_key().public_pem()).verify(signature, b"pay 10.01")
Traceback (most recent call last):
...
cryptography.exceptions.InvalidSignature
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from cryptography.exceptions import InvalidSignature

from payments.errors import PaymentsError

__all__ = ["DEFAULT_ID", "Sm2PrivateKey", "Sm2PublicKey", "Sm2UnavailableError"]

DEFAULT_ID = b"1234567812345678"
_P = ctypes.c_void_p
_SIZE = ctypes.POINTER(ctypes.c_size_t)
_T = TypeVar("_T")


class Sm2UnavailableError(PaymentsError):
    """This machine's OpenSSL cannot make or read SM2 keys (libcrypto 3 with SM2 needed)."""


@functools.cache
def _lib() -> Any:
    name = ctypes.util.find_library("crypto")
    if name is None:
        raise Sm2UnavailableError("SM2 needs OpenSSL 3's libcrypto, which is not installed")
    lib = ctypes.CDLL(name)
    if not hasattr(lib, "EVP_DigestSignInit_ex"):
        raise Sm2UnavailableError(f"SM2 needs OpenSSL 3; {name} is older")
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "EVP_PKEY_CTX_new_from_name": (_P, [_P, ctypes.c_char_p, ctypes.c_char_p]),
        "EVP_PKEY_keygen_init": (ctypes.c_int, [_P]),
        "EVP_PKEY_generate": (ctypes.c_int, [_P, ctypes.POINTER(_P)]),
        "EVP_PKEY_CTX_free": (None, [_P]),
        "EVP_PKEY_CTX_set1_id": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_int]),
        "EVP_PKEY_free": (None, [_P]),
        "EVP_PKEY_is_a": (ctypes.c_int, [_P, ctypes.c_char_p]),
        "i2d_PrivateKey": (ctypes.c_int, [_P, ctypes.POINTER(ctypes.c_char_p)]),
        "i2d_PUBKEY": (ctypes.c_int, [_P, ctypes.POINTER(ctypes.c_char_p)]),
        "d2i_AutoPrivateKey": (_P, [_P, ctypes.POINTER(ctypes.c_char_p), ctypes.c_long]),
        "d2i_PUBKEY": (_P, [_P, ctypes.POINTER(ctypes.c_char_p), ctypes.c_long]),
        "EVP_MD_CTX_new": (_P, []),
        "EVP_MD_CTX_free": (None, [_P]),
        "EVP_DigestSignInit_ex": (
            ctypes.c_int,
            [_P, ctypes.POINTER(_P), ctypes.c_char_p, _P, _P, _P, _P],
        ),
        "EVP_DigestVerifyInit_ex": (
            ctypes.c_int,
            [_P, ctypes.POINTER(_P), ctypes.c_char_p, _P, _P, _P, _P],
        ),
        "EVP_DigestSign": (
            ctypes.c_int,
            [
                _P,
                ctypes.c_char_p,
                ctypes.POINTER(ctypes.c_size_t),
                ctypes.c_char_p,
                ctypes.c_size_t,
            ],
        ),
        "EVP_DigestVerify": (
            ctypes.c_int,
            [_P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t],
        ),
        "ERR_clear_error": (None, []),
    }
    for fn, (restype, argtypes) in signatures.items():
        getattr(lib, fn).restype = restype
        getattr(lib, fn).argtypes = argtypes
    return lib


def _ok(result: int, what: str) -> None:
    if result != 1:
        _lib().ERR_clear_error()
        raise Sm2UnavailableError(f"OpenSSL could not {what} (SM2)")


def _i2d(encode: Callable[..., int], pkey: int) -> bytes:
    size = encode(pkey, None)
    if size <= 0:
        _ok(0, "encode the key")
    buffer = ctypes.create_string_buffer(size)
    cursor = ctypes.cast(buffer, ctypes.c_char_p)
    _ok(int(encode(pkey, ctypes.byref(cursor)) == size), "encode the key")
    return buffer.raw


def _d2i(decode: Callable[..., int | None], der: bytes) -> int:
    cursor = ctypes.c_char_p(der)
    pkey = decode(None, ctypes.byref(cursor), len(der))
    if not pkey:
        _lib().ERR_clear_error()
        raise ValueError("not an SM2 key (DER)")
    if _lib().EVP_PKEY_is_a(pkey, b"SM2") != 1:
        _lib().EVP_PKEY_free(pkey)
        raise ValueError("the key is not on the SM2 curve")
    return pkey


class _Key:
    def __init__(self, pkey: int) -> None:
        self._pkey = pkey

    def __del__(self) -> None:
        if getattr(self, "_pkey", None):
            _lib().EVP_PKEY_free(self._pkey)

    def _digest(self, init: Any, run: Callable[[int], _T]) -> _T:
        lib = _lib()
        md = lib.EVP_MD_CTX_new()
        try:
            pctx = _P()
            _ok(init(md, ctypes.byref(pctx), b"SM3", None, None, self._pkey, None), "start")
            _ok(lib.EVP_PKEY_CTX_set1_id(pctx, DEFAULT_ID, len(DEFAULT_ID)), "set the ID")
            return run(md)
        finally:
            lib.EVP_MD_CTX_free(md)


class Sm2PublicKey(_Key):
    @classmethod
    def from_der(cls, der: bytes) -> Sm2PublicKey:
        """From a SubjectPublicKeyInfo (DER); ``ValueError`` if it is not an SM2 key."""
        return cls(_d2i(_lib().d2i_PUBKEY, der))

    @classmethod
    def from_pem(cls, pem: str | bytes) -> Sm2PublicKey:
        text = pem.decode() if isinstance(pem, bytes) else pem
        if "-----BEGIN PUBLIC KEY-----" not in text:
            raise ValueError("not a PEM public key")
        body = "".join(line for line in text.strip().splitlines() if not line.startswith("-----"))
        try:
            der = base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise ValueError("not a PEM public key") from exc
        return cls.from_der(der)

    def public_der(self) -> bytes:
        return _i2d(_lib().i2d_PUBKEY, self._pkey)

    def public_pem(self) -> str:
        body = base64.encodebytes(self.public_der()).decode()
        return f"-----BEGIN PUBLIC KEY-----\n{body}-----END PUBLIC KEY-----\n"

    def verify(self, signature: bytes, data: bytes) -> None:
        """Return if ``signature`` (DER) signs ``data``; raise ``InvalidSignature`` if not."""
        lib = _lib()
        result = self._digest(
            lib.EVP_DigestVerifyInit_ex,
            lambda md: int(lib.EVP_DigestVerify(md, signature, len(signature), data, len(data))),
        )
        if result != 1:
            lib.ERR_clear_error()
            raise InvalidSignature


class Sm2PrivateKey(_Key):
    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        lib = _lib()
        ctx = lib.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
        if not ctx:
            _ok(0, "make a key")
        try:
            _ok(lib.EVP_PKEY_keygen_init(ctx), "make a key")
            pkey = _P()
            _ok(lib.EVP_PKEY_generate(ctx, ctypes.byref(pkey)), "make a key")
        finally:
            lib.EVP_PKEY_CTX_free(ctx)
        assert pkey.value is not None
        return cls(pkey.value)

    @classmethod
    def from_der(cls, der: bytes) -> Sm2PrivateKey:
        """From :meth:`private_der`'s bytes; ``ValueError`` if they are not an SM2 key."""
        return cls(_d2i(_lib().d2i_AutoPrivateKey, der))

    def private_der(self) -> bytes:
        """The private key (SEC 1 DER): only ever to be stored wrapped."""
        return _i2d(_lib().i2d_PrivateKey, self._pkey)

    def public_key(self) -> Sm2PublicKey:
        return Sm2PublicKey.from_der(_i2d(_lib().i2d_PUBKEY, self._pkey))

    def sign(self, data: bytes) -> bytes:
        """The SM2 signature (DER ``r, s``) over SM3(Z || ``data``), Z of the default ID."""
        lib = _lib()
        size = ctypes.c_size_t(0)

        def run(md: int) -> bytes:
            _ok(lib.EVP_DigestSign(md, None, ctypes.byref(size), data, len(data)), "sign")
            out = ctypes.create_string_buffer(size.value)
            _ok(lib.EVP_DigestSign(md, out, ctypes.byref(size), data, len(data)), "sign")
            return out.raw[: size.value]

        return self._digest(lib.EVP_DigestSignInit_ex, run)
