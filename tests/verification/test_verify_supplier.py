"""Verifying a stored supplier: what is kept, when it is validated, when a source is down."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import func, select

from portal.audit.log import AuditLog
from portal.bootstrap import Services
from portal.db.supplier_store import SUPPLIER
from portal.domain.status import RegistryStatus, TaxStatus
from portal.verification import monitoring, schedule
from portal.verification.records import FINDING, RUN, STATE
from portal.verification.verify import (
    SupplierVerification,
    VerificationDeps,
    verify_after_write,
    verify_supplier_now,
)
from portal.verification.view import awaiting_sources, verification_view
from portal.verification.wiring import VerificationSettings, build_verification
from registry.errors import ProviderUnavailableError, UnavailableReason
from registry.testing import REVOKED
from tests.verification.conftest import (
    TODAY,
    Authorities,
    days,
    registered,
    store_suppliers,
    typed,
)

SHORT = "上海澜川智能科技"
FULL = "上海澜川智能科技有限公司"


def verify(services: Services, authorities: Authorities, sid: str) -> SupplierVerification:
    async def run() -> SupplierVerification:
        async with authorities.wiring.ports() as ports:
            deps = VerificationDeps(
                services.suppliers, AuditLog(services.sealer), ports, authorities.settings
            )
            return await verify_supplier_now(services.engine, deps, sid, now=authorities.clock())

    return asyncio.run(run())


def open_findings(services: Services, sid: str) -> list[Any]:
    with services.engine.connect() as conn:
        return list(
            conn.execute(
                select(FINDING).where(FINDING.c.supplier_id == sid, FINDING.c.status == "open")
            )
        )


def states(services: Services, sid: str) -> dict[str, str]:
    with services.engine.connect() as conn:
        rows = conn.execute(select(STATE).where(STATE.c.supplier_id == sid))
        return {r.field_path: r.state for r in rows}


def validated(services: Services, sid: str) -> bool:
    with services.engine.connect() as conn:
        return bool(
            conn.execute(select(SUPPLIER.c.validated).where(SUPPLIER.c.id == sid)).scalar_one()
        )


def test_truncated_name_changed_legal_rep_and_expiring_licence_persist_exactly_those_findings(
    services: Services, authorities: Authorities
) -> None:
    term_end = TODAY + days(20)
    authorities.know(registered(term_to=term_end))
    [sid] = store_suppliers(
        services, typed(name=SHORT, legal_representative="周立新", term_to=term_end)
    )

    outcome = verify(services, authorities, sid)

    found = {(f.code, f.field_path, f.severity) for f in open_findings(services, sid)}
    assert found == {
        ("name.truncated", "name", "warning"),
        ("legal_rep.mismatch", "legal_representative", "warning"),
        ("licence.expiring", "business_term_end", "error"),
    }
    fields = states(services, sid)
    assert fields["name"] == "mismatch"
    assert fields["legal_representative"] == "mismatch"
    assert fields["licence_validity"] == "verified"  # still valid, but ending: the finding says so
    assert fields["uscc"] == fields["registration_status"] == fields["tax_status"] == "verified"
    assert fields["invoicing.title"] == fields["bank_accounts[0].holder"] == "verified"
    assert outcome.outcome == "findings" and not outcome.validated
    assert not validated(services, sid)
    expiring = next(f for f in open_findings(services, sid) if f.code == "licence.expiring")
    assert json.loads(expiring.evidence)["days_left"] == "20"
    assert (
        expiring.request_id and expiring.observed_at is not None and expiring.source == "registry"
    )


def test_a_supplier_matching_the_authorities_becomes_validated_and_is_audited(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed())

    outcome = verify(services, authorities, sid)

    assert outcome.outcome == "validated" and validated(services, sid)
    assert open_findings(services, sid) == []
    assert set(states(services, sid).values()) == {"verified"}
    with services.engine.connect() as conn:
        entries = list(AuditLog(services.sealer).entries(conn))
    completed = [e for e in entries if e.action == "verification.completed"]
    assert len(completed) == 1 and completed[0].subject_id == sid
    assert json.loads(completed[0].after or "{}")["validated"] is True


def test_a_new_verification_replaces_the_open_findings(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed(name=SHORT))
    verify(services, authorities, sid)
    assert [f.code for f in open_findings(services, sid)] == ["name.truncated"]

    with services.engine.begin() as conn:  # the supplier fixed its name (a change request)
        conn.execute(SUPPLIER.update().where(SUPPLIER.c.id == sid).values(name=FULL, version=2))
    verify(services, authorities, sid)

    assert open_findings(services, sid) == [] and validated(services, sid)
    with services.engine.connect() as conn:
        resolved = conn.execute(
            select(func.count()).where(FINDING.c.supplier_id == sid, FINDING.c.status == "resolved")
        ).scalar_one()
    assert resolved == 1


def test_registry_down_leaves_fields_unknown_and_the_monitoring_pass_retries_by_itself(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed())
    down = ProviderUnavailableError("qichacha answered 502", provider="fake",
                                    reason=UnavailableReason.SERVER_ERROR)  # fmt: skip
    authorities.registry.fail_next(down)

    first = verify(services, authorities, sid)

    assert first.outcome == "unavailable" and first.retry_at is not None
    fields = states(services, sid)
    registry_fields = {"name", "uscc", "legal_representative", "registration_status"}
    assert {fields[f] for f in registry_fields} == {"unknown"}
    assert "mismatch" not in fields.values()
    assert [f.code for f in open_findings(services, sid)] == ["registry.unavailable"]
    assert not validated(services, sid)
    with services.engine.connect() as conn:
        run = conn.execute(select(RUN).where(RUN.c.supplier_id == sid)).one()
    assert run.needs_retry and run.retry_after is not None

    # Before retry_after nothing is due; afterwards the pass retries without anyone asking.
    assert asyncio.run(monitoring.run_due(services, authorities.wiring)).verified == 0
    authorities.clock.advance(hours=2)
    report = asyncio.run(monitoring.run_due(services, authorities.wiring))

    assert report.verified == 1 and report.validated == 1
    assert validated(services, sid) and open_findings(services, sid) == []
    with services.engine.connect() as conn:
        triggers = [r.trigger for r in conn.execute(select(RUN).order_by(RUN.c.started_at))]
    assert triggers == ["manual", "retry"]


def stored_statuses(services: Services, sid: str) -> tuple[str, str]:
    with services.engine.connect() as conn:
        row = conn.execute(
            select(SUPPLIER.c.registry_status, SUPPLIER.c.tax_status).where(SUPPLIER.c.id == sid)
        ).one()
    return row.registry_status, row.tax_status


def test_the_statuses_the_authorities_give_are_stored_on_the_supplier_as_given(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered(REVOKED), status=TaxStatus.ABNORMAL)
    [sid] = store_suppliers(services, typed(REVOKED))

    verify(services, authorities, sid)

    assert stored_statuses(services, sid) == (RegistryStatus.REVOKED, TaxStatus.ABNORMAL)


def test_a_tax_status_the_bureau_cannot_tell_keeps_the_stored_one_unlike_the_registry(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered(), status=TaxStatus.NORMAL)
    [sid] = store_suppliers(services, typed())
    verify(services, authorities, sid)
    authorities.know(registered(status=RegistryStatus.UNKNOWN), status=TaxStatus.UNKNOWN)

    verify(services, authorities, sid)

    # The registry's unreadable status wording is its answer; the tax bureau's is not.
    assert stored_statuses(services, sid) == (RegistryStatus.UNKNOWN, TaxStatus.NORMAL)


def test_findings_of_a_source_that_is_down_stay_open(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered(status_text="注销", status=registered().status.DEREGISTERED))
    [sid] = store_suppliers(services, typed())
    verify(services, authorities, sid)
    authorities.registry.fail_next(ProviderUnavailableError("timeout", provider="fake"))

    verify(services, authorities, sid)

    codes = sorted(f.code for f in open_findings(services, sid))
    assert codes == ["registry.unavailable", "status.inactive"]


def test_a_supplier_changed_while_it_was_verified_keeps_nothing_and_is_due_again(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed())
    original = authorities.registry.lookup

    async def lookup_while_someone_edits(code: str) -> Any:
        with services.engine.begin() as conn:
            conn.execute(SUPPLIER.update().where(SUPPLIER.c.id == sid).values(version=7))
        return await original(code)

    authorities.registry.lookup = lookup_while_someone_edits  # type: ignore[method-assign]
    outcome = verify(services, authorities, sid)

    assert outcome.outcome == "stale" and not validated(services, sid)
    assert states(services, sid) == {} and open_findings(services, sid) == []
    with services.engine.connect() as conn:
        assert schedule.due_suppliers(conn, authorities.clock(), 10) == [(sid, "change")]


def test_verify_after_write_marks_due_and_verifies_at_once(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed())

    [done] = verify_after_write(services, [sid], reason="creation", wiring=authorities.wiring,
                                now=authorities.clock())  # fmt: skip

    assert done.validated and done.outcome == "validated"
    with services.engine.connect() as conn:
        view = verification_view(conn, sid)
    assert view["runs"][0]["trigger"] == "creation"
    assert view["schedule"]["next_due_at"].startswith(
        (authorities.clock() + days(30)).date().isoformat()
    )


def test_without_configuration_nothing_is_verified_and_the_supplier_stays_due(
    services: Services,
) -> None:
    [sid] = store_suppliers(services, typed())
    wiring = build_verification(VerificationSettings(mode="off"))

    assert verify_after_write(services, [sid], reason="creation", wiring=wiring) == []

    assert not validated(services, sid)
    with services.engine.connect() as conn:
        assert [s for s, _ in schedule.due_suppliers(conn, wiring.clock(), 10)] == [sid]


def test_a_validated_supplier_stays_validated_while_the_registry_is_down_and_its_fields_read_unknown(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed())
    assert verify(services, authorities, sid).validated
    authorities.clock.advance(hours=1)
    authorities.registry.fail_next(ProviderUnavailableError("timeout", provider="fake"))

    outage = verify(services, authorities, sid)

    assert outage.outcome == "unavailable" and validated(services, sid)
    assert states(services, sid)["legal_representative"] == "unknown"
    with services.engine.connect() as conn:
        assert awaiting_sources(conn, sid)


def test_a_mismatch_found_by_the_source_that_answers_still_takes_validated_away(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed())
    verify(services, authorities, sid)
    authorities.know(registered(), status=TaxStatus.ABNORMAL)
    authorities.registry.fail_next(ProviderUnavailableError("timeout", provider="fake"))

    verify(services, authorities, sid)

    assert not validated(services, sid)
