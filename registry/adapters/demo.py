"""A registry backed by the demo data set (:mod:`providers.demo`): fictional companies.

Each company of the data set has the :class:`~registry.model.EnterpriseRecord`
fields as JSON; its ``tax`` and ``invoicing`` blocks are kept on
:class:`DemoCompany` for tests, and served by :mod:`tax_bureau.adapters.demo`.

>>> companies = load_demo_companies()
>>> len(companies) >= 30, companies[0].record.status
(True, <RegistryStatus.ACTIVE: '存续'>)
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from portal.domain import names
from portal.domain.amounts import read_capital
from providers.dates import parse_term_end, utc_now
from providers.demo import DEMO_DATA, load_demo_data
from registry.errors import REGISTRY_ERRORS
from registry.model import (
    EnterpriseRecord,
    RegistryStatus,
    ThreeElementResult,
    parse_query,
    three_elements,
)

PROVIDER = "demo"


@dataclass(frozen=True)
class DemoCompany:
    """One company of the demo data set: its registry record, tax facts and invoicing details."""

    record: EnterpriseRecord
    tax: Mapping[str, Any]
    invoicing: Mapping[str, str]


def _date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def company_from_json(item: Mapping[str, Any]) -> DemoCompany:
    """Read one company of the data set."""
    record = EnterpriseRecord(
        name=names.normalise(item["name"]),
        uscc=item["uscc"],
        legal_representative=item["legal_representative"],
        status=RegistryStatus.from_text(item["status"]),
        status_text=item["status"],
        registered_capital=read_capital(item.get("registered_capital")),
        established_on=_date(item.get("established_on")),
        term_from=_date(item.get("term_from")),
        term_to=parse_term_end(item.get("term_to")),
        address=item.get("address", ""),
        business_scope=item.get("business_scope", ""),
        registration_authority=item.get("registration_authority", ""),
        former_names=tuple(names.normalise(n) for n in item.get("former_names", [])),
        entity_type=item.get("entity_type", ""),
        provider=PROVIDER,
    )
    return DemoCompany(record, dict(item.get("tax", {})), dict(item.get("invoicing", {})))


@cache
def _load(path: Path) -> tuple[DemoCompany, ...]:
    return tuple(company_from_json(item) for item in load_demo_data(path))


def load_demo_companies(path: Path = DEMO_DATA) -> tuple[DemoCompany, ...]:
    """Read (once) the demo data set."""
    return _load(path)


class DemoBusinessRegistry:
    """:class:`registry.ports.BusinessRegistry` over the demo data set (no network, no cost)."""

    provider = PROVIDER

    def __init__(
        self,
        companies: Sequence[DemoCompany] | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._companies = tuple(companies if companies is not None else load_demo_companies())
        self._clock = clock
        self._ids = itertools.count(1)

    def find(self, uscc_or_name: str) -> DemoCompany | None:
        """The demo company for a credit code or exact name, if any."""
        query = parse_query(uscc_or_name)
        for company in self._companies:
            key = company.record.uscc if query.kind == "uscc" else company.record.name
            if key == query.value:
                return company
        return None

    def _request_id(self) -> str:
        return f"DEMO{next(self._ids):06d}"

    async def lookup(self, uscc_or_name: str) -> EnterpriseRecord:
        company = self.find(uscc_or_name)
        if company is None:
            raise REGISTRY_ERRORS.not_found(f"no demo company {uscc_or_name}", provider=PROVIDER)
        return dataclasses.replace(
            company.record, request_id=self._request_id(), fetched_at=self._clock()
        )

    async def verify_three_elements(
        self, uscc: str, name: str, legal_rep: str
    ) -> ThreeElementResult:
        parse_query(uscc)
        company = self.find(uscc)
        outcome = three_elements(company.record if company else None, uscc, name, legal_rep)
        return ThreeElementResult(outcome, PROVIDER, self._request_id(), self._clock())


__all__ = ["DEMO_DATA", "DemoBusinessRegistry", "DemoCompany", "load_demo_companies"]
