"""A small OpenID provider for the demo: discovery, authorize, token, JWKS, userinfo, logout.

Only ``portal demo`` mounts it (the auth area checks demo mode twice: in the
web settings and the auth settings). It follows the standard where the portal
relies on it, so the demo logs in through exactly the production code path:
authorization code flow, PKCE S256 required, exact redirect URI match, client
authentication (Basic or form), one-time codes that expire, ID tokens signed
RS256 with a key made at start and held in memory. There are no passwords: the
authorize page lists the demo users, one button each (``data-user``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias
from urllib.parse import unquote, urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from litestar import MediaType, Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template

from portal.web.devoidc.users import DEMO_USERS, DemoUser
from portal.web.i18n import translator

CODE_SECONDS = 120
TOKEN_SECONDS = 600
REQUEST_SECONDS = 900


@dataclass(frozen=True)
class DemoClient:
    """The one registered client: the portal itself."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]


@dataclass
class DevProvider:
    """The provider's state: signing key, pending requests, codes and access tokens."""

    issuer: str
    client: DemoClient
    users: tuple[DemoUser, ...] = DEMO_USERS
    clock: Callable[[], float] = time.time
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, auto_kid=True))
    requests: dict[str, tuple[float, dict[str, str]]] = field(default_factory=dict)
    codes: dict[str, tuple[float, dict[str, str]]] = field(default_factory=dict)
    tokens: dict[str, tuple[float, str]] = field(default_factory=dict)

    def user(self, key: str) -> DemoUser | None:
        """The demo user with this key (``clerk``, ``supervisor-a``, ...)."""
        return next((u for u in self.users if u.key == key), None)

    def discovery(self) -> dict[str, Any]:
        """The discovery document."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "userinfo_endpoint": f"{base}/userinfo",
            "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile", "email", "roles"],
            "claims_supported": ["sub", "name", "email", "roles", "nonce"],
        }

    def jwks(self) -> dict[str, Any]:
        """The public signing key."""
        return dict(KeySet([self.key]).as_dict(private=False))

    def _sweep(self) -> None:
        now = self.clock()
        for table in (self.requests, self.codes, self.tokens):
            for key in [k for k, (expires, _) in table.items() if expires < now]:
                del table[key]

    def check_authorization(self, params: Mapping[str, str]) -> tuple[str | None, str | None]:
        """(error, redirect_uri): an error to show on a page when the redirect URI itself
        is not trusted, else an error to send back to it (or None when all is well)."""
        if params.get("client_id") != self.client.client_id:
            return "unknown client", None
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in self.client.redirect_uris:
            return "redirect_uri is not registered", None
        if params.get("response_type") != "code":
            return "unsupported_response_type", redirect_uri
        if "openid" not in params.get("scope", "").split():
            return "invalid_scope", redirect_uri
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "invalid_request", redirect_uri  # PKCE S256 is required
        return None, redirect_uri

    def remember_request(self, params: Mapping[str, str]) -> str:
        """Keep a checked authorization request until a user is picked."""
        self._sweep()
        request_id = secrets.token_urlsafe(24)
        self.requests[request_id] = (self.clock() + REQUEST_SECONDS, dict(params))
        return request_id

    def issue_code(self, request_id: str, user_key: str) -> str | None:
        """The redirect back to the client with a code, or None for an unknown request."""
        self._sweep()
        entry = self.requests.pop(request_id, None)
        user = self.user(user_key)
        if entry is None or user is None:
            return None
        params = entry[1]
        code = secrets.token_urlsafe(32)
        self.codes[code] = (self.clock() + CODE_SECONDS, {**params, "user": user.key})
        answer = {"code": code, "iss": self.issuer}
        if params.get("state"):
            answer["state"] = params["state"]
        return f"{params['redirect_uri']}?{urlencode(answer)}"

    def authenticate_client(self, authorization: str | None, form: Mapping[str, str]) -> bool:
        """client_secret_basic or client_secret_post."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode()
            except (ValueError, UnicodeDecodeError):
                return False
            raw_id, _, raw_secret = decoded.partition(":")
            client_id, secret = unquote(raw_id), unquote(raw_secret)
        return client_id == self.client.client_id and hmac.compare_digest(
            (secret or "").encode(), self.client.client_secret.encode()
        )

    def exchange(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint's answer (status and JSON body)."""
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        self._sweep()
        entry = self.codes.pop(form.get("code", ""), None)  # one use only
        if entry is None:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        params = entry[1]
        if form.get("redirect_uri") != params["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if not verifier or not hmac.compare_digest(challenge, params["code_challenge"]):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        user = self.user(params["user"])
        assert user is not None
        now = int(self.clock())
        access_token = secrets.token_urlsafe(32)
        self.tokens[access_token] = (now + TOKEN_SECONDS, user.key)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": user.subject,
            "aud": self.client.client_id,
            "azp": self.client.client_id,
            "iat": now,
            "exp": now + TOKEN_SECONDS,
            "auth_time": now,
            # supervisors A and B "used" a one-time code, so they may approve bank changes
            "amr": list(user.amr),
            **user.claims(),
        }
        if params.get("nonce"):
            claims["nonce"] = params["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "id_token": id_token,
            "scope": params.get("scope", "openid"),
        }

    def logout_token(self, user_key: str) -> str:
        """A signed back-channel logout token for a demo user (what a provider sends to the
        portal's ``/auth/backchannel-logout`` when that person logs out at the provider)."""
        user = self.user(user_key)
        if user is None:
            raise ValueError(f"no demo user {user_key!r}")
        now = int(self.clock())
        claims = {
            "iss": self.issuer,
            "sub": user.subject,
            "aud": self.client.client_id,
            "iat": now,
            "jti": secrets.token_urlsafe(16),
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        }
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)

    def userinfo(self, access_token: str) -> dict[str, Any] | None:
        """Claims for a valid access token."""
        self._sweep()
        entry = self.tokens.get(access_token)
        user = self.user(entry[1]) if entry else None
        return {"sub": user.subject, **user.claims()} if user else None


ProviderDep: TypeAlias = NamedDependency[DevProvider]


def _error_page(message: str) -> Response[str]:
    return Response(f"demo OIDC provider: {message}", status_code=400, media_type=MediaType.TEXT)


@get("/.well-known/openid-configuration", sync_to_thread=False)
def discovery(provider: ProviderDep) -> dict[str, Any]:
    """OpenID Connect discovery."""
    result: dict[str, Any] = provider.discovery()
    return result


@get("/jwks", sync_to_thread=False)
def jwks(provider: ProviderDep) -> dict[str, Any]:
    """The public keys."""
    result: dict[str, Any] = provider.jwks()
    return result


@get("/authorize", sync_to_thread=False)
def authorize(request: Request[Any, Any, Any], provider: ProviderDep) -> Response[Any] | Template:
    """Check the request, then show the demo users to pick from."""
    params = dict(request.query_params.items())
    error, redirect_uri = provider.check_authorization(params)
    if error and redirect_uri is None:
        return _error_page(error)
    if error:
        answer = {"error": error, "state": params.get("state", ""), "iss": provider.issuer}
        return Redirect(path=f"{redirect_uri}?{urlencode(answer)}", status_code=302)
    return Template(
        template_name="auth/devoidc_authorize.html",
        context={
            "t": translator(request),
            "users": provider.users,
            "request_id": provider.remember_request(params),
            "action": f"{provider.issuer}/authorize",
        },
    )


@post("/authorize", status_code=302)
async def pick_user(request: Request[Any, Any, Any], provider: ProviderDep) -> Response[Any]:
    """The demo user was picked: back to the client with a code."""
    form = await request.form()
    target = provider.issue_code(str(form.get("request_id", "")), str(form.get("user", "")))
    if target is None:
        return _error_page("this login request expired; start again from the portal")
    return Redirect(path=target, status_code=302)


@post("/token", opt={"exclude_from_csrf": True}, status_code=200)
async def token(request: Request[Any, Any, Any], provider: ProviderDep) -> Response[Any]:
    """Code exchange (server to server: no cookies, so no CSRF token)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if not provider.authenticate_client(request.headers.get("authorization"), form):
        return Response({"error": "invalid_client"}, status_code=401, headers=headers)
    status, body = provider.exchange(form)
    return Response(body, status_code=status, headers=headers)


@get("/userinfo", sync_to_thread=False)
def userinfo(request: Request[Any, Any, Any], provider: ProviderDep) -> Response[Any]:
    """Claims of the user an access token was issued to."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    claims = provider.userinfo(value.strip()) if scheme.lower() == "bearer" else None
    if claims is None:
        return Response(
            {"error": "invalid_token"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return Response(claims)


@get("/logout", sync_to_thread=False)
def end_session(request: Request[Any, Any, Any], provider: ProviderDep) -> Response[Any]:
    """RP-initiated logout: this provider keeps no login session, so just go back."""
    target = request.query_params.get("post_logout_redirect_uri")
    if target and target in provider.client.post_logout_redirect_uris:
        return Redirect(path=target, status_code=302)
    return Response("logged out of the demo provider", media_type=MediaType.TEXT)


def provider_router(provider: DevProvider, path: str) -> Router:
    """The provider's endpoints under ``path`` (e.g. ``/dev-oidc``)."""
    return Router(
        path=path,
        route_handlers=[discovery, jwks, authorize, pick_user, token, userinfo, end_session],
        dependencies={"provider": Provide(lambda: provider, sync_to_thread=False)},
        include_in_schema=False,
    )
