"""Masked display and the audited reveal."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from crypto import (
    FieldDecryptionError,
    Keyring,
    RevealDeniedError,
    RevealHook,
    mask_bank_account,
    mask_id_number,
    mask_phone,
    reveal,
)

CELL = {"table": "supplier", "column": "bank_account", "row_id": "42"}
ALLOWED = {"finance_approver", "auditor"}


@dataclass
class RecordingHook:
    calls: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    fail: bool = False

    def on_reveal(self, actor: str, role: str, table: str, column: str, row_id: str) -> None:
        if self.fail:
            raise RuntimeError("audit log is down")
        self.calls.append((actor, role, table, column, row_id))


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("6222021234567891234", "6222 **** **** 1234"),
        ("6222 0212 3456 7890", "6222 **** **** 7890"),
        ("622202123456789", "6222 **** **** 6789"),
        ("12345", "****"),
    ],
)
def test_bank_accounts_show_first_and_last_four_only(raw: str, masked: str) -> None:
    assert mask_bank_account(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+8613812345678", "+86 138****5678"),
        ("008613812345678", "+86 138****5678"),
        ("02112345678", "*******5678"),
        ("110", "****"),
    ],
)
def test_phones_are_masked_like_chinese_apps_do(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("11010519491231002X", "110***********002X"),
        ("11010519491231002x", "110***********002X"),
        ("110105491231002", "110********1002"),
        ("1101051949", "****"),
    ],
)
def test_id_numbers_hide_region_and_birth_date(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked
    assert "19491231" not in mask_id_number(raw)


def test_reveal_is_denied_for_a_role_not_allowed_and_nothing_is_logged(keyring: Keyring) -> None:
    cipher = keyring.field_cipher()
    token = cipher.encrypt("6222021234567891234", **CELL)
    hook = RecordingHook()
    with pytest.raises(RevealDeniedError, match="buyer"):
        reveal(
            token,
            cipher=cipher,
            actor="li.lei",
            role="buyer",
            allowed_roles=ALLOWED,
            hook=hook,
            **CELL,
        )
    assert hook.calls == []


def test_reveal_with_no_allowed_role_denies_everyone(keyring: Keyring) -> None:
    cipher = keyring.field_cipher()
    token = cipher.encrypt("x", **CELL)
    with pytest.raises(PermissionError):
        reveal(
            token,
            cipher=cipher,
            actor="root",
            role="admin",
            allowed_roles=(),
            hook=RecordingHook(),
            **CELL,
        )


def test_allowed_reveal_calls_the_hook_then_decrypts(keyring: Keyring) -> None:
    cipher = keyring.field_cipher()
    token = cipher.encrypt("6222021234567891234", **CELL)
    hook = RecordingHook()
    assert isinstance(hook, RevealHook)
    clear = reveal(
        token,
        cipher=cipher,
        actor="han.meimei",
        role="auditor",
        allowed_roles=ALLOWED,
        hook=hook,
        **CELL,
    )
    assert clear == "6222021234567891234"
    assert hook.calls == [("han.meimei", "auditor", "supplier", "bank_account", "42")]


def test_nothing_is_revealed_when_the_audit_hook_fails(keyring: Keyring) -> None:
    cipher = keyring.field_cipher()
    token = cipher.encrypt("6222021234567891234", **CELL)
    with pytest.raises(RuntimeError, match="audit log is down"):
        reveal(
            token,
            cipher=cipher,
            actor="han.meimei",
            role="auditor",
            allowed_roles=ALLOWED,
            hook=RecordingHook(fail=True),
            **CELL,
        )


def test_reveal_still_checks_the_cell(keyring: Keyring) -> None:
    cipher = keyring.field_cipher()
    token = cipher.encrypt("6222021234567891234", **CELL)
    with pytest.raises(FieldDecryptionError):
        reveal(
            token,
            cipher=cipher,
            actor="han.meimei",
            role="auditor",
            allowed_roles=ALLOWED,
            hook=RecordingHook(),
            table="supplier",
            column="bank_account",
            row_id="43",
        )
