"""An in-memory :class:`~registry.ports.BusinessRegistry` for tests, recording every call.

>>> import asyncio
>>> from registry.model import EnterpriseRecord, RegistryStatus
>>> fake = InMemoryBusinessRegistry([EnterpriseRecord(
...     name='上海示例科技有限公司', uscc='91110000600037341L',
...     legal_representative='张三', status=RegistryStatus.ACTIVE)])
>>> asyncio.run(fake.lookup('91110000600037341L')).name
'上海示例科技有限公司'
>>> fake.calls
[('lookup', ('91110000600037341L',))]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import datetime

from providers.dates import utc_now
from registry.errors import CompanyNotFoundError, RegistryError
from registry.model import EnterpriseRecord, ThreeElementResult, parse_query, three_elements


class InMemoryBusinessRegistry:
    """Answers from records it was given; ``fail_next`` queues errors to raise first."""

    def __init__(
        self,
        records: Iterable[EnterpriseRecord] = (),
        *,
        provider: str = "fake",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.provider = provider
        self._records = {r.uscc: r for r in records}
        self._clock = clock
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.failures: list[RegistryError] = []

    def add(self, record: EnterpriseRecord) -> None:
        self._records[record.uscc] = record

    def fail_next(self, *errors: RegistryError) -> None:
        """Raise these errors, in order, on the next calls."""
        self.failures.extend(errors)

    def _find(self, uscc_or_name: str) -> EnterpriseRecord | None:
        query = parse_query(uscc_or_name)
        if query.kind == "uscc":
            return self._records.get(query.value)
        return next((r for r in self._records.values() if r.name == query.value), None)

    def _stamp(self, record: EnterpriseRecord) -> EnterpriseRecord:
        request_id = f"FAKE{len(self.calls):06d}"
        return dataclasses.replace(
            record, provider=self.provider, request_id=request_id, fetched_at=self._clock()
        )

    async def lookup(self, uscc_or_name: str) -> EnterpriseRecord:
        self.calls.append(("lookup", (uscc_or_name,)))
        if self.failures:
            raise self.failures.pop(0)
        record = self._find(uscc_or_name)
        if record is None:
            raise CompanyNotFoundError(f"no company {uscc_or_name}", provider=self.provider)
        return self._stamp(record)

    async def verify_three_elements(
        self, uscc: str, name: str, legal_rep: str
    ) -> ThreeElementResult:
        self.calls.append(("verify_three_elements", (uscc, name, legal_rep)))
        if self.failures:
            raise self.failures.pop(0)
        record = self._find(uscc)
        outcome = three_elements(record, uscc, name, legal_rep)
        return ThreeElementResult(
            outcome, self.provider, f"FAKE{len(self.calls):06d}", self._clock()
        )


__all__ = ["InMemoryBusinessRegistry"]
