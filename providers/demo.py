"""The demo data set: fictional companies shared by the registry and tax-bureau demo adapters.

``providers/demo_data.json`` (written by :mod:`providers.demo_generate`) holds
``{"description", "as_of", "companies": [...]}``; each company has the registry
fields (dates as ``YYYY-MM-DD``, ``term_to`` null for 长期, ``status`` as registry
wording, ``registered_capital`` as wording such as ``1000万元人民币``) plus ``tax``
(``qualification``, ``status``, ``abnormal_since``, ``abnormal_office``) and
``invoicing`` (``title``, ``tax_number``, ``address``, ``phone``, ``bank``,
``account``). :mod:`registry.adapters.demo` reads the registry part,
:mod:`tax_bureau.adapters.demo` the tax part.

>>> items = load_demo_data()
>>> len(items) >= 30, sorted(items[0])[:3]
(True, ['address', 'business_scope', 'entity_type'])
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

DEMO_DATA = Path(__file__).resolve().parent / "demo_data.json"


@cache
def _load(path: Path) -> tuple[Mapping[str, Any], ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(data["companies"])


def load_demo_data(path: Path = DEMO_DATA) -> tuple[Mapping[str, Any], ...]:
    """Read (once) the companies of the demo data set, as JSON objects."""
    return _load(path)


__all__ = ["DEMO_DATA", "load_demo_data"]
