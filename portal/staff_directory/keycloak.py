"""Keycloak's people through its admin REST API (a
:class:`~portal.staff_directory.pull.PeopleSource`).

A confidential client with a service account (client-credentials grant) and the
``realm-management`` role ``view-users`` reads, page by page:

- ``POST {base}/realms/{realm}/protocol/openid-connect/token`` (``grant_type=client_credentials``)
- ``GET {base}/admin/realms/{realm}/users?first=F&max=M&briefRepresentation=false``
- ``GET {base}/admin/realms/{realm}/users/{id}/role-mappings/realm/composite`` (effective realm
  roles, those inherited from groups and composites included)
- with a client id set: ``GET {base}/admin/realms/{realm}/clients?clientId=C`` once, then
  ``GET …/users/{id}/role-mappings/clients/{client uuid}/composite``

A user's ``enabled`` is ``active``; ``attributes`` may hold ``wecom_userid``,
``dingtalk_userid`` and ``locale`` (``zh-CN``/``en``); role names go through the
:class:`~portal.staff_directory.sync.RoleMap`. The shapes are in docs/notifications.md.
The HTTP client is the caller's; the secret and the token never appear in errors.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from portal.staff_directory.pull import DirectoryUnavailableError
from portal.staff_directory.sync import DirectoryEntry, RoleMap, language_of

__all__ = ["KeycloakPeople"]

_CJK = re.compile(r"[\u4e00-\u9fff]")


def display_name(first: str, last: str, fallback: str) -> str:
    """Chinese names family-first without a space (王芳), others given-first (Ada Lovelace).

    >>> display_name("芳", "王", "x"), display_name("Ada", "Lovelace", "x")
    ('王芳', 'Ada Lovelace')
    >>> display_name("", "", "wang.fang")
    'wang.fang'
    """
    if _CJK.search(first + last):
        return (last + first).strip() or fallback
    return f"{first} {last}".strip() or fallback


def _first(attributes: dict[str, Any], name: str) -> str | None:
    values = attributes.get(name) or []
    return str(values[0]) if values else None


class KeycloakPeople:
    """The users of one realm, with their effective realm (and one client's) roles."""

    source = "keycloak"

    def __init__(
        self,
        client: httpx.Client,
        *,
        base_url: str,
        realm: str,
        client_id: str,
        client_secret: str,
        role_map: RoleMap,
        roles_client_id: str | None = None,
        page_size: int = 100,
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._realm = quote(realm, safe="")
        self._client_id = client_id
        self._secret = client_secret
        self._roles = role_map
        self._roles_client = roles_client_id
        self._page = page_size

    def _fail(self, what: str, zh: str, *, permanent: bool) -> DirectoryUnavailableError:
        return DirectoryUnavailableError(
            f"Keycloak: {what}", message_zh=f"Keycloak：{zh}", permanent=permanent
        )

    def _call(self, request: httpx.Request) -> Any:
        try:
            answer = self._client.send(request)
        except httpx.HTTPError as exc:
            raise self._fail(
                f"could not be reached ({type(exc).__name__}); the next run tries again.",
                "无法连接，下次同步时重试。",
                permanent=False,
            ) from exc
        if answer.status_code in (401, 403):
            raise self._fail(
                f"refused the service account (HTTP {answer.status_code}): check the client "
                "secret and that the account holds realm-management view-users.",
                f"拒绝了服务账号（HTTP {answer.status_code}）：请检查客户端密钥，以及服务账号是否"
                "拥有 realm-management 的 view-users 角色。",
                permanent=True,
            )
        if answer.status_code == 404:
            raise self._fail(
                "the realm or client was not found (HTTP 404): check the realm name.",
                "找不到该 realm 或客户端（HTTP 404）：请检查 realm 名称。",
                permanent=True,
            )
        if answer.status_code >= 400:
            raise self._fail(
                f"answered HTTP {answer.status_code}; the next run tries again.",
                f"返回 HTTP {answer.status_code}，下次同步时重试。",
                permanent=answer.status_code < 500,
            )
        try:
            return answer.json()
        except ValueError as exc:
            raise self._fail(
                "answered something that is not JSON; the next run tries again.",
                "返回的内容不是 JSON，下次同步时重试。",
                permanent=False,
            ) from exc

    def _token(self) -> str:
        body = self._call(
            self._client.build_request(
                "POST",
                f"{self._base}/realms/{self._realm}/protocol/openid-connect/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._secret,
                },
            )
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str):
            raise self._fail("gave no access token.", "未返回访问令牌。", permanent=True)
        return token

    def _get(self, token: str, path: str, **params: Any) -> Any:
        return self._call(
            self._client.build_request(
                "GET",
                f"{self._base}/admin/realms/{self._realm}{path}",
                params=params,
                headers={"Authorization": f"Bearer {token}"},
            )
        )

    def _client_uuid(self, token: str) -> str | None:
        if not self._roles_client:
            return None
        found = self._get(token, "/clients", clientId=self._roles_client)
        if not found:
            raise self._fail(
                f"has no client {self._roles_client!r} in this realm.",
                f"该 realm 中没有客户端 {self._roles_client}。",
                permanent=True,
            )
        return str(found[0]["id"])

    def _role_names(self, token: str, user_id: str, client_uuid: str | None) -> list[str]:
        base = f"/users/{quote(user_id, safe='')}/role-mappings"
        names = [r["name"] for r in self._get(token, f"{base}/realm/composite")]
        if client_uuid is not None:
            names += [
                r["name"] for r in self._get(token, f"{base}/clients/{client_uuid}/composite")
            ]
        return names

    def _entry(self, user: dict[str, Any], roles: list[str]) -> DirectoryEntry:
        attributes = user.get("attributes") or {}
        username = str(user.get("username") or "")
        return DirectoryEntry(
            external_id=str(user["id"]),
            user_name=username,
            display_name=display_name(
                str(user.get("firstName") or ""), str(user.get("lastName") or ""), username
            ),
            email=str(user.get("email") or ""),
            active=bool(user.get("enabled", False)),
            language=language_of(_first(attributes, "locale")),
            roles=self._roles.roles_of(roles),
            wecom_userid=_first(attributes, "wecom_userid"),
            dingtalk_userid=_first(attributes, "dingtalk_userid"),
        )

    def people(self) -> list[DirectoryEntry]:
        """Every user of the realm with an e-mail address (those without cannot be told)."""
        token = self._token()
        client_uuid = self._client_uuid(token)
        entries: list[DirectoryEntry] = []
        first = 0
        while True:
            page = self._get(
                token, "/users", first=first, max=self._page, briefRepresentation="false"
            )
            try:
                for user in page:
                    if user.get("email") and not user.get("serviceAccountClientLink"):
                        roles = self._role_names(token, str(user["id"]), client_uuid)
                        entries.append(self._entry(user, roles))
            except (KeyError, TypeError, AttributeError) as exc:
                raise self._fail(
                    "answered users in an unexpected shape.",
                    "返回的用户数据格式不符。",
                    permanent=False,
                ) from exc
            if len(page) < self._page:
                return entries
            first += self._page
