"""The supplier 360 page of a foreign supplier: its tax number and what VIES answered, in
words, in both languages."""

from __future__ import annotations

from typing import Any

from portal.domain.foreign_tax import parse
from portal.domain.supplier import Supplier
from portal.onboarding.registration import register_suppliers
from tests.support.vies import verify_with_vies

from .conftest import T0


async def foreign_supplier(site: Any, number: str, name: str) -> str:
    supplier = Supplier(uscc=None, name=name, foreign_tax_id=parse(number))
    services = site.services
    [outcome] = register_suppliers(services.engine, services.suppliers, [(0, supplier, [])], now=T0)
    assert outcome.supplier_id
    await verify_with_vies(services, outcome.supplier_id)
    return outcome.supplier_id


async def test_the_page_shows_the_vat_number_and_the_name_and_address_vies_gave(
    site: Any, as_user: Any, client: Any
) -> None:
    sid = await foreign_supplier(site, "FR40303265045", "Sarl Exemple Fictif")
    page = (await as_user("alice").get(f"/staff/suppliers/{sid}")).text
    assert 'id="vies-answer" data-state="valid"' in page
    assert "欧盟增值税号 FR40303265045" in page and "有效" in page
    assert "SARL EXEMPLE FICTIF" in page and "1 RUE DE L&#39;EXEMPLE<br>75001 PARIS" in page
    client.cookies["lang"] = "en"
    page = (await as_user("alice").get(f"/staff/suppliers/{sid}")).text
    assert "EU VAT number FR40303265045" in page and "EU VIES answer" in page


async def test_vies_not_answering_reads_as_retried_never_as_invalid(
    site: Any, as_user: Any
) -> None:
    sid = await foreign_supplier(site, "IT00010000016", "Esempio SpA")
    page = (await as_user("alice").get(f"/staff/suppliers/{sid}")).text
    assert 'id="vies-answer" data-state="unknown"' in page
    assert "暂无答复（稍后自动重试）" in page and "无效" not in page


async def test_the_staff_list_finds_a_foreign_supplier_by_its_vat_number(
    site: Any, as_user: Any
) -> None:
    await foreign_supplier(site, "DE136695976", "Beispiel GmbH")
    listed = await as_user("alice").get("/staff/suppliers", params={"q": "DE 136 695 976"})
    assert listed.status_code == 200, listed.text
    row = listed.text.split('id="suppliers"')[1]
    assert "Beispiel GmbH" in row and "DE136695976" in row and ">DE</td>" in row
    assert "甲贸易" not in row  # only the supplier with that number
