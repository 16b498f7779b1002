"""Attestations: a checked file altered afterwards fails on the altered line only."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crypto import KeyUnavailableError
from crypto.fakes import InMemoryKeyProvider
from payments.attestation import account_sha256
from portal.audit.log import AuditContext
from portal.cli import main
from portal.domain.principal import Principal, Role
from portal.payments import PaymentDeps, adopt_accounts, check_payment_file
from portal.payments.attestation import KEY, AttestationKeys, load_public_key
from portal.payments.verify import verify_sheet
from tests.support import Clock
from tests.support.personas import STAFF

CTX = AuditContext(actor="u-finance", actor_role="finance")
A, B = "6222021234567891234", "6222029876543210987"


@pytest.fixture(params=["Ed25519", "SM2"])
def signing(pay: PaymentDeps, world: Any, request: pytest.FixtureRequest) -> PaymentDeps:
    pay.attestation = AttestationKeys(pay.engine, lambda: PROVIDER, request.param)
    adopt_accounts(pay, CTX, Principal("u-admin", Role.ADMIN))
    return pay


PROVIDER = InMemoryKeyProvider()


def checked_sheet(pay: PaymentDeps, world: Any) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["收款方", "统一社会信用代码", "开户行", "账号", "金额"])
    for supplier, account in ((world.a, A), (world.b, B), (world.a, A)):
        writer.writerow([supplier.name, supplier.uscc, "工行", account, "10.00"])
    result = check_payment_file(pay, CTX, STAFF["finance"], "run.csv", out.getvalue().encode())
    return result.sheet_bytes("csv")[0]


def altered(sheet: bytes, row: int, account: str) -> bytes:
    rows = list(csv.reader(io.StringIO(sheet.decode("utf-8-sig"))))
    rows[row - 1][3] = account
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def test_an_untouched_checked_file_verifies_on_every_line(
    signing: PaymentDeps, world: Any, clock: Clock
) -> None:
    public = load_public_key(signing.attestation.public_pem(clock.now).encode())  # type: ignore[union-attr]
    checks = verify_sheet("run.csv", checked_sheet(signing, world), public)
    assert [c.verified.ok for c in checks if c.verified] == [True, True, True]


def test_one_account_changed_afterwards_fails_on_that_line_only(
    signing: PaymentDeps, world: Any, clock: Clock
) -> None:
    public = load_public_key(signing.attestation.public_pem(clock.now).encode())  # type: ignore[union-attr]
    tampered = altered(checked_sheet(signing, world), 3, "6217000011112222333")
    checks = verify_sheet("run.csv", tampered, public)
    assert [(c.row, c.verified.ok, c.verified.reason) for c in checks if c.verified] == [
        (2, True, ""),
        (3, False, "account"),
        (4, True, ""),
    ]


def test_the_command_verifies_offline_and_exits_1_on_the_altered_line(
    signing: PaymentDeps, world: Any, clock: Clock, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    key = tmp_path / "attestation.pem"
    key.write_text(signing.attestation.public_pem(clock.now))  # type: ignore[union-attr]
    sheet = tmp_path / "checked.csv"
    sheet.write_bytes(altered(checked_sheet(signing, world), 4, B))
    assert main(["payments", "verify-attestation", str(sheet), "--public-key", str(key)]) == 1
    out = capsys.readouterr().out
    assert "row 4" in out and "row 2" not in out and "账号与核对时不一致" in out


def test_the_signing_key_is_stored_only_wrapped_by_the_customers_key(
    signing: PaymentDeps, world: Any, clock: Clock
) -> None:
    checked_sheet(signing, world)
    with signing.engine.connect() as conn:
        row = conn.execute(select(KEY)).one()
    assert row.kek_id == PROVIDER.kek_id
    stranger = AttestationKeys(signing.engine, InMemoryKeyProvider, signing.attestation.algorithm)  # type: ignore[union-attr]
    with pytest.raises(KeyUnavailableError):
        stranger.signer(clock.now)


def test_the_statement_hashes_the_account_digits_only() -> None:
    assert account_sha256("6222 0212-3456") == account_sha256("622202123456")


def test_the_documented_verifier_catches_the_altered_line_only(
    signing: PaymentDeps, world: Any, clock: Clock, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    doc = (Path(__file__).parents[2] / "docs" / "payments.md").read_text(encoding="utf-8")
    code = doc.split("### Offline verifier")[1].split("```python\n")[1].split("```")[0]
    assert len(code.splitlines()) <= 32
    namespace: dict[str, Any] = {"__name__": "verifier"}
    exec(compile(code, "docs/payments.md", "exec"), namespace)
    key = tmp_path / "key.pem"
    key.write_text(signing.attestation.public_pem(clock.now))  # type: ignore[union-attr]
    sheet = tmp_path / "checked.csv"
    sheet.write_bytes(checked_sheet(signing, world))
    assert namespace["main"](str(sheet), str(key)) == 0
    sheet.write_bytes(altered(checked_sheet(signing, world), 2, "6217000011112222333"))
    assert namespace["main"](str(sheet), str(key)) == 1
    assert capsys.readouterr().out.strip() == (
        "row 2: the account or credit code is not the one checked; do not pay"
    )


def test_a_line_signed_under_one_profile_fails_against_the_other_profiles_key(
    signing: PaymentDeps, world: Any, clock: Clock
) -> None:
    assert signing.attestation is not None
    other = "SM2" if signing.attestation.algorithm == "Ed25519" else "Ed25519"
    stranger = AttestationKeys(signing.engine, lambda: PROVIDER, other)
    public = load_public_key(stranger.public_pem(clock.now).encode())
    checks = verify_sheet("run.csv", checked_sheet(signing, world), public)
    assert {c.verified.reason for c in checks if c.verified} == {"algorithm"}
