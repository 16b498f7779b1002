"""RFC 3161 timestamps of checkpoint lines from a timestamp authority (TSA).

A TSA's token proves that a checkpoint line existed at the token's time, signed by a third
party: someone who could rewrite both the database and the checkpoint file still cannot
back-date a line. The request carries the SHA-256 of the line and asks for the TSA's
certificate; it carries no nonce, because a replayed token for the same line proves the
same thing. Answers are checked against the TSA's certificate chain (``chain``: PEM,
intermediates first, the root last) before they are kept.

The HTTP client comes from the caller (the test seam is its transport).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

import httpx
from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    TimeStampRequest,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from portal.audit.errors import TimestampError

__all__ = ["Rfc3161Timestamper"]

_QUERY = "application/timestamp-query"


class Rfc3161Timestamper:
    """Asks the TSA at ``url`` to countersign lines, and checks what it answers."""

    def __init__(self, url: str, chain: Sequence[x509.Certificate], client: httpx.Client) -> None:
        if not chain:
            raise TimestampError("the TSA certificate chain is empty")
        self.url = url
        self._client = client
        builder = VerifierBuilder().add_root_certificate(chain[-1])
        for certificate in chain[:-1]:
            builder = builder.add_intermediate_certificate(certificate)
        self._verifier = builder.build()

    @staticmethod
    def request_for(line: str) -> TimeStampRequest:
        """The DER-ready request for ``line``: SHA-256 imprint, certificate requested."""
        return (
            TimestampRequestBuilder()
            .data(line.encode())
            .hash_algorithm(HashAlgorithm.SHA256)
            .nonce(nonce=False)
            .cert_request(cert_request=True)
            .build()
        )

    def stamp(self, line: str) -> bytes:
        """The TSA's response (DER) for ``line``, checked; raises :class:`TimestampError`
        (``permanent=False`` when the TSA could not be reached or answered 5xx/429)."""
        body = self.request_for(line).as_bytes()
        try:
            answer = self._client.post(
                self.url, content=body, headers={"Content-Type": _QUERY}, timeout=30
            )
        except httpx.HTTPError as exc:
            raise TimestampError(f"TSA {self.url} unreachable: {exc}", permanent=False) from exc
        if answer.status_code >= 500 or answer.status_code == 429:
            raise TimestampError(f"TSA {self.url} answered {answer.status_code}", permanent=False)
        if answer.status_code != 200:
            raise TimestampError(f"TSA {self.url} refused the request ({answer.status_code})")
        self.verify(line, answer.content)
        return answer.content

    def verify(self, line: str, response: bytes) -> datetime:
        """The time the TSA vouches for, if ``response`` is its signed token for ``line``."""
        try:
            decoded = decode_timestamp_response(response)
        except ValueError as exc:
            raise TimestampError("not an RFC 3161 timestamp response") from exc
        imprint = decoded.tst_info.message_imprint.message
        if imprint != hashlib.sha256(line.encode()).digest():
            raise TimestampError("the timestamp is for other data than this checkpoint line")
        try:
            self._verifier.verify_message(decoded, line.encode())
        except VerificationError as exc:
            raise TimestampError(f"the timestamp does not verify: {exc}") from exc
        return decoded.tst_info.gen_time
