"""SCIM 2.0 through the real app: an identity provider with its own token creates,
changes, deactivates and removes staff; a deactivated person is told nothing; anyone
without that token (a session, an API token, a revoked token) is refused in SCIM's shape."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from portal.notifications.outbox import recent
from portal.notifications.recipients import Recipient, Rendered, notify
from portal.staff_directory import add_staff
from portal.staff_directory.tokens import create_directory_token, revoke_directory_token
from tests.support.personas import staff_member

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
ADMIN = staff_member("u-admin", Role.ADMIN, "Ada")
CTX = AuditContext(actor="u-admin", actor_role="admin", actor_name="Ada", channel="portal")
USERS = "/scim/v2/Users"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _entra_user(user_name: str, name: str, role: str = "purchasing_supervisor") -> dict[str, Any]:
    """The body Entra ID's provisioning service POSTs (its default attribute mappings)."""
    return {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ],
        "externalId": user_name.split("@")[0],
        "userName": user_name,
        "active": True,
        "displayName": name,
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "name": {"formatted": name, "familyName": name[:1], "givenName": name[1:]},
        "preferredLanguage": "zh-CN",
        "roles": [{"primary": False, "type": "WindowsAzureActiveDirectoryRole", "value": role}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "采购部"},
    }


@pytest.fixture
def scim(services: Any, client: Any) -> Any:
    """A client holding the SCIM token named 'Entra ID'."""
    token = create_directory_token(
        services.engine, AuditLog(services.sealer), CTX, ADMIN, "Entra ID", now=NOW
    )

    class Scim:
        headers: ClassVar[dict[str, str]] = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/scim+json",
        }

        async def call(self, method: str, url: str, body: Any = None) -> Any:
            return await client.request(method, url, json=body, headers=self.headers)

    return Scim()


def _hello(reader: Recipient) -> Rendered:
    return Rendered("【待审批】上海甲贸易有限公司 提交了银行账户变更申请", f"{reader.name}，您好")


async def _by_user_name(scim: Any, user_name: str) -> dict[str, Any]:
    found = await scim.call("GET", f'{USERS}?filter=userName eq "{user_name}"')
    assert found.status_code == 200, found.text
    assert found.headers["content-type"].startswith("application/scim+json")
    body: dict[str, Any] = found.json()
    return body


async def test_entra_provisioning_creates_deactivates_and_finds_a_person(
    services: Any, scim: Any
) -> None:
    assert (await _by_user_name(scim, "wang.fang@buyer.cn"))["totalResults"] == 0
    created = await scim.call("POST", USERS, _entra_user("wang.fang@buyer.cn", "王芳"))
    assert created.status_code == 201, created.text
    wang = created.json()
    assert created.headers["location"].endswith(f"/scim/v2/Users/{wang['id']}")
    assert (wang["userName"], wang["active"], wang["roles"][0]["value"]) == (
        "wang.fang@buyer.cn", True, "purchasing_supervisor",
    )  # fmt: skip
    await scim.call("POST", USERS, _entra_user("li.lei@buyer.cn", "李雷"))
    # Entra's deactivation: capitalised op, the boolean as a string
    patched = await scim.call("PATCH", f"{USERS}/{wang['id']}", {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    })  # fmt: skip
    assert patched.status_code == 200 and patched.json()["active"] is False, patched.text
    [found] = (await _by_user_name(scim, "wang.fang@buyer.cn"))["Resources"]
    assert (found["id"], found["active"]) == (wang["id"], False)
    with services.engine.begin() as conn:
        told = notify(conn, "change_submitted", "role:purchasing_supervisor", _hello, now=NOW)
        recipients = {m.recipient for m in recent(conn)}
    assert told == 1 and recipients == {"li.lei@buyer.cn"}


async def test_okta_deactivation_and_a_changed_name_are_applied_and_audited(
    services: Any, scim: Any
) -> None:
    created = (await scim.call("POST", USERS, _entra_user("ada@buyer.cn", "Ada King"))).json()
    patched = await scim.call("PATCH", f"{USERS}/{created['id']}", {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"active": False, "displayName": "Ada Lovelace"}}],
    })  # fmt: skip
    assert (patched.json()["active"], patched.json()["displayName"]) == (False, "Ada Lovelace")
    with services.engine.connect() as conn:
        acts = conn.execute(
            select(ENTRY.c.action, ENTRY.c.channel, ENTRY.c.actor_name)
            .where(ENTRY.c.subject_id == created["id"])
            .order_by(ENTRY.c.seq)
        ).all()
    assert [a.action for a in acts] == ["staff.synced", "staff.synced", "staff.disabled"]
    assert {(a.channel, a.actor_name) for a in acts} == {("scim:Entra ID", "SCIM (Entra ID)")}


async def test_a_removed_person_is_kept_disabled_and_no_longer_found(
    services: Any, scim: Any
) -> None:
    created = (await scim.call("POST", USERS, _entra_user("gone@buyer.cn", "离职者"))).json()
    assert (await scim.call("DELETE", f"{USERS}/{created['id']}")).status_code == 204
    missing = await scim.call("GET", f"{USERS}/{created['id']}")
    assert missing.status_code == 404 and missing.json()["schemas"] == [ERROR]
    with services.engine.begin() as conn:
        assert notify(conn, "change_submitted", "role:purchasing_supervisor", _hello) == 0


async def test_put_replaces_the_person_and_their_roles(services: Any, scim: Any) -> None:
    created = (await scim.call("POST", USERS, _entra_user("zhao@buyer.cn", "赵六"))).json()
    body = _entra_user("zhao@buyer.cn", "赵六", role="finance") | {"preferredLanguage": "en-US"}
    replaced = await scim.call("PUT", f"{USERS}/{created['id']}", body)
    assert replaced.status_code == 200, replaced.text
    assert [r["value"] for r in replaced.json()["roles"]] == ["finance"]
    assert replaced.json()["preferredLanguage"] == "en"


async def test_users_are_paged_with_start_index_and_count(services: Any, scim: Any) -> None:
    for n in range(3):
        await scim.call("POST", USERS, _entra_user(f"p{n}@buyer.cn", f"员工{n}"))
    first = (await scim.call("GET", f"{USERS}?startIndex=1&count=2")).json()
    second = (await scim.call("GET", f"{USERS}?startIndex=3&count=2")).json()
    assert (first["totalResults"], first["itemsPerPage"], second["itemsPerPage"]) == (3, 2, 1)
    names = [u["userName"] for u in first["Resources"] + second["Resources"]]
    assert sorted(names) == ["p0@buyer.cn", "p1@buyer.cn", "p2@buyer.cn"]


async def test_a_person_registered_by_hand_is_not_taken_over(services: Any, scim: Any) -> None:
    add_staff(services.engine, AuditLog(services.sealer), CTX, ADMIN, name="王芳（手工）",
              email="wang.fang@buyer.cn", roles=["finance"], now=NOW)  # fmt: skip
    refused = await scim.call("POST", USERS, _entra_user("wang.fang@buyer.cn", "王芳"))
    assert refused.status_code == 409, refused.text
    error = refused.json()
    assert (error["schemas"], error["status"], error["scimType"]) == ([ERROR], "409", "uniqueness")
    assert "registered by hand" in error["detail"] and "不会覆盖" in error["detail"]
    assert (await _by_user_name(scim, "wang.fang@buyer.cn"))["totalResults"] == 0


async def test_a_body_that_is_not_a_user_is_a_400_in_words(services: Any, scim: Any) -> None:
    refused = await scim.call("POST", USERS, {"schemas": [], "userName": 3})
    assert refused.status_code == 400 and refused.json()["scimType"] == "invalidValue"
    assert "userName" in refused.json()["detail"]
    bad_filter = await scim.call("GET", f"{USERS}?filter=userName eq")
    assert bad_filter.status_code == 400 and bad_filter.json()["scimType"] == "invalidFilter"


@pytest.mark.parametrize("who", ["nobody", "session", "api-token", "revoked"])
async def test_only_an_active_scim_token_opens_the_endpoint(
    services: Any, client: Any, scim: Any, who: str
) -> None:
    engine, audit = services.engine, AuditLog(services.sealer)
    api_token = create_client(engine, "erp", Role.ADMIN, can_reveal=False, now=NOW)
    headers = {
        "nobody": {},
        "session": {"x-test-user": "admin"},
        "api-token": {"Authorization": f"Bearer {api_token}"},
        "revoked": scim.headers,
    }[who]
    if who == "revoked":
        revoke_directory_token(engine, audit, CTX, ADMIN, "Entra ID", now=NOW)
    for method, url in (("GET", USERS), ("POST", USERS), ("GET", "/scim/v2/Schemas")):
        refused = await client.request(method, url, headers=headers, json={})
        # a write without any bearer meets the CSRF check first (403); either way, refused
        expected = {401, 403} if method == "POST" and who in ("nobody", "session") else {401}
        assert refused.status_code in expected, (who, method, url, refused.text)
        assert refused.json()["schemas"] == [ERROR]


async def test_the_discovery_endpoints_describe_users_and_what_is_supported(
    services: Any, scim: Any
) -> None:
    config = (await scim.call("GET", "/scim/v2/ServiceProviderConfig")).json()
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
    assert config["filter"] == {"supported": True, "maxResults": 200}
    schemas = (await scim.call("GET", "/scim/v2/Schemas")).json()
    assert {s["id"] for s in schemas["Resources"]} == {
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:supplier-portal:params:scim:schemas:extension:notifications:2.0:User",
    }
    [user_type] = (await scim.call("GET", "/scim/v2/ResourceTypes")).json()["Resources"]
    assert (user_type["endpoint"], user_type["schema"]) == (
        "/Users", "urn:ietf:params:scim:schemas:core:2.0:User",
    )  # fmt: skip


async def test_wecom_and_dingtalk_ids_arrive_through_the_portal_extension(
    services: Any, scim: Any
) -> None:
    body = _entra_user("chen@buyer.cn", "陈卡罗") | {
        "urn:supplier-portal:params:scim:schemas:extension:notifications:2.0:User": {
            "wecomUserId": "ChenKaLuo", "dingtalkUserId": "chen01",
        }
    }  # fmt: skip
    created = (await scim.call("POST", USERS, body)).json()
    ext = created["urn:supplier-portal:params:scim:schemas:extension:notifications:2.0:User"]
    assert ext == {"wecomUserId": "ChenKaLuo", "dingtalkUserId": "chen01"}
