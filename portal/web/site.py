"""The whole site: every controller and resolver, composed for ``portal serve``/``demo``.

Each area of the portal contributes a :class:`Contribution`; this is the one
place that lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar
from litestar.types import ControllerRouterHandler

from portal.bootstrap import Collaborators
from portal.web.app import create_app
from portal.web.security import Resolver


@dataclass
class Contribution:
    """What one area adds to the app."""

    route_handlers: list[ControllerRouterHandler] = field(default_factory=list)
    resolvers: list[Resolver] = field(default_factory=list)
    middleware: list[Any] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    on_startup: list[Any] = field(default_factory=list)
    on_shutdown: list[Any] = field(default_factory=list)


Area = Callable[[Collaborators], Contribution]

#: Areas, in order; each is ``module:function`` returning a Contribution.
AREAS: tuple[str, ...] = (
    "portal.web.auth:auth_area",
    "portal.web.graph_area:graph_area",
    "portal.web.portal_area:portal_area",
    "portal.web.verification_area:area",
    "portal.web.outbox_area:area",
    "portal.web.ocr_area:area",
    "portal.web.payment_pages:area",
    "portal.web.webhook_admin:area",
    "portal.web.import_pages:area",
    "portal.web.notification_admin:area",
    "portal.web.preferences_pages:area",
    "portal.web.scim:area",
)


def _load(spec: str) -> Area:
    module, _, name = spec.partition(":")
    area: Area = getattr(__import__(module, fromlist=[name]), name)
    return area


def build_site(
    collaborators: Collaborators, *, areas: Sequence[str] = AREAS, debug: bool = False
) -> Litestar:
    """Build the app with every area's routes, resolvers and middleware."""
    merged = Contribution()
    for spec in areas:
        part = _load(spec)(collaborators)
        merged.route_handlers += part.route_handlers
        merged.resolvers += part.resolvers
        merged.middleware += part.middleware
        merged.state.update(part.state)
        merged.on_startup += part.on_startup
        merged.on_shutdown += part.on_shutdown
    return create_app(
        collaborators,
        route_handlers=merged.route_handlers,
        resolvers=merged.resolvers,
        middleware=merged.middleware,
        state=merged.state,
        on_startup=merged.on_startup,
        on_shutdown=merged.on_shutdown,
        debug=debug,
    )
