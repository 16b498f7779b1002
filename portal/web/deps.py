"""Dependencies handlers ask for by name (Litestar wants them marked explicitly)."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency

from portal.bootstrap import Services

#: ``services: ServicesDep`` in a handler signature gets the app's Services.
ServicesDep: TypeAlias = NamedDependency[Services]
