"""Suppliers confirm once a year that their data is still right.

:func:`send_confirmation_requests` e-mails active suppliers not asked (nor
created) within ``PORTAL_VERIFY_CONFIRM_DAYS`` a one-time link; only the link's
SHA-256 is stored. :func:`confirm_data` records the confirmation once, audits it
and makes the supplier due for re-verification.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, exists, insert, select, update

from portal.audit.log import AuditContext, AuditLog
from portal.db.sealing import Sealer
from portal.db.supplier_store import CONTACT, SUPPLIER
from portal.db.tables import table_of
from portal.db.verification_tables import ConfirmationRequestRow
from portal.notifications.outbox import Channel, enqueue
from portal.verification.schedule import request_verification
from portal.verification.wiring import VerificationSettings

CONFIRMATION = table_of(ConfirmationRequestRow)

log = logging.getLogger(__name__)

__all__ = [
    "CONFIRMATION",
    "ConfirmationError",
    "confirm_data",
    "confirmation_supplier",
    "send_confirmation_requests",
]


class ConfirmationError(ValueError):
    """A confirmation link is unknown, expired or already used."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_confirmation_requests(
    engine: Engine,
    settings: VerificationSettings,
    *,
    sealer: Sealer,
    now: datetime,
    limit: int = 100,
) -> list[str]:
    """Ask active suppliers not asked (nor created) within a year to confirm; their ids.
    The e-mails hold one-time links, so their bodies are sealed in the outbox."""
    cutoff = now - timedelta(days=settings.confirmation_days)
    asked_lately = exists().where(
        CONFIRMATION.c.supplier_id == SUPPLIER.c.id, CONFIRMATION.c.created_at > cutoff
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(SUPPLIER.c.id, SUPPLIER.c.name)
            .where(
                SUPPLIER.c.lifecycle_state == "active",
                SUPPLIER.c.created_at <= cutoff,
                ~asked_lately,
            )
            .order_by(SUPPLIER.c.created_at)
            .limit(limit)
        ).all()
    asked: list[str] = []
    for row in rows:
        with engine.begin() as conn:
            emails = [
                r.email
                for r in conn.execute(
                    select(CONTACT.c.email).where(
                        CONTACT.c.supplier_id == row.id, CONTACT.c.email.is_not(None)
                    )
                )
                if r.email
            ]
            if not emails:
                log.warning("supplier %s has no contact e-mail to ask for confirmation", row.id)
                continue
            token, rid = secrets.token_urlsafe(32), str(uuid.uuid4())
            conn.execute(
                insert(CONFIRMATION).values(
                    id=rid,
                    supplier_id=row.id,
                    token_sha256=_digest(token),
                    created_at=now,
                    expires_at=now + timedelta(days=settings.confirmation_ttl_days),
                )
            )
            link = f"{settings.public_url.rstrip('/')}/confirm/{rid}?token={token}"
            subject = "请确认贵司信息是否仍然准确 / Please confirm your company data"
            body = (
                f"{row.name}：\n请打开以下链接，核对并确认贵司在我司供应商档案中的信息仍然准确；"
                f"如有变化，请登录门户提交变更申请。\n{link}\n\n"
                f"Please open the link to check and confirm that the data we hold about "
                f"{row.name} is still right; if anything changed, submit a change request "
                f"in the portal.\n{link}\n"
            )
            for email in emails:
                enqueue(conn, Channel.EMAIL, email, subject, body, now=now, sealer=sealer)
        asked.append(row.id)
    return asked


def _valid_request(conn: Connection, request_id: str, token: str, now: datetime) -> Any:
    row = conn.execute(select(CONFIRMATION).where(CONFIRMATION.c.id == request_id)).first()
    if row is None or not hmac.compare_digest(row.token_sha256, _digest(token)):
        raise ConfirmationError("this confirmation link is not valid")
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now.tzinfo)
    if row.confirmed_at is not None:
        raise ConfirmationError("this confirmation link has already been used")
    if expires <= now:
        raise ConfirmationError("this confirmation link has expired; we will send a new one")
    return row


def confirmation_supplier(engine: Engine, request_id: str, token: str, *, now: datetime) -> str:
    """The supplier id a valid, unused confirmation link is for."""
    with engine.connect() as conn:
        supplier_id: str = _valid_request(conn, request_id, token, now).supplier_id
    return supplier_id


def confirm_data(
    engine: Engine,
    audit: AuditLog,
    request_id: str,
    token: str,
    *,
    now: datetime,
    ctx: AuditContext,
) -> str:
    """Record that the supplier confirmed its data (once); it is then re-verified."""
    with engine.begin() as conn:
        row = _valid_request(conn, request_id, token, now)
        done = conn.execute(
            update(CONFIRMATION)
            .where(CONFIRMATION.c.id == request_id, CONFIRMATION.c.confirmed_at.is_(None))
            .values(confirmed_at=now, confirmed_from=(ctx.ip or "")[:64] or None)
        )
        if done.rowcount != 1:
            raise ConfirmationError("this confirmation link has already been used")
        audit.record(
            conn,
            ctx,
            "supplier.data_confirmed",
            subject_type="supplier",
            subject_id=row.supplier_id,
            after=json.dumps({"request": request_id}),
            now=now,
        )
        request_verification(conn, [row.supplier_id], now=now, reason="confirmation")
    supplier_id: str = row.supplier_id
    return supplier_id
