"""The OpenAPI document is one an ERP can build a client from: every /api/v1 operation has an
operationId, names the bearer token, has a typed answer, and documents its errors in the one
error shape the API really answers with."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient
from openapi_spec_validator import validate

from portal.bootstrap import Services
from portal.domain.fields import fields_of
from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from portal.web.api_models import (
    BankAccountView,
    ContactView,
    ErrorBody,
    InvoicingProfileView,
    SupplierView,
)
from tests.api.conftest import site_app

METHODS = ("get", "post", "put", "patch", "delete")
ERROR_REF = "#/components/schemas/ErrorBody"
#: Operations whose answer is not a named model yet: none (the list may only stay empty).
NOT_TYPED_YET: set[str] = set()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(app=site_app(services)) as test_client:
        yield test_client


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:  # type: ignore[type-arg]
    answer = client.get("/schema/openapi.json")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1")
        for method, operation in item.items()
        if method in METHODS
    ]


def _success_schema(operation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    status = next(s for s in operation["responses"] if s.startswith("2"))
    content = operation["responses"][status]["content"]
    media_type, entry = next(iter(content.items()))
    return media_type, entry["schema"]


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)
    assert len(_operations(document)) >= 20


def test_every_api_operation_has_a_unique_operation_id_and_needs_the_bearer_token(
    document: dict[str, Any],
) -> None:
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    ids = [operation.get("operationId") for _, _, operation in _operations(document)]
    assert all(ids) and len(set(ids)) == len(ids), ids
    for path, method, operation in _operations(document):
        assert operation["security"] == [{"bearer": []}], (method, path)


def test_every_api_error_answer_is_documented_in_the_one_error_shape(
    document: dict[str, Any],
) -> None:
    error = document["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "message_zh", "retryable"}
    for path, method, operation in _operations(document):
        for status in ("400", "401", "403", "404", "422", "500"):
            answer = operation["responses"][status]
            assert answer["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (
                method,
                path,
                status,
            )


def test_every_typed_api_operation_answers_a_named_model_not_a_bare_object(
    document: dict[str, Any],
) -> None:
    untyped = set()
    for path, method, operation in _operations(document):
        media_type, schema = _success_schema(operation)
        if media_type.startswith("application/json"):
            typed = "$ref" in schema or schema.get("items", {}).get("$ref")
        else:  # exports: a file
            typed = schema.get("type") == "string"
        if not typed:
            untyped.add(operation["operationId"])
        assert operation.get("summary") or operation.get("description"), (method, path)
    assert sorted(untyped) == sorted(NOT_TYPED_YET)
    propose = document["paths"]["/api/v1/changes"]["post"]
    body = propose["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ChangeRequestIn"}


def test_the_document_carries_no_made_up_examples(document: dict[str, Any]) -> None:
    """Random strings as examples mislead a reader, and change the document at each start
    (a client generated from it would differ for nothing)."""

    def found(node: Any, where: str) -> Iterator[str]:
        if isinstance(node, dict):
            if "examples" in node:
                yield where
            for key, value in node.items():
                yield from found(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from found(value, f"{where}[{i}]")

    api = {p: v for p, v in document["paths"].items() if p.startswith("/api/v1")}
    assert list(found([api, document["components"], document["webhooks"]], "")) == []


def test_the_state_parameter_lists_its_values(document: dict[str, Any]) -> None:
    search = document["paths"]["/api/v1/suppliers"]["get"]
    state = next(p for p in search["parameters"] if p["name"] == "state")
    schema = state["schema"]
    ref = next(s["$ref"] for s in schema.get("oneOf", [schema]) if "$ref" in s)
    enum = document["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"]
    assert set(enum) == {"prospective", "active", "blocked", "archived"}


def _token(services: Services) -> dict[str, str]:
    token = create_client(
        services.engine, "erp-docs", Role.FINANCE, can_reveal=False, now=datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {token}"}


def test_an_unknown_state_is_refused_with_400_in_the_error_shape(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
) -> None:
    token = _token(services)
    answer = client.get("/api/v1/suppliers?state=sleeping", headers=token)
    assert answer.status_code == 400
    error = msgspec.convert(answer.json(), ErrorBody).error
    assert error.code == "http.400" and not error.retryable
    exported = client.get("/api/v1/suppliers/export.csv?state=sleeping", headers=token)
    assert exported.status_code == 400 and "error" in exported.json()


def test_errors_without_a_token_have_the_documented_shape(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    for path in ("/api/v1/suppliers", "/api/v1/events", "/api/v1/changes/nothing"):
        answer = client.get(path)
        assert answer.status_code == 401, path
        msgspec.convert(answer.json(), ErrorBody)


def test_the_typed_views_declare_every_field_of_the_catalogue() -> None:
    declared = {
        "bank_account": set(BankAccountView.__struct_fields__),
        "contact": set(ContactView.__struct_fields__),
        "invoicing_profile": set(InvoicingProfileView.__struct_fields__),
        "supplier": set(SupplierView.__struct_fields__),
    }
    for entity, names in declared.items():
        missing = {f.name for f in fields_of(entity)} - names
        # business_scope is in the catalogue but not in the finance view
        assert missing <= {"business_scope"}, (entity, missing)
