"""Signing webhook deliveries: HMAC-SHA256, or HMAC-SM3 under the SM4 (国密) profile.

The signed message is ``"<timestamp>.<body>"`` (the Unix time in seconds of the attempt,
a dot, the exact bytes of the body), so a receiver that checks the signature and refuses
timestamps older than a few minutes cannot be fed a recorded delivery again. Headers::

    X-Portal-Event-Id             the event's id (a receiver may de-duplicate on it)
    X-Portal-Event-Seq            its sequence number in the feed
    X-Portal-Timestamp            seconds since 1970-01-01 UTC
    X-Portal-Signature            v1=<hex of the MAC>
    X-Portal-Signature-Algorithm  hmac-sha256 or hmac-sm3

>>> sign(b"secret", 1700000000, b'{"a":1}', "hmac-sha256")[:12]
'v1=49f24e537'
>>> verify(b"secret", 1700000000, b'{"a":1}', sign(b"secret", 1700000000, b'{"a":1}',
...        "hmac-sha256"), "hmac-sha256", now=1700000100)
True
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

__all__ = ["ALGORITHMS", "TOLERANCE_SECONDS", "mac", "sign", "verify"]

ALGORITHMS = ("hmac-sha256", "hmac-sm3")
#: How old a timestamp a receiver should accept (the verifier in docs/erp-feed.md uses it).
TOLERANCE_SECONDS = 300


def mac(secret: bytes, message: bytes, algorithm: str) -> bytes:
    """The raw MAC of ``message`` under ``secret``."""
    if algorithm == "hmac-sm3":
        h = crypto_hmac.HMAC(secret, hashes.SM3())
        h.update(message)
        return h.finalize()
    if algorithm == "hmac-sha256":
        return hmac.new(secret, message, hashlib.sha256).digest()
    raise ValueError(f"unknown signature algorithm {algorithm!r}; use one of {ALGORITHMS}")


def sign(secret: bytes, timestamp: int, body: bytes, algorithm: str) -> str:
    """The ``X-Portal-Signature`` value of one attempt."""
    return "v1=" + mac(secret, str(timestamp).encode() + b"." + body, algorithm).hex()


def verify(
    secret: bytes,
    timestamp: int,
    body: bytes,
    signature: str,
    algorithm: str,
    *,
    now: int,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks: the MAC matches and the timestamp is recent."""
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body, algorithm), signature)
