"""With a PKCS#11 token that has CKM_EDDSA (SoftHSM2), the attestation key lives and signs
inside the token: the database holds only its public half."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from crypto.adapters.pkcs11 import Pkcs11KeyProvider
from payments.attestation import load_public_key
from portal.audit.log import AuditContext
from portal.domain.principal import Principal, Role
from portal.payments import PaymentDeps, adopt_accounts
from portal.payments.attestation import KEY, AttestationKeys
from portal.payments.verify import verify_sheet
from tests.crypto.conftest import SoftHsmToken, softhsm_token  # noqa: F401
from tests.payments.test_attestation import altered, checked_sheet
from tests.support import Clock


@pytest.fixture
def token_keys(
    pay: PaymentDeps,
    softhsm_token: SoftHsmToken,  # noqa: F811
) -> Iterator[Callable[[], AttestationKeys]]:
    """Attestation keys over the SoftHSM2 token; their signing sessions closed afterwards
    (a PKCS#11 login lasts while a session is open, and other tests check the PIN)."""
    made: list[AttestationKeys] = []

    def make() -> AttestationKeys:
        token = softhsm_token
        provider = Pkcs11KeyProvider.create_kek(
            token.module, token.label, token.pin, token.new_key_label()
        )
        made.append(AttestationKeys(pay.engine, lambda: provider))
        return made[-1]

    yield make
    for keys in made:
        keys.close()


def test_the_token_signs_and_only_the_public_key_is_stored(
    pay: PaymentDeps, world: Any, clock: Clock, token_keys: Callable[[], AttestationKeys]
) -> None:
    pay.attestation = token_keys()
    adopt_accounts(pay, AuditContext(actor="u-admin"), Principal("u-admin", Role.ADMIN))
    sheet = checked_sheet(pay, world)
    public = load_public_key(pay.attestation.public_pem(clock.now).encode())
    assert [c.verified.ok for c in verify_sheet("run.csv", sheet, public) if c.verified] == [
        True, True, True,
    ]  # fmt: skip
    tampered = verify_sheet("run.csv", altered(sheet, 3, "6217000011112222333"), public)
    assert [c.verified.reason for c in tampered if c.verified] == ["", "account", ""]
    with pay.engine.connect() as conn:
        row = conn.execute(select(KEY)).one()
    assert bytes(row.wrapped_private) == b"" and row.kek_id.endswith("/portal-attestation")


def test_another_process_signs_with_the_same_token_key(
    clock: Clock, token_keys: Callable[[], AttestationKeys]
) -> None:
    first, second = token_keys(), token_keys()
    assert first.public_pem(clock.now) == second.public_pem(clock.now)
