"""Schemathesis over the whole /api/v1 against a running server, bounded
(``PORTAL_SCHEMATHESIS_EXAMPLES`` cases per operation, 15 unless told): no server error
anywhere, and every operation answers as its document says (status, content type, body
schema, headers). The counts are printed (run with ``-s``)."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.openapi.checks import RejectedPositiveData

from portal.bootstrap import Services
from portal.domain.principal import Role
from portal.identity.api_clients import create_client

EXAMPLES = int(os.environ.get("PORTAL_SCHEMATHESIS_EXAMPLES", "15"))

#: 500s this test may meet and why; none now (a NUL byte in a query parameter, once a 500 on
#: PostgreSQL, is refused with 400 before any handler runs).
KNOWN_SERVER_ERRORS: set[str] = set()


def _failures(exc: BaseException) -> list[Failure]:
    if isinstance(exc, FailureGroup):
        return [f for f in exc.exceptions if isinstance(f, Failure)]
    return [exc] if isinstance(exc, Failure) else []


def _bound(call: Any, name: str) -> Any:
    def run_case(case: Any) -> None:
        call(case, name)

    return run_case


def test_schemathesis_finds_no_server_error_and_every_operation_conforms(
    server: str, services: Services
) -> None:
    token = create_client(
        services.engine, "erp-fuzz", Role.ADMIN, can_reveal=False, now=datetime.now(UTC)
    )
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(f"{server}/schema/openapi.json").include(
        path_regex="^/api/v1/"
    )
    cases: Counter[str] = Counter()
    server_errors: list[str] = []
    unavailable: list[str] = []  # 502/503: a provider not configured or down, "retry later"
    refused_valid: Counter[str] = Counter()  # schema-valid input refused by a business rule
    conformance: dict[str, list[str]] = {}

    for result in schema.get_all_operations():
        operation = result.ok()
        name = str(operation.definition.raw.get("operationId"))

        def call(case: Any, name: str) -> None:
            cases[name] += 1
            try:
                case.call_and_validate(headers=headers)
            except (Failure, FailureGroup) as exc:
                for failure in _failures(exc):
                    line = f"{name}: {type(failure).__name__}: {failure.title}"
                    if isinstance(failure, ServerError) and failure.status_code in (502, 503):
                        unavailable.append(f"{line} {failure.status_code}")
                    elif isinstance(failure, ServerError):
                        server_errors.append(f"{line} {failure.status_code}")
                    elif isinstance(failure, RejectedPositiveData):
                        refused_valid[name] += 1
                    else:
                        conformance.setdefault(name, []).append(line)

        run = settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(given(case=operation.as_strategy())(_bound(call, name)))
        run()

    total_conformance = sum(len(v) for v in conformance.values())
    print(
        f"\nschemathesis: {len(cases)} operations, {sum(cases.values())} cases, "
        f"{len(server_errors)} server errors, {total_conformance} conformance failures, "
        f"{len(unavailable)} dependency-unavailable answers, "
        f"{sum(refused_valid.values())} schema-valid inputs refused by a business rule"
    )
    print(f"  refused by a rule (checksums, unknown ids): {dict(refused_valid)}")
    print(f"  unavailable: {sorted(set(unavailable))}")
    for name, lines in sorted(conformance.items()):
        print(f"  {name}: {len(lines)} ({sorted(set(lines))[:3]})")
    assert len(cases) >= 20
    unexpected = [line for line in server_errors if line.split(":")[0] not in KNOWN_SERVER_ERRORS]
    print(f"  server errors: {server_errors}")
    assert unexpected == []
    assert {k: sorted(set(v)) for k, v in conformance.items()} == {}


pytestmark = [
    pytest.mark.slow,  # 15 cases for each of some 22 operations, on both databases
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
