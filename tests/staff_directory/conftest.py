"""The SCIM endpoint in the real app (the app factory, the CSRF middleware, the SCIM area)
without the other areas, which these tests never open (a third of the set-up time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from portal.bootstrap import Services, build_collaborators
from portal.domain.principal import Principal, Role
from portal.web.app import create_app
from portal.web.auth.csrf import csrf_middleware
from portal.web.scim import area
from tests.support.personas import staff_member
from tests.web_portal.conftest import BASE_URL, _auth_settings

#: who the ``x-test-user`` header logs in (a browser session's principal)
PEOPLE: dict[str, Principal] = {"admin": staff_member("u-admin", Role.ADMIN, "Ada")}


@pytest.fixture
def scim_app(services: Services) -> Litestar:
    collaborators = build_collaborators(services)

    def test_user(connection: Any) -> Principal | None:
        return PEOPLE.get(connection.headers.get("x-test-user", ""))

    return create_app(
        collaborators,
        route_handlers=area(collaborators).route_handlers,
        resolvers=[test_user],
        middleware=[csrf_middleware(_auth_settings())],
    )


@pytest.fixture
async def client(scim_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(scim_app, base_url=BASE_URL) as test_client:
        yield test_client
