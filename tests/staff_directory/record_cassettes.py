"""Write the Keycloak cassettes from the admin REST API's documented shapes.

Nobody here runs a Keycloak for the tests, so the cassettes are built, not recorded: the
real adapter runs against a handler answering with the representations Keycloak documents
(``AccessTokenResponse``, ``UserRepresentation``, ``RoleRepresentation``,
``ClientRepresentation``; docs/notifications.md quotes them) and every request it sends is
written with its answer, the client secret and the token replaced by ``FILTERED``.
Run ``python -m tests.staff_directory.record_cassettes`` after changing the adapter's
requests; the contract test replays them with vcrpy (recording off).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from portal.staff_directory.keycloak import KeycloakPeople
from portal.staff_directory.sync import RoleMap
from tests.notifications.record_cassettes import write_cassettes

HERE = Path(__file__).parent / "cassettes"
BASE = "https://id.buyer.cn"
REALM = "buyer"
CLIENT_UUID = "5f1c2a7e-9a3b-4c1d-8e2f-000000000001"
ROLE_MAP = "Finance Team=finance"


def people(client: httpx.Client, *, secret: str = "FILTERED") -> KeycloakPeople:
    """The adapter as the tests and this script build it (two users a page)."""
    return KeycloakPeople(
        client, base_url=BASE, realm=REALM, client_id="portal-sync", client_secret=secret,
        role_map=RoleMap.parse(ROLE_MAP), roles_client_id="supplier-portal", page_size=2,
    )  # fmt: skip


def _user(uid: str, username: str, first: str, last: str, email: str | None, *,
          enabled: bool = True, attributes: dict[str, list[str]] | None = None,
          **extra: Any) -> dict[str, Any]:  # fmt: skip
    user: dict[str, Any] = {
        "id": uid, "username": username, "firstName": first, "lastName": last,
        "enabled": enabled, "emailVerified": True, "createdTimestamp": 1764720000000,
        "totp": False, "disableableCredentialTypes": [], "requiredActions": [], "notBefore": 0,
        "access": {"manageGroupMembership": False, "view": True, "mapRoles": False,
                   "impersonate": False, "manage": False},
    }  # fmt: skip
    if email:
        user["email"] = email
    if attributes:
        user["attributes"] = attributes
    return user | extra


WANG = "0a6f1c1e-1111-4a8b-9c1d-00000000000a"
BOB = "0a6f1c1e-2222-4a8b-9c1d-00000000000b"
LI = "0a6f1c1e-3333-4a8b-9c1d-00000000000c"
ROBOT = "0a6f1c1e-4444-4a8b-9c1d-00000000000d"
USERS = [
    _user(WANG, "wang.fang", "芳", "王", "wang.fang@buyer.cn",
          attributes={"locale": ["zh-CN"], "wecom_userid": ["WangFang"]}),
    _user(BOB, "bob", "Bob", "Smith", "bob@buyer.cn",
          attributes={"locale": ["en"], "dingtalk_userid": ["bob01"]}),
    _user(LI, "li.lei", "雷", "李", "li.lei@buyer.cn", enabled=False),
    _user(ROBOT, "service-account-portal-sync", "", "", None,
          serviceAccountClientLink="portal-sync"),
]  # fmt: skip


def _role(name: str, *, client: bool = False) -> dict[str, Any]:
    return {"id": f"role-{name}", "name": name, "composite": False, "clientRole": client,
            "containerId": CLIENT_UUID if client else "realm-buyer"}  # fmt: skip


REALM_ROLES = {
    WANG: ["default-roles-buyer", "offline_access", "purchasing_supervisor"],
    BOB: ["default-roles-buyer", "offline_access"],
    LI: ["default-roles-buyer", "purchasing_supervisor"],
}
CLIENT_ROLES = {WANG: [], BOB: ["Finance Team"], LI: []}


def _answer(request: httpx.Request) -> tuple[int, Any]:
    path = request.url.path.removeprefix(f"/admin/realms/{REALM}")
    query = dict(parse_qsl(request.url.query.decode()))
    if request.url.path.endswith("/protocol/openid-connect/token"):
        return 200, {"access_token": "FILTERED", "expires_in": 300, "refresh_expires_in": 0,
                     "token_type": "Bearer", "not-before-policy": 0,
                     "scope": "profile email"}  # fmt: skip
    if path == "/clients":
        return 200, [{"id": CLIENT_UUID, "clientId": query["clientId"], "enabled": True,
                      "publicClient": False, "protocol": "openid-connect"}]  # fmt: skip
    if path == "/users":
        first, size = int(query["first"]), int(query["max"])
        return 200, USERS[first : first + size]
    user_id = path.split("/")[2]
    if path.endswith("/realm/composite"):
        return 200, [_role(n) for n in REALM_ROLES[user_id]]
    return 200, [_role(n, client=True) for n in CLIENT_ROLES[user_id]]


def _interaction(request: httpx.Request, status: int, answer: Any) -> dict[str, Any]:
    body = request.content.decode() if request.content else ""
    if body:
        body = urlencode([(k, "FILTERED" if k == "client_secret" else v)
                          for k, v in parse_qsl(body)])  # fmt: skip
    return {
        "request": {
            "body": body,
            "headers": {"content-type": [request.headers.get("content-type", "")]},
            "method": request.method,
            "uri": str(request.url),
        },
        "response": {
            "body": {"string": json.dumps(answer, ensure_ascii=False)},
            "headers": {"content-type": ["application/json"]},
            "status": {"code": status, "message": "OK" if status == 200 else "Unauthorized"},
        },
    }


def keycloak() -> list[dict[str, Any]]:
    """Every request of one pull, with the documented answers."""
    interactions: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        status, answer = _answer(request)
        interactions.append(_interaction(request, status, answer))
        return httpx.Response(status, json=answer)

    people(httpx.Client(transport=httpx.MockTransport(handler))).people()
    return interactions


def refused() -> list[dict[str, Any]]:
    """A wrong client secret: Keycloak's token endpoint answers 401 invalid_client."""
    client = httpx.Client()
    request = client.build_request(
        "POST", f"{BASE}/realms/{REALM}/protocol/openid-connect/token",
        data={"grant_type": "client_credentials", "client_id": "portal-sync",
              "client_secret": "FILTERED"},
    )  # fmt: skip
    answer = {"error": "unauthorized_client",
              "error_description": "Invalid client or Invalid client credentials"}  # fmt: skip
    return [_interaction(request, 401, answer)]


def main() -> None:
    write_cassettes(HERE, {"keycloak.yaml": keycloak(), "keycloak-refused.yaml": refused()})


if __name__ == "__main__":
    main()
