"""RFC 3161 timestamps: the request we build, and answers of a real TSA (recorded) checked.

The recorded answers are sigstage's for the message ``hello`` (fixtures/tsa/README.md), so
``hello`` stands in for a checkpoint line; the transport is the seam, nothing is patched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from sqlalchemy import Engine

from approvals.audit import TamperKind
from portal.audit import Anchoring, TimestampError, take_checkpoint
from portal.audit.adapters.rfc3161 import Rfc3161Timestamper
from portal.audit.timestamps import Timestamps, check_timestamps

FIXTURES = Path(__file__).parent / "fixtures" / "tsa"
LINE = "hello"
RECORDED = (FIXTURES / "response-sha256.tsr").read_bytes()
URL = "https://tsa.example.test/"


def _tsa(handler: Callable[[httpx.Request], httpx.Response]) -> Rfc3161Timestamper:
    chain = x509.load_pem_x509_certificates((FIXTURES / "ts_chain.pem").read_bytes())
    return Rfc3161Timestamper(URL, chain, httpx.Client(transport=httpx.MockTransport(handler)))


def _answer(body: bytes, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["content-type"] == "application/timestamp-query"
        return httpx.Response(status, content=body)

    return handler


def test_the_request_carries_the_lines_sha256_and_asks_for_the_certificate() -> None:
    request = Rfc3161Timestamper.request_for(LINE)
    assert request.message_imprint.message == hashlib.sha256(LINE.encode()).digest()
    assert request.message_imprint.hash_algorithm.dotted_string == "2.16.840.1.101.3.4.2.1"
    assert request.cert_req and request.nonce is None


def test_a_recorded_tsa_answer_is_checked_and_kept() -> None:
    tsa = _tsa(_answer(RECORDED))
    token = tsa.stamp(LINE)
    assert token == RECORDED
    assert tsa.verify(LINE, token) == datetime(2025, 5, 9, 11, 58, 55, tzinfo=UTC)


def test_a_token_for_other_data_is_refused() -> None:
    with pytest.raises(TimestampError, match="other data"):
        _tsa(_answer(RECORDED)).stamp("hello, world")


def test_a_token_with_a_broken_signature_is_refused() -> None:
    broken = (FIXTURES / "response-invalid-signature.tsr").read_bytes()
    with pytest.raises(TimestampError):
        _tsa(_answer(broken)).stamp(LINE)


def test_a_token_from_a_tsa_outside_the_configured_chain_is_refused() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone else")])
    other_root = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2040, 1, 1, tzinfo=UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    client = httpx.Client(transport=httpx.MockTransport(_answer(RECORDED)))
    with pytest.raises(TimestampError, match="does not verify"):
        Rfc3161Timestamper(URL, [other_root], client).stamp(LINE)


@pytest.mark.parametrize(("status", "permanent"), [(503, False), (429, False), (400, True)])
def test_tsa_errors_say_whether_a_retry_can_help(status: int, permanent: bool) -> None:
    with pytest.raises(TimestampError) as caught:
        _tsa(_answer(b"", status)).stamp(LINE)
    assert caught.value.permanent is permanent


def test_an_unreachable_tsa_is_temporary() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(TimestampError, match="unreachable") as caught:
        _tsa(down).stamp(LINE)
    assert not caught.value.permanent


def test_a_body_that_is_not_a_timestamp_is_refused() -> None:
    with pytest.raises(TimestampError, match="not an RFC 3161"):
        _tsa(_answer(b"<html>maintenance</html>")).stamp(LINE)


# ---- wired into checkpoints -------------------------------------------------------------


@pytest.fixture
def stamped(anchoring: Anchoring, tmp_path: Path) -> Callable[..., Anchoring]:
    def make(handler: Callable[[httpx.Request], httpx.Response]) -> Anchoring:
        return replace(anchoring, timestamps=Timestamps(_tsa(handler), tmp_path / "tokens"))

    return make


def test_a_checkpoint_stands_when_the_tsa_is_down_and_says_why(
    engine: Engine, write: Callable[..., None], stamped: Callable[..., Anchoring]
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    anchoring = stamped(down)
    write(2)
    taken = take_checkpoint(engine, anchoring)
    assert taken.written and taken.timestamp_error is not None
    assert "unreachable" in taken.timestamp_error
    again = take_checkpoint(engine, anchoring)  # asks again for the newest line
    assert not again.written and again.timestamp_error == taken.timestamp_error


def test_a_tsa_answer_for_other_data_is_not_kept(
    engine: Engine, write: Callable[..., None], stamped: Callable[..., Anchoring], tmp_path: Path
) -> None:
    anchoring = stamped(_answer(RECORDED))
    write(2)
    taken = take_checkpoint(engine, anchoring)
    assert taken.timestamp_error is not None and "other data" in taken.timestamp_error
    assert not (tmp_path / "tokens").exists()


def test_a_token_kept_for_another_line_is_reported_with_its_checkpoint(
    engine: Engine, write: Callable[..., None], stamped: Callable[..., Anchoring]
) -> None:
    anchoring = stamped(_answer(b"", 503))
    write(2)
    taken = take_checkpoint(engine, anchoring)
    assert taken.checkpoint is not None and anchoring.timestamps is not None
    path = anchoring.timestamps.path_for(taken.checkpoint.line)
    path.parent.mkdir()
    path.write_bytes(RECORDED)  # a genuine token, but of "hello"
    problems, verified = check_timestamps(anchoring.log(), anchoring.timestamps)
    assert verified == 0 and [p.kind for p in problems] == [TamperKind.CHECKPOINT]
    assert "timestamp of checkpoint #1" in str(problems[0])
