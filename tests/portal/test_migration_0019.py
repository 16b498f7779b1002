"""Migration 0019: blocks and revocations recorded before it keep their who, why and when."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, text

from portal.db.migrate import upgrade
from portal.db.supplier_store import SUPPLIER
from portal.onboarding.invitations import INVITATION

T = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _supplier(conn: object, sid: str, uscc: str, state: str) -> None:
    conn.execute(insert(SUPPLIER).values(  # type: ignore[attr-defined]
        id=sid, uscc=uscc, org_code=uscc[8:17], name=f"{sid}公司", name_core=sid,
        aliases="[]", lifecycle_state=state, created_at=T, updated_at=T))  # fmt: skip


def test_a_supplier_blocked_before_keeps_its_reason_and_a_revoked_invitation_reads_revoked(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine, "0018")
    with empty_engine.begin() as conn:
        _supplier(conn, "s-1", "91310000MA1FL8LQ3T", "blocked")
        _supplier(conn, "s-2", "91110000MA01ABCD2X", "blocked")  # blocked by an import
        conn.execute(
            text(
                "INSERT INTO audit_entry (seq, id, at, actor, action, subject_type, "
                "subject_id, after, prev_hash, hash, payload_version) VALUES (1, 'e-1', :at, "
                "'u-bob', 'supplier.blocked', 'supplier', 's-1', :after, 'p', 'h', 1)"
            ),
            {"at": T, "after": json.dumps({"state": "blocked", "reason": "涉嫌冒用"})},
        )
        for iid, expires in (("i-revoked", T), ("i-open", datetime(2026, 1, 12, tzinfo=UTC))):
            conn.execute(insert(INVITATION).values(
                id=iid, supplier_id="s-1", email="a@x.cn", token_hash=iid,
                created_by="u-clerk", created_at=T, expires_at=expires))  # fmt: skip
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        blocks = {
            r.id: (r.blocked_reason, r.blocked_by, r.blocked_at is not None)
            for r in conn.execute(select(SUPPLIER))
        }
        revoked = dict(conn.execute(select(INVITATION.c.id, INVITATION.c.revoked_at)).all())
    assert blocks == {"s-1": ("涉嫌冒用", "u-bob", True), "s-2": (None, None, False)}
    assert revoked["i-revoked"] is not None and revoked["i-open"] is None
