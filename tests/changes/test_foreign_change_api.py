"""A foreign supplier's change requests by API: it is found by its VAT number, and a
malformed new number is refused in words before anything is stored."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient

from portal.bootstrap import Services, build_collaborators
from portal.config import load_settings
from portal.domain.foreign_tax import parse
from portal.domain.principal import Role
from portal.domain.supplier import Supplier
from portal.identity.api_clients import create_client
from portal.onboarding.registration import register_suppliers
from portal.web.site import build_site

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
def client(services: Services) -> Iterator[Client]:
    supplier = Supplier(uscc=None, name="Beispiel GmbH", foreign_tax_id=parse("DE136695976"))
    register_suppliers(
        services.engine, services.suppliers, [(0, supplier, [])], now=datetime.now(UTC)
    )
    env = {
        "PORTAL_DATA_DIR": str(services.settings.data_dir),
        "PORTAL_SECURE_COOKIES": "0",
        "PORTAL_SESSION_SECRET": "s" * 40,
    }
    with_auth = replace(services, settings=load_settings(env))
    areas = ("portal.web.auth:auth_area", "portal.web.portal_area:portal_area")
    with TestClient(app=build_site(build_collaborators(with_auth), areas=areas)) as test_client:
        yield test_client


def clerk(services: Services) -> dict[str, str]:
    token = create_client(
        services.engine, "erp-clerk", Role.PURCHASING_CLERK, can_reveal=False, now=datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {token}"}


def propose(client: Client, services: Services, values: dict[str, str]) -> object:
    with services.engine.connect() as conn:
        supplier = services.suppliers.get_by_number(conn, "eu_vat:DE136695976")
    assert supplier is not None
    proposal = {"entity": "supplier", "entity_id": supplier.id, "values": values}
    body = {"supplier_uscc": "DE 136 695 976", "proposals": [proposal]}
    return client.post("/api/v1/changes", json=body, headers=clerk(services))


def test_an_erp_finds_a_foreign_supplier_by_its_vat_number(
    client: Client, services: Services
) -> None:
    created = propose(client, services, {"address": "Beispielstraße 1, 10115 Berlin"})
    assert created.status_code == 201, created.text  # type: ignore[attr-defined]


def test_a_new_vat_number_is_proposed_in_its_canonical_form(
    client: Client, services: Services
) -> None:
    created = propose(client, services, {"foreign_tax_id": "ATU 1358 5627"})
    assert created.status_code == 201, created.text  # type: ignore[attr-defined]
    [change] = created.json()["changes"]  # type: ignore[attr-defined]
    assert (change["before"], change["after"]) == ("eu_vat:DE136695976", "eu_vat:ATU13585627")


def test_a_malformed_vat_number_is_refused_by_the_api(client: Client, services: Services) -> None:
    refused = propose(client, services, {"foreign_tax_id": "DE136695975"})
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "DE136695975 is not a valid EU VAT number" in refused.text  # type: ignore[attr-defined]


def test_another_suppliers_vat_number_is_refused_naming_that_supplier(
    client: Client, services: Services
) -> None:
    other = Supplier(uscc=None, name="Muster AG", foreign_tax_id=parse("ATU13585627"))
    register_suppliers(services.engine, services.suppliers, [(0, other, [])], now=datetime.now(UTC))

    refused = propose(client, services, {"foreign_tax_id": "ATU13585627"})

    assert refused.status_code == 422, refused.text  # type: ignore[attr-defined]
    assert "Muster AG" in refused.text  # type: ignore[attr-defined]
    with services.engine.connect() as conn:  # nothing stored: the number stays with its holder
        holder = services.suppliers.get_by_number(conn, "eu_vat:ATU13585627")
    assert holder is not None and holder.name == "Muster AG"
