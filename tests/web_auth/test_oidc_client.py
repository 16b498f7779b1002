"""The OIDC relying party against a provider simulated with ``httpx.MockTransport``."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from portal.web.auth.oidc import (
    LoginRefusedError,
    OidcClient,
    PendingLogin,
    ProviderUnavailableError,
)

ISSUER = "https://idp.example"


class FakeProvider:
    """Discovery, JWKS, token and userinfo endpoints; the ID token is built per test."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, auto_kid=True)
        self.published = [self.key]
        self.claims: dict[str, Any] = {}
        self.signing_key = self.key
        self.jwks_fetches = 0
        self.token_requests: list[httpx.Request] = []
        self.discovery: dict[str, Any] = {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/jwks",
            "userinfo_endpoint": f"{ISSUER}/userinfo",
        }

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=self.discovery)
        if path == "/jwks":
            self.jwks_fetches += 1
            return httpx.Response(200, json=KeySet(self.published).as_dict(private=False))
        if path == "/token":
            self.token_requests.append(request)
            header = {"alg": "RS256", "kid": self.signing_key.kid}
            id_token = jwt.encode(header, self.claims, self.signing_key)
            return httpx.Response(200, json={"id_token": id_token, "access_token": "at"})
        if path == "/userinfo":
            return httpx.Response(200, json={"sub": self.claims["sub"], "roles": ["finance"]})
        return httpx.Response(404)


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


def client_for(provider: FakeProvider) -> OidcClient:
    return OidcClient(
        issuer=ISSUER,
        client_id="portal",
        client_secret="s3cret",
        redirect_uri="https://portal.example/auth/callback",
        http=httpx.AsyncClient(transport=httpx.MockTransport(provider.handler)),
    )


async def login(provider: FakeProvider, **claims: Any) -> Any:
    client = client_for(provider)
    request = await client.begin()
    now = int(time.time())
    provider.claims = {
        "iss": ISSUER,
        "sub": "u1",
        "aud": "portal",
        "iat": now,
        "exp": now + 300,
        "nonce": request.pending.nonce,
    } | claims
    state = request.pending.state
    return await client.finish(request.pending, {"code": "c", "state": state, "iss": ISSUER})


async def test_authorization_request_uses_pkce_s256_state_and_nonce(provider: FakeProvider) -> None:
    request = await client_for(provider).begin()

    query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] != request.pending.code_verifier
    assert query["state"] == request.pending.state and query["nonce"] == request.pending.nonce


async def test_a_valid_login_merges_userinfo_claims_and_sends_the_verifier(
    provider: FakeProvider,
) -> None:
    identity = await login(provider)

    assert identity.subject == "u1" and identity.claims["roles"] == ["finance"]
    form = parse_qs(provider.token_requests[0].content.decode())
    assert form["code_verifier"][0] and provider.token_requests[0].headers["authorization"]


@pytest.mark.parametrize(
    ("claims", "what"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"aud": "another-client"}, "aud"),
        ({"iss": "https://evil.example"}, "iss"),
        ({"nonce": "replayed"}, "nonce"),
    ],
)
async def test_an_id_token_that_is_not_for_this_login_is_refused(
    provider: FakeProvider, claims: dict[str, Any], what: str
) -> None:
    with pytest.raises(LoginRefusedError) as caught:
        await login(provider, **claims)

    assert caught.value.reason == "invalid_id_token"
    assert what in str(caught.value).lower() or what == "expired"


async def test_keys_are_fetched_again_once_after_a_key_rotation(provider: FakeProvider) -> None:
    client = client_for(provider)
    await client.metadata()
    await client._keys()
    provider.signing_key = RSAKey.generate_key(2048, auto_kid=True)
    provider.published = [provider.key, provider.signing_key]
    request = await client.begin()
    now = int(time.time())
    provider.claims = {
        "iss": ISSUER,
        "sub": "u1",
        "aud": "portal",
        "iat": now,
        "exp": now + 60,
        "nonce": request.pending.nonce,
    }

    identity = await client.finish(request.pending, {"code": "c", "state": request.pending.state})

    assert identity.subject == "u1" and provider.jwks_fetches == 2


async def test_a_token_signed_with_an_unknown_key_is_refused(provider: FakeProvider) -> None:
    provider.signing_key = RSAKey.generate_key(2048, auto_kid=True)  # never published

    with pytest.raises(LoginRefusedError):
        await login(provider)


async def test_an_answer_from_another_issuer_is_refused(provider: FakeProvider) -> None:
    client = client_for(provider)
    request = await client.begin()
    params = {"code": "c", "state": request.pending.state, "iss": "https://other.example"}

    with pytest.raises(LoginRefusedError, match="issuer_mismatch"):
        await client.finish(request.pending, params)


async def test_discovery_naming_another_issuer_is_not_trusted(provider: FakeProvider) -> None:
    provider.discovery["issuer"] = "https://elsewhere.example"

    with pytest.raises(ProviderUnavailableError):
        await client_for(provider).begin()


async def test_client_secret_post_is_used_when_basic_is_not_offered(
    provider: FakeProvider,
) -> None:
    provider.discovery["token_endpoint_auth_methods_supported"] = ["client_secret_post"]

    await login(provider)

    request = provider.token_requests[0]
    assert "authorization" not in request.headers
    assert parse_qs(request.content.decode())["client_secret"] == ["s3cret"]


def test_pending_login_survives_the_session_round_trip() -> None:
    pending = PendingLogin("s", "n", "v")

    assert PendingLogin.from_dict(json.loads(json.dumps(pending.as_dict()))) == pending
