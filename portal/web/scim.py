"""``/scim/v2``: the SCIM 2.0 service provider an identity provider pushes staff to.

Only a SCIM token opens it (``Authorization: Bearer scim_…``, created with
``portal staff scim-token create NAME``); anything else is a 401 in SCIM's error shape,
whatever the caller's session or API token. Controllers only translate: the use cases, their
transactions and audit entries are in :mod:`portal.staff_directory.scim`.

Every answer is ``application/scim+json``; every error is
``{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409",
"scimType": "uniqueness", "detail": "…"}`` with the detail in words (English, then Chinese).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from functools import partial
from typing import Any

from anyio import to_thread
from litestar import Request, Response, Router, delete, get, patch, post, put
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    ListResponse,
    NotFoundException,
    Patch,
    ResourceType,
    Schema,
    SCIMException,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_models import Error as ScimError

from portal.audit.log import AuditLog
from portal.bootstrap import Collaborators
from portal.core import Services
from portal.domain.errors import ErrorKind, PortalError
from portal.staff_directory import RoleMap
from portal.staff_directory.scim import (
    MAX_COUNT,
    NotifyUser,
    ScimUser,
    scim_context,
    scim_create,
    scim_get,
    scim_list,
    scim_patch,
    scim_remove,
    scim_replace,
    user_of,
)
from portal.staff_directory.tokens import token_name_for
from portal.web.context import audit_context
from portal.web.deps import ServicesDep
from portal.web.errors import handlers
from portal.web.security import bearer_token
from portal.web.site import Contribution

log = logging.getLogger(__name__)
SCIM_JSON = "application/scim+json"
BASE = "/scim/v2"
_STATUS_TYPE = {
    ErrorKind.INVALID: (400, "invalidValue"),
    ErrorKind.NOT_FOUND: (404, None),
    ErrorKind.CONFLICT: (409, "uniqueness"),
    ErrorKind.FORBIDDEN: (403, None),
    ErrorKind.UNAVAILABLE: (503, None),
}


class _Refused(SCIMException):
    status = 401
    scim_type = ""


def _scim(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(body, status_code=status, media_type=SCIM_JSON, headers=headers)


def _error(status: int, detail: str, scim_type: str | None = None) -> Response[Any]:
    body = ScimError(status=status, scim_type=scim_type, detail=detail).model_dump()
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if status == 401 else None
    return _scim(body, status, headers)


def _scim_error(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, SCIMException):
        return _error(exc.status, exc.detail, exc.scim_type or None)
    if isinstance(exc, PortalError):
        status, scim_type = _STATUS_TYPE[exc.kind]
        return _error(status, f"{exc} / {exc.message_zh}", scim_type)
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return _error(exc.status_code, str(exc.detail))
    log.exception("SCIM request failed", exc_info=exc)
    return _error(500, "The request could not be handled. / 请求无法处理。")


def _now() -> datetime:
    return datetime.now(UTC)


def _token_name(request: Request[Any, Any, Any], services: Services) -> str:
    """The SCIM token's name, or 401 (deny unless a SCIM token is presented)."""
    token = bearer_token(request)
    name = token_name_for(services.engine, token, now=_now()) if token else None
    if name is None:
        raise _Refused(
            detail="Send a SCIM token: Authorization: Bearer <token>. / "
            "请使用 SCIM 令牌：Authorization: Bearer <令牌>。"
        )
    return name


def _base_url(request: Request[Any, Any, Any], services: Services) -> str:
    return services.settings.web.public_url or str(request.base_url).rstrip("/")


async def _body(request: Request[Any, Any, Any]) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise SCIMException(detail="The body is not JSON. / 请求体不是 JSON。") from exc
    if not isinstance(body, dict):
        raise SCIMException(detail="The body is not a JSON object. / 请求体不是 JSON 对象。")
    return body


def _roles(services: Services) -> RoleMap:
    return RoleMap.parse(services.settings.directory.role_map)


def _user_json(member: Any, base_url: str) -> dict[str, Any]:
    dumped: dict[str, Any] = user_of(member, base_url).model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE
    )
    return dumped


def _not_found(member_id: str) -> SCIMException:
    return NotFoundException(detail=f"No user {member_id} here. / 没有用户 {member_id}。")


@get("/Users", sync_to_thread=True)
def list_users(request: Request[Any, Any, Any], services: ServicesDep) -> Response[Any]:
    """Users, filtered (``filter=userName eq "…"``) and paged (``startIndex``, ``count``)."""
    _token_name(request, services)
    query = request.query_params
    try:
        start = int(query.get("startIndex", "1"))
        count = int(query.get("count", str(MAX_COUNT)))
    except ValueError as exc:
        raise SCIMException(detail="startIndex and count are whole numbers.") from exc
    base = _base_url(request, services)
    page = scim_list(services.engine, base, filter_text=query.get("filter"),
                     start_index=start, count=count)  # fmt: skip
    listed = ListResponse[ScimUser](
        total_results=page.total,
        start_index=page.start_index,
        items_per_page=len(page.members),
        resources=[user_of(m, base) for m in page.members],
    )
    return _scim(listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


def _acting(request: Request[Any, Any, Any], services: Services, token_name: str) -> dict[str, Any]:
    """The use cases' common arguments: engine, audit log, context acting as the token."""
    return {
        "engine": services.engine,
        "audit": AuditLog(services.sealer),
        "ctx": scim_context(token_name, audit_context(request)),
        "token_name": token_name,
        "now": _now(),
    }


@post("/Users")
async def create_user(request: Request[Any, Any, Any], services: ServicesDep) -> Response[Any]:
    """A new person: 201 with the resource and its Location."""
    acting = _acting(request, services, _token_name(request, services))
    create = partial(scim_create, **acting, body=await _body(request), roles=_roles(services))
    user = _user_json(await to_thread.run_sync(create), _base_url(request, services))
    return _scim(user, 201, {"Location": user["meta"]["location"]})


@get("/Users/{member_id:str}", sync_to_thread=True)
def get_user(
    request: Request[Any, Any, Any], services: ServicesDep, member_id: FromPath[str]
) -> Response[Any]:
    """One person the provider keeps."""
    _token_name(request, services)
    member = scim_get(services.engine, member_id)
    if member is None:
        raise _not_found(member_id)
    return _scim(_user_json(member, _base_url(request, services)))


@put("/Users/{member_id:str}")
async def replace_user(
    request: Request[Any, Any, Any], services: ServicesDep, member_id: FromPath[str]
) -> Response[Any]:
    """The person as the provider now describes them."""
    acting = _acting(request, services, _token_name(request, services))
    replace = partial(scim_replace, **acting, member_id=member_id, body=await _body(request),
                      roles=_roles(services))  # fmt: skip
    return _scim(_user_json(await to_thread.run_sync(replace), _base_url(request, services)))


@patch("/Users/{member_id:str}")
async def patch_user(
    request: Request[Any, Any, Any], services: ServicesDep, member_id: FromPath[str]
) -> Response[Any]:
    """PatchOp (``active`` false deactivates; Entra's and Okta's shapes are both read)."""
    acting = _acting(request, services, _token_name(request, services))
    base = _base_url(request, services)
    apply = partial(scim_patch, **acting, member_id=member_id, body=await _body(request),
                    roles=_roles(services), base_url=base)  # fmt: skip
    member = await to_thread.run_sync(apply)
    if member is None:
        raise _not_found(member_id)
    return _scim(_user_json(member, base))


@delete("/Users/{member_id:str}", status_code=204, sync_to_thread=True)
def delete_user(
    request: Request[Any, Any, Any], services: ServicesDep, member_id: FromPath[str]
) -> None:
    """The provider removed the person: disabled here and kept for history."""
    scim_remove(**_acting(request, services, _token_name(request, services)), member_id=member_id)


def _config(base: str) -> dict[str, Any]:
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="SCIM token",
                description="Authorization: Bearer <token> (portal staff scim-token create)",
                primary=True,
            )
        ],
    )
    dumped: dict[str, Any] = config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    dumped["meta"] = {"resourceType": "ServiceProviderConfig",
                      "location": f"{base}{BASE}/ServiceProviderConfig"}  # fmt: skip
    return dumped


@get("/ServiceProviderConfig", sync_to_thread=True)
def service_provider_config(
    request: Request[Any, Any, Any], services: ServicesDep
) -> Response[Any]:
    """What this endpoint supports (PATCH and filters; no bulk, sort or ETags)."""
    _token_name(request, services)
    return _scim(_config(_base_url(request, services)))


def _schemas() -> list[Schema]:
    return [User.to_schema(), EnterpriseUser.to_schema(), NotifyUser.to_schema()]


def _resource_type() -> ResourceType:
    return ResourceType.model_validate(
        {
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "Staff told by the supplier portal / 供应商门户的通知对象",
            "schema": User.to_schema().id,
            "schemaExtensions": [
                {"schema": EnterpriseUser.to_schema().id, "required": False},
                {"schema": NotifyUser.to_schema().id, "required": False},
            ],
        }
    )


def _listed(items: list[Any]) -> dict[str, Any]:
    resources = [i.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) for i in items]
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


@get("/Schemas", sync_to_thread=True)
def schemas(request: Request[Any, Any, Any], services: ServicesDep) -> Response[Any]:
    """The User schema, the enterprise extension and the portal's notification extension."""
    _token_name(request, services)
    return _scim(_listed(_schemas()))


@get("/ResourceTypes", sync_to_thread=True)
def resource_types(request: Request[Any, Any, Any], services: ServicesDep) -> Response[Any]:
    """One resource type: User."""
    _token_name(request, services)
    return _scim(_listed([_resource_type()]))


def area(collaborators: Collaborators) -> Contribution:
    """The SCIM endpoint, its errors in SCIM's shape."""
    router = Router(
        path=BASE,
        route_handlers=[list_users, create_user, get_user, replace_user, patch_user,
                        delete_user, service_provider_config, schemas, resource_types],
        # every key the app's table has, so none of its handlers answers here in its shape
        exception_handlers=dict.fromkeys(
            [*handlers(), Exception, SCIMException], _scim_error
        ),
    )  # fmt: skip
    return Contribution(route_handlers=[router])
