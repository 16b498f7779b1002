"""An OpenID Connect relying party: authorization code flow with PKCE (S256), state and nonce.

Works with any standards-compliant provider configured by issuer URL, client
id and secret: the endpoints come from ``/.well-known/openid-configuration``,
the signing keys from the provider's JWKS (cached, fetched again once when a
token names a key we do not know, as after a key rotation). The ID token's
signature, ``iss``, ``aud`` (and ``azp`` with several audiences), ``exp``,
``iat`` and ``nonce`` are checked with joserfc; userinfo claims are merged in
when the provider has a userinfo endpoint (its ``sub`` must match).

PKCE and random values come from authlib; JOSE from joserfc (authlib's own
successor to ``authlib.jose``). The HTTP client is handed in, so tests pass an
``httpx.AsyncClient`` with a ``MockTransport`` or one pointed at a real provider.

Errors::

    OidcError
    ├── LoginRefusedError         this login attempt must be refused (``reason`` says why)
    └── ProviderUnavailableError  the provider did not answer usefully; retrying may help
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

__all__ = [
    "AuthorizationRequest",
    "Identity",
    "LoginRefusedError",
    "OidcClient",
    "OidcError",
    "PendingLogin",
    "ProviderMetadata",
    "ProviderUnavailableError",
]

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: A logout token older (or newer) than this is refused: it cannot be replayed later.
LOGOUT_TOKEN_MAX_AGE = 300
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")


class OidcError(Exception):
    """Base of the login errors."""


class LoginRefusedError(OidcError):
    """The login must be refused: ``reason`` is a short code for the audit log."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class ProviderUnavailableError(OidcError):
    """The provider is down or answered nonsense; trying again later may help."""


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of the discovery document we use."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    end_session_endpoint: str | None = None
    token_endpoint_auth_methods: tuple[str, ...] = ("client_secret_basic",)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], expected_issuer: str) -> ProviderMetadata:
        """Check and keep the discovery document (its issuer must be the configured one)."""
        if doc.get("issuer") != expected_issuer:
            raise ProviderUnavailableError(
                f"discovery names issuer {doc.get('issuer')!r}, expected {expected_issuer!r}"
            )
        try:
            return cls(
                issuer=str(doc["issuer"]),
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
                userinfo_endpoint=doc.get("userinfo_endpoint"),
                end_session_endpoint=doc.get("end_session_endpoint"),
                token_endpoint_auth_methods=tuple(
                    doc.get("token_endpoint_auth_methods_supported") or ("client_secret_basic",)
                ),
            )
        except KeyError as exc:
            raise ProviderUnavailableError(f"discovery document lacks {exc.args[0]}") from exc


@dataclass(frozen=True)
class PendingLogin:
    """What the session keeps between the redirect to the provider and the callback."""

    state: str
    nonce: str
    code_verifier: str

    def as_dict(self) -> dict[str, str]:
        """For the session."""
        return {"state": self.state, "nonce": self.nonce, "code_verifier": self.code_verifier}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingLogin:
        """From the session."""
        return cls(str(data["state"]), str(data["nonce"]), str(data["code_verifier"]))


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what to remember until it comes back."""

    url: str
    pending: PendingLogin


@dataclass(frozen=True)
class Identity:
    """A person the provider vouched for."""

    issuer: str
    subject: str
    claims: Mapping[str, Any]
    id_token: str

    @property
    def email(self) -> str | None:
        """The e-mail claim, if any."""
        value = self.claims.get("email")
        return str(value) if value else None

    @property
    def verified_email(self) -> str | None:
        """The e-mail claim when the provider says it verified it (``email_verified``)."""
        verified = self.claims.get("email_verified")
        if verified is True or (isinstance(verified, str) and verified.lower() == "true"):
            return self.email
        return None

    @property
    def display_name(self) -> str:
        """A name to show: ``name``, else ``preferred_username``, else e-mail, else subject."""
        for key in ("name", "preferred_username", "email"):
            if self.claims.get(key):
                return str(self.claims[key])
        return self.subject


@dataclass
class _Cached:
    value: Any
    fetched_at: float


@dataclass
class OidcClient:
    """The relying party for one provider and one client registration."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    http: httpx.AsyncClient
    scopes: str = "openid profile email"
    cache_seconds: float = 3600.0
    leeway: int = 60
    clock: Callable[[], float] = time.time
    _metadata: _Cached | None = field(default=None, init=False, repr=False)
    _jwks: _Cached | None = field(default=None, init=False, repr=False)

    async def _get_json(self, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self.http.get(url, **kwargs)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailableError(f"GET {url} failed: {exc}") from exc
        if not isinstance(data, dict):
            raise ProviderUnavailableError(f"GET {url} did not return a JSON object")
        return data

    async def metadata(self) -> ProviderMetadata:
        """The provider's discovery document (cached)."""
        now = self.clock()
        if self._metadata is None or now - self._metadata.fetched_at > self.cache_seconds:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            doc = await self._get_json(url)
            self._metadata = _Cached(ProviderMetadata.from_document(doc, self.issuer), now)
        metadata: ProviderMetadata = self._metadata.value
        return metadata

    async def _keys(self, *, refresh: bool = False) -> KeySet:
        now = self.clock()
        if refresh or self._jwks is None or now - self._jwks.fetched_at > self.cache_seconds:
            meta = await self.metadata()
            doc = await self._get_json(meta.jwks_uri)
            try:
                self._jwks = _Cached(KeySet.import_key_set(doc), now)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise ProviderUnavailableError(f"unusable JWKS: {exc}") from exc
        keys: KeySet = self._jwks.value
        return keys

    async def begin(self, *, fresh: bool = False) -> AuthorizationRequest:
        """A fresh authorization request (state, nonce and PKCE verifier are new each time).

        ``fresh``: the person must authenticate again now (``prompt=login``, ``max_age=0``),
        so the ID token's ``auth_time`` and ``amr`` describe this login (step-up).
        """
        meta = await self.metadata()
        pending = PendingLogin(
            state=generate_token(32), nonce=generate_token(32), code_verifier=generate_token(64)
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": self.scopes,
                "state": pending.state,
                "nonce": pending.nonce,
                "code_challenge": create_s256_code_challenge(pending.code_verifier),
                "code_challenge_method": "S256",
            }
            | ({"prompt": "login", "max_age": "0"} if fresh else {})
        )
        separator = "&" if "?" in meta.authorization_endpoint else "?"
        return AuthorizationRequest(f"{meta.authorization_endpoint}{separator}{query}", pending)

    async def finish(self, pending: PendingLogin, params: Mapping[str, str]) -> Identity:
        """Check the callback, exchange the code, validate the ID token, return who it is."""
        if not hmac.compare_digest(params.get("state", ""), pending.state):
            raise LoginRefusedError("state_mismatch", "the login answer does not belong here")
        if "iss" in params and params["iss"] != self.issuer:  # RFC 9207 mix-up defence
            raise LoginRefusedError("issuer_mismatch", "the answer comes from another provider")
        if params.get("error"):
            raise LoginRefusedError(
                "provider_error", f"{params['error']}: {params.get('error_description', '')}"
            )
        code = params.get("code")
        if not code:
            raise LoginRefusedError("missing_code", "the provider sent no authorization code")
        tokens = await self._exchange(code, pending.code_verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise LoginRefusedError("invalid_id_token", "the token answer has no ID token")
        claims = await self.validate_id_token(id_token, pending.nonce)
        merged = dict(claims)
        access_token = tokens.get("access_token")
        meta = await self.metadata()
        if meta.userinfo_endpoint and isinstance(access_token, str):
            info = await self._get_json(
                meta.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"}
            )
            if info.get("sub") != claims["sub"]:
                raise LoginRefusedError("invalid_userinfo", "userinfo is about someone else")
            merged = {**info, **claims}
        return Identity(self.issuer, str(claims["sub"]), merged, id_token)

    async def _exchange(self, code: str, code_verifier: str) -> dict[str, Any]:
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": code_verifier,
        }
        auth: httpx.Auth | None = None
        methods = meta.token_endpoint_auth_methods
        if "client_secret_basic" in methods or "client_secret_post" not in methods:
            # RFC 6749 2.3.1: id and secret are form-encoded before Basic encoding
            auth = httpx.BasicAuth(
                quote(self.client_id, safe=""), quote(self.client_secret, safe="")
            )
        else:
            form |= {"client_id": self.client_id, "client_secret": self.client_secret}
        try:
            response = await self.http.post(
                meta.token_endpoint,
                data=form,
                auth=auth or httpx.USE_CLIENT_DEFAULT,
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(f"token endpoint unreachable: {exc}") from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderUnavailableError(
                f"token endpoint answered {response.status_code} without JSON"
            ) from exc
        if response.status_code >= 500:
            raise ProviderUnavailableError(f"token endpoint answered {response.status_code}")
        if response.status_code != 200 or not isinstance(body, dict):
            error = body.get("error", response.status_code) if isinstance(body, dict) else "?"
            raise LoginRefusedError("token_exchange_failed", str(error))
        return body

    async def validate_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """Signature (JWKS), iss, aud/azp, exp, iat and nonce; returns the claims."""
        try:
            try:
                token = jwt.decode(id_token, await self._keys(), algorithms=SIGNING_ALGORITHMS)
            except InvalidKeyIdError:  # the provider may have rotated its keys: look once more
                keys = await self._keys(refresh=True)
                token = jwt.decode(id_token, keys, algorithms=SIGNING_ALGORITHMS)
            registry = jwt.JWTClaimsRegistry(
                now=lambda: int(self.clock()),
                leeway=self.leeway,
                iss={"essential": True, "value": self.issuer},
                sub={"essential": True},
                aud={"essential": True, "value": self.client_id},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise LoginRefusedError("invalid_id_token", _describe(exc)) from exc
        claims = token.claims
        audience = claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != self.client_id:
            raise LoginRefusedError("invalid_id_token", "azp is not this client")
        return claims

    async def validate_logout_token(self, logout_token: str) -> dict[str, Any]:
        """A back-channel logout token (OpenID Connect Back-Channel Logout 1.0): signature,
        iss, aud, iat, the logout event, a ``sub``, and no ``nonce``; returns the claims."""
        try:
            try:
                token = jwt.decode(logout_token, await self._keys(), algorithms=SIGNING_ALGORITHMS)
            except InvalidKeyIdError:
                keys = await self._keys(refresh=True)
                token = jwt.decode(logout_token, keys, algorithms=SIGNING_ALGORITHMS)
            jwt.JWTClaimsRegistry(
                now=lambda: int(self.clock()),
                leeway=self.leeway,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id},
                iat={"essential": True},
                sub={"essential": True},
            ).validate(token.claims)
        except (JoseError, ValueError) as exc:
            raise LoginRefusedError("invalid_logout_token", _describe(exc)) from exc
        claims = token.claims
        events = claims.get("events")
        if not isinstance(events, dict) or BACKCHANNEL_LOGOUT_EVENT not in events:
            raise LoginRefusedError("invalid_logout_token", "not a logout event")
        if "nonce" in claims:
            raise LoginRefusedError("invalid_logout_token", "a logout token carries no nonce")
        if abs(int(self.clock()) - int(claims["iat"])) > LOGOUT_TOKEN_MAX_AGE:
            raise LoginRefusedError("invalid_logout_token", "issued too long ago")
        return claims

    async def end_session_url(self, id_token_hint: str | None, post_logout_uri: str) -> str | None:
        """The provider's logout URL (RP-initiated logout), when it has one."""
        meta = await self.metadata()
        if not meta.end_session_endpoint:
            return None
        params = {"post_logout_redirect_uri": post_logout_uri, "client_id": self.client_id}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        separator = "&" if "?" in meta.end_session_endpoint else "?"
        return f"{meta.end_session_endpoint}{separator}{urlencode(params)}"


def _describe(exc: Exception) -> str:
    """A short, stable description of why a token was refused (no token content)."""
    name = type(exc).__name__
    claim = getattr(exc, "claim", None)
    if claim:
        return f"{name} ({claim})"
    return f"{name}: {exc}"[:200]
