"""Checking a checked payment sheet offline: every attested line against its attestation.

No database and no private key: the sheet and the public key are enough, as for the
30-line verifier in docs/payments.md (this is the same check, with our file readers).
"""

from __future__ import annotations

from dataclasses import dataclass

from payments import PaymentFileError
from payments.attestation import PublicKey, Verified, verify_line
from portal.payments.sheets import RESULT_HEADERS, read_payment_file

__all__ = ["LineCheck", "verify_sheet"]

ATTESTATION = RESULT_HEADERS[-1]


@dataclass(frozen=True)
class LineCheck:
    row: int
    payee: str
    verified: Verified | None  # None: the line carries no attestation (it did not pass)


def verify_sheet(filename: str, content: bytes, public_key: PublicKey) -> list[LineCheck]:
    sheet = read_payment_file(filename, content)
    if ATTESTATION not in sheet.header:
        raise PaymentFileError(
            f"the sheet has no '{ATTESTATION}' column: check the file first",
            message_zh=f"表中没有「{ATTESTATION}」列：请先核对付款文件",
        )
    at = sheet.header.index(ATTESTATION)
    out = []
    for line in sheet.lines:
        cell = line.cells[at].lstrip("'") if at < len(line.cells) else ""
        verified = verify_line(public_key, cell, line.account, line.credit_code) if cell else None
        out.append(LineCheck(line.row, line.payee, verified))
    return out
