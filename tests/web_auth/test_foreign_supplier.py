"""A foreign supplier with an EU VAT number: invited in the portal, verified through the VIES
cassette, visible in the finance API; a malformed number is refused in words on every channel."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from portal.bootstrap import Services
from portal.db.supplier_store import SUPPLIER
from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from tests.support.vies import verify_with_vies
from tests.web_auth.conftest import demo_login, runtime_of


async def invite_foreign(
    client: AsyncTestClient[Litestar], number: str, name: str = "Sarl Exemple Fictif", **more: str
) -> Any:
    await client.get("/staff/invitations")
    return await client.post(
        "/staff/invitations",
        data={
            "_csrf_token": client.cookies["portal_csrf"],
            "uscc": "",
            "foreign_tax_id": number,
            "name": name,
            "email": "achats@exemple-fictif.example",
            **more,
        },
    )


def finance_token(services: Services) -> dict[str, str]:
    token = create_client(
        services.engine, "erp-finance", Role.FINANCE, can_reveal=False, now=datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {token}"}


def supplier_id_of(services: Services, key: str) -> str:
    with services.engine.connect() as conn:
        found = conn.execute(select(SUPPLIER.c.id).where(SUPPLIER.c.foreign_tax_id == key))
        return str(found.scalar_one())


async def test_a_foreign_supplier_is_invited_verified_by_vies_and_read_by_finance(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    services = runtime_of(demo_app).services
    await demo_login(client, "clerk")

    sent = await invite_foreign(client, "FR 40 303 265 045")
    assert sent.status_code == 200 and 'id="invitation-sent"' in sent.text

    sid = supplier_id_of(services, "eu_vat:FR40303265045")
    done = await verify_with_vies(services, sid)
    assert (done.outcome, done.validated) == ("validated", True)

    finance = finance_token(services)
    answer = await client.get("/api/v1/suppliers/FR40303265045", headers=finance)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["uscc"] is None and body["validated"] is True
    assert body["foreign_tax_id"] == {
        "scheme": "eu_vat",
        "country": "FR",
        "number": "FR40303265045",
        "formatted": "FR40303265045",
    }
    # the export names it too, in the column the import reads back
    sheet = await client.get("/api/v1/suppliers/export.csv", headers=finance)
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    column = rows[0].index("境外税号 foreign_tax_id")
    assert [row[column] for row in rows[1:] if row[column]] == ["FR40303265045"]


async def test_the_same_vat_number_invited_again_is_the_same_supplier(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    services = runtime_of(demo_app).services
    await demo_login(client, "clerk")
    await invite_foreign(client, "DE136695976", name="Beispiel GmbH")
    again = await invite_foreign(client, "de 136 695 976", name="Beispiel GmbH (Niederlassung)")
    assert again.status_code == 200
    with services.engine.connect() as conn:
        rows = conn.execute(select(SUPPLIER.c.name).where(SUPPLIER.c.uscc.is_(None))).all()
    assert [r.name for r in rows] == ["Beispiel GmbH"]


async def test_a_malformed_vat_number_is_refused_on_the_invitation_page(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    services = runtime_of(demo_app).services
    await demo_login(client, "clerk")
    refused = await invite_foreign(client, "DE136695975")
    assert refused.status_code == 422
    assert "DE136695975 不是有效的欧盟增值税号：校验位不对" in refused.text
    client.cookies["lang"] = "en"
    refused = await invite_foreign(client, "DE136695975")
    assert "DE136695975 is not a valid EU VAT number: the check digit is wrong" in refused.text
    with services.engine.connect() as conn:
        assert conn.execute(select(SUPPLIER.c.id)).first() is None  # nothing half-applied


async def test_a_malformed_vat_number_is_refused_by_the_api(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    services = runtime_of(demo_app).services
    answer = await client.get("/api/v1/suppliers/DE136695975", headers=finance_token(services))
    assert answer.status_code == 422
    assert "DE136695975 is not a valid EU VAT number" in answer.text
