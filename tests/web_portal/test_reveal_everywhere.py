"""Every route that shows a clear sensitive value gives every kind of caller the same answer,
and every value it shows has exactly one ``value.revealed`` audit entry.

The table below is the list of reveal routes: a new route that reveals must be added here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.audit.log import ENTRY
from portal.domain.principal import MAY_REVEAL, Principal, Role
from portal.identity.api_clients import create_client

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SESSIONS = ("a", "alice", "clerk", "finance", "auditor", "admin")
#: (role, issued with --reveal) of the API tokens tried.
TOKENS = (
    (Role.FINANCE, True),
    (Role.FINANCE, False),
    (Role.PURCHASING_SUPERVISOR, True),
    (Role.PURCHASING_SUPERVISOR, False),
    (Role.PURCHASING_CLERK, False),
    (Role.AUDITOR, False),
    (Role.ADMIN, False),
)


async def _staff_page(client: Any, site: Any, headers: dict[str, str]) -> Any:
    account = site.a.bank_accounts[0]
    page = f"/staff/suppliers/{site.a.id}"
    fields = {"table": "bank_account", "column": "account_number", "row_id": account.id}
    if "authorization" not in headers:  # a browser session posts the form with its CSRF token
        form = await client.get(
            page if headers["x-test-user"] != "a" else "/portal/", headers=headers
        )
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        fields["_csrf_token"] = token.group(1)
    return await client.post(f"{page}/reveal", data=fields, headers=headers)


async def _api_one(client: Any, site: Any, headers: dict[str, str]) -> Any:
    return await client.get(
        f"/api/v1/suppliers/{site.a.uscc}", params={"reveal": "true"}, headers=headers
    )


async def _api_search(client: Any, site: Any, headers: dict[str, str]) -> Any:
    return await client.get(
        "/api/v1/suppliers/", params={"reveal": "true", "q": site.a.name}, headers=headers
    )


#: Every route that reveals: name -> how to ask it for supplier a's account number.
REVEAL_ROUTES = {
    "POST /staff/suppliers/{id}/reveal": _staff_page,
    "GET /api/v1/suppliers/{uscc}?reveal=true": _api_one,
    "GET /api/v1/suppliers/?reveal=true": _api_search,
}


def _revealed(engine: Any) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(ENTRY.c.action == "value.revealed")
        return int(conn.execute(query).scalar_one())


@pytest.fixture
def callers(site: Any) -> dict[str, tuple[dict[str, str], bool]]:
    """Caller name -> (request headers, whether it should see clear values)."""
    site.people["admin"] = Principal("u-admin", Role.ADMIN, "Admin")
    out = {
        f"session {who}": ({"x-test-user": who}, site.people[who].role in MAY_REVEAL)
        for who in SESSIONS
    }
    for role, reveal in TOKENS:
        name = f"token {role.value}{' with reveal' if reveal else ''}"
        token = create_client(site.services.engine, name, role, can_reveal=reveal, now=T0)
        out[name] = ({"authorization": f"Bearer {token}"}, reveal)
    return out


async def test_every_reveal_route_gives_every_caller_the_same_answer(
    site: Any, client: Any, callers: dict[str, tuple[dict[str, str], bool]]
) -> None:
    clear = site.a.bank_accounts[0].account_number
    answers: dict[tuple[str, str], str] = {}
    for caller, (headers, _) in callers.items():
        for route, ask in REVEAL_ROUTES.items():
            before = _revealed(site.services.engine)
            response = await ask(client, site, headers)
            shown = response.status_code == 200 and clear in response.text
            answers[(caller, route)] = "shown" if shown else str(response.status_code)
            if not shown:
                assert _revealed(site.services.engine) == before, (caller, route)
    expected = {
        (caller, route): "shown" if allowed else "403"
        for caller, (_, allowed) in callers.items()
        for route in REVEAL_ROUTES
    }
    assert answers == expected


async def test_each_value_shown_has_exactly_one_audit_entry(site: Any, client: Any) -> None:
    token = create_client(site.services.engine, "fin", Role.FINANCE, can_reveal=True, now=T0)
    headers = {"authorization": f"Bearer {token}"}
    await _staff_page(client, site, headers)
    assert _revealed(site.services.engine) == 1
    view = (await _api_one(client, site, headers)).json()
    shown = [a["account_number"] for a in view["bank_accounts"]] + [
        c["phone"] for c in view["contacts"]
    ]
    assert _revealed(site.services.engine) == 1 + len(shown)
