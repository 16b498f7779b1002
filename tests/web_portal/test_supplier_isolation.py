"""Supplier A never reaches supplier B: every route of the app, with B's ids, as A.

The table lists every (method, path) the app registers. A new route without an entry
fails ``test_every_route_is_in_the_table``, so whoever adds one must decide here what
supplier A may get from it.
"""

from __future__ import annotations

from typing import Any

import pytest

from approvals import Entity
from portal.audit.log import AuditContext
from portal.changes import Proposal, submit_change
from portal.documents.store import upload_document
from tests.support.documents import pdf_bytes

DENY = "deny"  # A gets 401/403/404
OWN = "own"  # A's own data (or nothing about any supplier): must not show B
PUBLIC = "public"  # not about a supplier at all (login, health, schema, provider)

#: (method, path) -> (what A may get, URL with B's ids filled in).
TABLE: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/healthz"): (PUBLIC, "/healthz"),
    ("GET", "/readyz"): (PUBLIC, "/readyz"),
    # only with PORTAL_METRICS_TOKEN (unset here: 404); never a session's or an API token's
    ("GET", "/metrics"): (DENY, "/metrics"),
    ("GET", "/static/{file_path:path}"): (PUBLIC, "/static/js/graph.js"),
    ("GET", "/admin/sessions"): (DENY, "/admin/sessions"),
    ("GET", "/admin/webhooks"): (DENY, "/admin/webhooks"),
    ("POST", "/admin/webhooks"): (DENY, "/admin/webhooks"),
    ("POST", "/admin/webhooks/{name:str}/replay"): (DENY, "/admin/webhooks/x/replay"),
    ("POST", "/admin/webhooks/{name:str}/remove"): (DENY, "/admin/webhooks/x/remove"),
    ("POST", "/admin/webhooks/{name:str}/profile"): (DENY, "/admin/webhooks/x/profile"),
    ("GET", "/api/v1/events"): (DENY, "/api/v1/events"),
    ("GET", "/admin/notifications"): (DENY, "/admin/notifications"),
    ("POST", "/admin/notifications/scim-tokens/{name:str}/revoke"): (
        DENY,
        "/admin/notifications/scim-tokens/x/revoke",
    ),
    # SCIM: only a SCIM token opens it (a supplier's session is refused like anyone's)
    ("GET", "/scim/v2/Users"): (DENY, "/scim/v2/Users"),
    ("POST", "/scim/v2/Users"): (DENY, "/scim/v2/Users"),
    ("GET", "/scim/v2/Users/{member_id:str}"): (DENY, "/scim/v2/Users/x"),
    ("PUT", "/scim/v2/Users/{member_id:str}"): (DENY, "/scim/v2/Users/x"),
    ("PATCH", "/scim/v2/Users/{member_id:str}"): (DENY, "/scim/v2/Users/x"),
    ("DELETE", "/scim/v2/Users/{member_id:str}"): (DENY, "/scim/v2/Users/x"),
    ("GET", "/scim/v2/ServiceProviderConfig"): (DENY, "/scim/v2/ServiceProviderConfig"),
    ("GET", "/scim/v2/Schemas"): (DENY, "/scim/v2/Schemas"),
    ("GET", "/scim/v2/ResourceTypes"): (DENY, "/scim/v2/ResourceTypes"),
    ("GET", "/staff/notifications"): (DENY, "/staff/notifications"),
    ("POST", "/staff/notifications/save"): (DENY, "/staff/notifications/save"),
    ("GET", "/portal/notifications"): (OWN, "/portal/notifications"),
    ("POST", "/portal/notifications/me"): (OWN, "/portal/notifications/me"),
    ("POST", "/portal/notifications/contacts/{contact_id:str}"): (
        DENY,
        "/portal/notifications/contacts/{b_contact}",
    ),
    ("POST", "/admin/notifications/staff"): (DENY, "/admin/notifications/staff"),
    ("POST", "/admin/notifications/staff/{member_id:str}/disable"): (
        DENY,
        "/admin/notifications/staff/x/disable",
    ),
    ("POST", "/admin/notifications/staff/{member_id:str}/preferences"): (
        DENY,
        "/admin/notifications/staff/x/preferences",
    ),
    ("POST", "/admin/notifications/messages/{message_id:str}/resend"): (
        DENY,
        "/admin/notifications/messages/x/resend",
    ),
    ("POST", "/admin/notifications/undeliverable/{item:str}/resolve"): (
        DENY,
        "/admin/notifications/undeliverable/x/resolve",
    ),
    ("POST", "/admin/sessions/{session_id:str}/revoke"): (DENY, "/admin/sessions/x/revoke"),
    ("POST", "/admin/accounts/{account_id:str}/disable"): (DENY, "/admin/accounts/x/disable"),
    ("POST", "/admin/accounts/{account_id:str}/enable"): (DENY, "/admin/accounts/x/enable"),
    ("POST", "/admin/accounts/{account_id:str}/totp/reset"): (
        DENY,
        "/admin/accounts/x/totp/reset",
    ),
    ("GET", "/auth/totp"): (DENY, "/auth/totp"),
    ("POST", "/auth/totp"): (DENY, "/auth/totp"),
    ("GET", "/auth/step-up"): (DENY, "/auth/step-up"),
    ("POST", "/auth/step-up"): (DENY, "/auth/step-up"),
    ("GET", "/"): (OWN, "/"),
    ("GET", "/lang/{code:str}"): (PUBLIC, "/lang/en"),
    ("GET", "/api/v1/suppliers/{uscc:str}"): (DENY, "/api/v1/suppliers/{b_uscc}"),
    ("GET", "/api/v1/suppliers/export.csv"): (DENY, "/api/v1/suppliers/export.csv"),
    ("GET", "/api/v1/suppliers/export.xlsx"): (DENY, "/api/v1/suppliers/export.xlsx"),
    ("GET", "/api/v1/suppliers"): (DENY, "/api/v1/suppliers?q=乙"),
    ("GET", "/auth/login"): (PUBLIC, "/auth/login"),
    ("GET", "/auth/callback"): (PUBLIC, "/auth/callback?code=x&state=y"),
    ("POST", "/auth/logout"): (PUBLIC, "/auth/logout"),
    ("GET", "/auth/logged-out"): (PUBLIC, "/auth/logged-out"),
    ("POST", "/auth/backchannel-logout"): (PUBLIC, "/auth/backchannel-logout"),
    ("GET", "/invite/{link_token:str}"): (PUBLIC, "/invite/not-a-real-token"),
    ("POST", "/invite/{link_token:str}"): (PUBLIC, "/invite/not-a-real-token"),
    ("POST", "/invite/{link_token:str}/code"): (PUBLIC, "/invite/not-a-real-token/code"),
    ("GET", "/staff/invitations"): (DENY, "/staff/invitations"),
    ("POST", "/staff/invitations"): (DENY, "/staff/invitations"),
    # Demo only (the demo's stand-in for e-mail); see docs/portal.md.
    ("GET", "/outbox"): (OWN, "/outbox"),
    ("GET", "/dev-oidc/.well-known/openid-configuration"): (
        PUBLIC,
        "/dev-oidc/.well-known/openid-configuration",
    ),
    ("GET", "/dev-oidc/jwks"): (PUBLIC, "/dev-oidc/jwks"),
    ("GET", "/dev-oidc/authorize"): (PUBLIC, "/dev-oidc/authorize"),
    ("POST", "/dev-oidc/authorize"): (PUBLIC, "/dev-oidc/authorize"),
    ("POST", "/dev-oidc/token"): (PUBLIC, "/dev-oidc/token"),
    ("GET", "/dev-oidc/userinfo"): (PUBLIC, "/dev-oidc/userinfo"),
    ("GET", "/dev-oidc/logout"): (PUBLIC, "/dev-oidc/logout"),
    ("GET", "/api/v1/data-health"): (DENY, "/api/v1/data-health"),
    ("GET", "/api/v1/duplicates"): (DENY, "/api/v1/duplicates"),
    ("POST", "/api/v1/duplicates/not-the-same"): (DENY, "/api/v1/duplicates/not-the-same"),
    ("GET", "/api/v1/suppliers/{supplier_id:str}/graph"): (DENY, "/api/v1/suppliers/{b}/graph"),
    ("GET", "/staff/suppliers/{supplier_id:str}/graph"): (DENY, "/staff/suppliers/{b}/graph"),
    ("GET", "/staff/data-health"): (DENY, "/staff/data-health"),
    ("GET", "/staff/duplicates"): (DENY, "/staff/duplicates"),
    ("GET", "/api/v1/contracts"): (DENY, "/api/v1/contracts?supplier_id={b}"),
    ("POST", "/api/v1/contracts"): (DENY, "/api/v1/contracts"),
    ("GET", "/api/v1/invoices"): (DENY, "/api/v1/invoices?supplier_id={b}"),
    ("POST", "/api/v1/invoices"): (DENY, "/api/v1/invoices"),
    ("GET", "/api/v1/stores"): (DENY, "/api/v1/stores"),
    ("POST", "/api/v1/stores"): (DENY, "/api/v1/stores"),
    ("GET", "/portal"): (OWN, "/portal/"),
    ("GET", "/portal/profile"): (OWN, "/portal/profile"),
    ("GET", "/portal/bank-accounts/new"): (OWN, "/portal/bank-accounts/new"),
    ("POST", "/portal/bank-accounts"): (OWN, "/portal/bank-accounts"),
    ("GET", "/portal/bank-accounts/{account_id:str}/edit"): (
        DENY,
        "/portal/bank-accounts/{b_account}/edit",
    ),
    ("POST", "/portal/bank-accounts/{account_id:str}"): (DENY, "/portal/bank-accounts/{b_account}"),
    ("POST", "/portal/bank-accounts/{account_id:str}/retire"): (
        DENY,
        "/portal/bank-accounts/{b_account}/retire",
    ),
    ("GET", "/portal/invoicing/edit"): (OWN, "/portal/invoicing/edit"),
    ("POST", "/portal/invoicing"): (OWN, "/portal/invoicing"),
    ("GET", "/portal/contacts/new"): (OWN, "/portal/contacts/new"),
    ("POST", "/portal/contacts"): (OWN, "/portal/contacts"),
    ("GET", "/portal/contacts/{contact_id:str}/edit"): (DENY, "/portal/contacts/{b_contact}/edit"),
    ("POST", "/portal/contacts/{contact_id:str}"): (DENY, "/portal/contacts/{b_contact}"),
    ("POST", "/portal/contacts/{contact_id:str}/remove"): (
        DENY,
        "/portal/contacts/{b_contact}/remove",
    ),
    ("GET", "/portal/documents"): (OWN, "/portal/documents"),
    ("POST", "/portal/documents"): (OWN, "/portal/documents"),
    ("GET", "/portal/documents/{document_id:str}"): (DENY, "/portal/documents/{b_document}"),
    ("GET", "/portal/changes"): (OWN, "/portal/changes"),
    ("GET", "/portal/changes/{request_id:str}"): (DENY, "/portal/changes/{b_request}"),
    ("POST", "/portal/changes/{request_id:str}/withdraw"): (
        DENY,
        "/portal/changes/{b_request}/withdraw",
    ),
    ("POST", "/portal/changes/{request_id:str}/confirm"): (
        DENY,
        "/portal/changes/{b_request}/confirm",
    ),
    ("GET", "/staff"): (DENY, "/staff/"),
    # Staff tools and admin screens (stafftools): staff or admin only.
    ("GET", "/staff/suppliers/{supplier_id:str}/manage"): (DENY, "/staff/suppliers/{b}/manage"),
    ("POST", "/staff/suppliers/{supplier_id:str}/block"): (DENY, "/staff/suppliers/{b}/block"),
    ("POST", "/staff/suppliers/{supplier_id:str}/unblock"): (
        DENY,
        "/staff/suppliers/{b}/unblock",
    ),
    ("GET", "/staff/suppliers/{supplier_id:str}/propose"): (DENY, "/staff/suppliers/{b}/propose"),
    ("POST", "/staff/suppliers/{supplier_id:str}/propose"): (
        DENY,
        "/staff/suppliers/{b}/propose",
    ),
    ("POST", "/staff/invitations/{invitation_id:str}/revoke"): (
        DENY,
        "/staff/invitations/x/revoke",
    ),
    ("POST", "/staff/invitations/{invitation_id:str}/resend"): (
        DENY,
        "/staff/invitations/x/resend",
    ),
    ("GET", "/admin/users"): (DENY, "/admin/users"),
    ("GET", "/admin/tokens"): (DENY, "/admin/tokens"),
    ("POST", "/admin/tokens"): (DENY, "/admin/tokens"),
    ("POST", "/admin/tokens/{client_id:str}/revoke"): (DENY, "/admin/tokens/x/revoke"),
    ("GET", "/admin/policy"): (DENY, "/admin/policy"),
    ("POST", "/admin/policy"): (DENY, "/admin/policy"),
    # Verification area: the panel and API are staff-only; autofill shows public registry
    # data for a credit code (not our master data); a confirmation link is its own
    # credential (a bogus one here).
    ("GET", "/staff/suppliers/{supplier_id:str}/verification"): (
        DENY,
        "/staff/suppliers/{b}/verification",
    ),
    ("POST", "/staff/suppliers/{supplier_id:str}/verification"): (
        DENY,
        "/staff/suppliers/{b}/verification",
    ),
    ("GET", "/api/v1/suppliers/{supplier_id:str}/verification"): (
        DENY,
        "/api/v1/suppliers/{b}/verification",
    ),
    ("POST", "/api/v1/suppliers/{supplier_id:str}/verification"): (
        DENY,
        "/api/v1/suppliers/{b}/verification",
    ),
    ("GET", "/api/v1/autofill/{uscc:str}"): (DENY, "/api/v1/autofill/{b_uscc}"),
    ("GET", "/confirm/{request_id:str}"): (PUBLIC, "/confirm/{b_request}?token=forged"),
    ("POST", "/confirm/{request_id:str}"): (PUBLIC, "/confirm/{b_request}"),
    ("GET", "/staff/changes/{request_id:str}"): (DENY, "/staff/changes/{b_request}"),
    ("POST", "/staff/changes/{request_id:str}/approve"): (
        DENY,
        "/staff/changes/{b_request}/approve",
    ),
    ("POST", "/staff/changes/{request_id:str}/reject"): (DENY, "/staff/changes/{b_request}/reject"),
    ("GET", "/staff/suppliers"): (DENY, "/staff/suppliers"),
    ("GET", "/staff/audit"): (DENY, "/staff/audit/"),
    ("GET", "/staff/audit/export"): (DENY, "/staff/audit/export?format=json"),
    ("GET", "/staff/suppliers/{supplier_id:str}"): (DENY, "/staff/suppliers/{b}"),
    ("POST", "/staff/suppliers/{supplier_id:str}/reveal"): (DENY, "/staff/suppliers/{b}/reveal"),
    ("GET", "/staff/suppliers/{supplier_id:str}/documents/{document_id:str}"): (
        DENY,
        "/staff/suppliers/{b}/documents/{b_document}",
    ),
    ("POST", "/staff/changes/{request_id:str}/call-back/reveal"): (
        DENY,
        "/staff/changes/{b_request}/call-back/reveal",
    ),
    ("POST", "/staff/duplicates/merge"): (DENY, "/staff/duplicates/merge"),
    ("POST", "/api/v1/changes"): (DENY, "/api/v1/changes"),
    ("GET", "/api/v1/changes/{request_id:str}"): (DENY, "/api/v1/changes/{b_request}"),
    ("POST", "/staff/duplicates/not-the-same"): (DENY, "/staff/duplicates/not-the-same"),
    ("GET", "/portal/licence"): (OWN, "/portal/licence"),
    ("POST", "/portal/licence"): (OWN, "/portal/licence"),
    ("GET", "/portal/licence/{job_id:str}"): (DENY, "/portal/licence/{b_document}"),
    ("POST", "/portal/licence/{job_id:str}"): (DENY, "/portal/licence/{b_document}"),
    ("POST", "/api/v1/ocr/licence"): (DENY, "/api/v1/ocr/licence"),
    ("POST", "/api/v1/payment-checks"): (DENY, "/api/v1/payment-checks"),
    # Payment safety: the staff pages are finance/purchasing only; a supplier sees its own
    # account versions and answers small amounts only for them.
    ("GET", "/staff/payments"): (DENY, "/staff/payments/"),
    ("POST", "/staff/payments/check"): (DENY, "/staff/payments/check"),
    ("POST", "/staff/payments/adopt"): (DENY, "/staff/payments/adopt"),
    ("POST", "/staff/payments/versions/{version_id:str}/verify"): (
        DENY,
        "/staff/payments/versions/x/verify",
    ),
    ("POST", "/staff/payments/versions/{version_id:str}/small-amount"): (
        DENY,
        "/staff/payments/versions/x/small-amount",
    ),
    ("POST", "/staff/payments/versions/{version_id:str}/approve"): (
        DENY,
        "/staff/payments/versions/x/approve",
    ),
    ("GET", "/portal/accounts"): (OWN, "/portal/accounts/"),
    ("POST", "/portal/accounts/{version_id:str}/small-amount"): (
        DENY,
        "/portal/accounts/x/small-amount",
    ),
    ("GET", "/staff/import"): (DENY, "/staff/import"),
    ("POST", "/staff/import"): (DENY, "/staff/import"),
    ("GET", "/staff/import/template.xlsx"): (DENY, "/staff/import/template.xlsx"),
    ("GET", "/staff/import/{job_id:str}"): (DENY, "/staff/import/x"),
    ("GET", "/staff/import/{job_id:str}/errors.xlsx"): (DENY, "/staff/import/x/errors.xlsx"),
    ("POST", "/staff/import/{job_id:str}/confirm"): (DENY, "/staff/import/x/confirm"),
    ("POST", "/staff/import/{job_id:str}/sheet"): (DENY, "/staff/import/x/sheet"),
}
_IGNORED_METHODS = {"OPTIONS", "HEAD"}


def registered(app: Any) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in app.routes
        if not route.path.startswith("/schema")
        for method in route.methods - _IGNORED_METHODS
    }


def test_every_route_is_in_the_table(site: Any) -> None:
    missing = sorted(registered(site.app) - set(TABLE))
    assert not missing, f"add these routes to TABLE (what may supplier A get?): {missing}"
    stale = sorted(set(TABLE) - registered(site.app))
    assert not stale, f"these TABLE entries name no route any more: {stale}"


@pytest.fixture
def b_ids(site: Any) -> dict[str, str]:
    """Ids of supplier B's things: its record, account, contact, request and document."""
    b, user_b = site.b, site.people["b"]
    ctx = AuditContext(actor=user_b.subject, actor_role="supplier")
    request = submit_change(
        site.deps, ctx, user_b, b.id, [Proposal(Entity.CONTACT, b.contacts[0].id, {"role": "总监"})]
    )
    document = upload_document(
        site.services.engine,
        site.services.documents,
        site.deps.audit,
        ctx,
        user_b,
        b.id,
        kind="business_licence",
        filename="licence.pdf",
        content=pdf_bytes(),
        max_bytes=4096,
        now=site.deps.clock(),
    )
    return {
        "b": b.id,
        "b_uscc": b.uscc,
        "b_account": b.bank_accounts[0].id,
        "b_contact": b.contacts[0].id,
        "b_request": request.id,
        "b_document": document.id,
    }


@pytest.mark.parametrize(("method", "path"), sorted(TABLE))
async def test_supplier_a_never_gets_supplier_b(
    site: Any, as_user: Any, b_ids: dict[str, str], method: str, path: str
) -> None:
    kind, template = TABLE[(method, path)]
    url = template.format(**b_ids)
    a = as_user("a")
    if method == "GET":
        response = await a.get(url)
    elif method in ("PUT", "PATCH", "DELETE"):
        response = await a.request(method, url, json={})
    else:
        response = await a.post(
            url,
            {
                "role": "x",
                "account_number": "6222021234567890000",
                "reason_for_all": "x",
                "table": "bank_account",
                "column": "account_number",
                "row_id": b_ids["b_account"],
            },
            form_page="/portal/",
        )
    body = response.text
    b = site.b
    assert b.name not in body and b.uscc not in body, f"{method} {url} shows supplier B"
    assert b.bank_accounts[0].account_number not in body
    if kind == DENY:
        assert response.status_code in (401, 403, 404), (method, url, response.status_code)
    elif kind == OWN:
        assert response.status_code < 500, (method, url, response.status_code, body[:500])
    with site.services.engine.connect() as conn:
        still = site.services.suppliers.get(conn, b.id)
    assert still is not None and still.version == b.version
    assert [(c.role, c.email) for c in still.contacts] == [(c.role, c.email) for c in b.contacts]
