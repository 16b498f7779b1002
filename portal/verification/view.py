"""What the verification panel and its JSON twin show: field states, findings, runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from portal.db.supplier_store import SUPPLIER
from portal.domain import foreign_tax
from portal.verification.records import FINDING, RUN, STATE, SupplierNotFoundError
from portal.verification.schedule import SCHEDULE
from tax_bureau.model import VatCheck
from verification.supplier import KEY_FIELDS

__all__ = ["awaiting_sources", "last_vies", "verification_view", "vies_summary"]


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _field_order(path: str) -> tuple[int, str]:
    order = {
        name: i
        for i, name in enumerate(
            (
                "foreign_tax_id",
                *KEY_FIELDS[:4],
                "business_term_end",
                "licence_validity",
                "tax_status",
            )
        )
    }
    return (order.get(path, 50 if path.startswith("bank_") else 40), path)


def verification_view(conn: Connection, supplier_id: str, *, runs: int = 5) -> dict[str, Any]:
    """What the panel and its JSON twin show: field states, open findings, recent runs."""
    supplier = conn.execute(
        select(
            SUPPLIER.c.id,
            SUPPLIER.c.name,
            SUPPLIER.c.uscc,
            SUPPLIER.c.foreign_tax_id,
            SUPPLIER.c.validated,
            SUPPLIER.c.lifecycle_state,
            SUPPLIER.c.version,
        ).where(SUPPLIER.c.id == supplier_id)
    ).first()
    if supplier is None:
        raise SupplierNotFoundError(supplier_id)
    states = conn.execute(select(STATE).where(STATE.c.supplier_id == supplier_id)).all()
    findings = conn.execute(
        select(FINDING)
        .where(FINDING.c.supplier_id == supplier_id, FINDING.c.status == "open")
        .order_by(FINDING.c.severity, FINDING.c.code, FINDING.c.field_path)
    ).all()
    recent = conn.execute(
        select(RUN)
        .where(RUN.c.supplier_id == supplier_id)
        .order_by(RUN.c.started_at.desc(), RUN.c.id)
        .limit(runs)
    ).all()
    schedule = conn.execute(select(SCHEDULE).where(SCHEDULE.c.supplier_id == supplier_id)).first()
    return {
        "supplier": {
            "id": supplier.id,
            "name": supplier.name,
            "uscc": supplier.uscc,
            "foreign_tax_id": _foreign(supplier.foreign_tax_id),
            "validated": supplier.validated,
            "lifecycle_state": supplier.lifecycle_state,
            "version": supplier.version,
        },
        "fields": [
            {
                "field": s.field_path,
                "state": s.state,
                "checked_at": _iso(s.checked_at),
                "against": s.against,
                "request_id": s.request_id,
            }
            for s in sorted(states, key=lambda s: _field_order(s.field_path))
        ],
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "field": f.field_path,
                "message_en": f.message_en,
                "message_zh": f.message_zh,
                "source": f.source,
                "evidence": json.loads(f.evidence),
                "observed_at": _iso(f.observed_at),
                "request_id": f.request_id,
            }
            for f in sorted(findings, key=lambda f: (_SEVERITY_ORDER.get(f.severity, 9), f.code))
        ],
        "vies": last_vies(recent),
        "runs": [
            {
                "id": r.id,
                "trigger": r.trigger,
                "started_at": _iso(r.started_at),
                "outcome": r.outcome,
                "needs_retry": r.needs_retry,
                "retry_after": _iso(r.retry_after),
            }
            for r in recent
        ],
        "schedule": None
        if schedule is None
        else {
            "next_due_at": _iso(schedule.next_due_at),
            "reason": schedule.reason,
            "last_run_at": _iso(schedule.last_run_at),
            "last_error": schedule.last_error,
        },
    }


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def vies_summary(check: VatCheck) -> dict[str, str | None]:
    """What VIES answered, as a run keeps it (and the panel shows it)."""
    return {
        "state": check.state.value,
        "vat_number": check.vat_number,
        "country": check.country_code,
        "name": check.name,
        "address": check.address,
        "error": check.error,
        "request_identifier": check.request_identifier,
        "checked_at": _iso(check.checked_at),
    }


def last_vies(runs: Sequence[Any]) -> dict[str, Any] | None:
    """The newest VIES answer among the recent runs (None: never asked)."""
    for run in runs:
        answer = json.loads(run.summary or "{}").get("vies")
        if answer:
            return dict(answer)
    return None


def _foreign(key: str | None) -> dict[str, str] | None:
    if not key:
        return None
    tax_id = foreign_tax.from_key(key)
    return {
        "key": key,
        "scheme": tax_id.scheme,
        "country": tax_id.country,
        "number": tax_id.number,
        "words_zh": tax_id.words_zh,
        "words_en": tax_id.words_en,
    }


def awaiting_sources(conn: Connection, supplier_id: str) -> bool:
    """Whether the supplier's last check met a source that did not answer (待核验: it is
    retried by itself; what was validated before stays validated meanwhile)."""
    last = conn.execute(
        select(RUN.c.needs_retry)
        .where(RUN.c.supplier_id == supplier_id)
        .order_by(RUN.c.started_at.desc(), RUN.c.id)
        .limit(1)
    ).scalar_one_or_none()
    return bool(last)
