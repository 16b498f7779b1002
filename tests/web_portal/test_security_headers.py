"""Every answer carries the browser-side protections; forms only count when sent from this site."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from portal.web.headers import security_headers

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PAGES = ["/", "/portal/", "/staff/", "/api/v1/suppliers/", "/no-such-page", "/staff/changes/x"]


def script_sources(policy: str) -> str:
    return next(p for p in policy.split(";") if p.strip().startswith("script-src"))


async def test_every_answer_forbids_inline_script_framing_sniffing_and_caching(
    client: Any,
) -> None:
    for who, path in [("a", "/portal/"), ("alice", "/staff/"), ("finance", PAGES[3])] + [
        ("alice", p) for p in PAGES
    ]:
        response = await client.get(path, headers={"x-test-user": who})
        headers = response.headers
        policy = headers["content-security-policy"]
        assert "'unsafe-inline'" not in script_sources(policy), path
        assert "frame-ancestors 'none'" in policy and headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store", path


async def test_strict_transport_security_only_when_cookies_are_secure() -> None:
    sent: list[Any] = []
    for secure in (True, False):
        message: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": []}
        await security_headers(hsts=secure)(message, {"path": "/portal/"})  # type: ignore[arg-type]
        sent.append(dict(message["headers"]).get(b"strict-transport-security"))
    assert sent[0] is not None and sent[0].startswith(b"max-age=") and sent[1] is None


async def test_the_pages_scripts_are_served_from_this_site(client: Any) -> None:
    for name in ("autofill", "graph", "ocr_job"):
        response = await client.get(f"/static/js/{name}.js")
        assert response.status_code == 200
        assert "javascript" in response.headers["content-type"]
        assert response.headers.get("cache-control") != "no-store"


def test_no_template_holds_inline_script_or_event_handler() -> None:
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    offenders = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        if inline.search(text) or handler.search(text) or "javascript:" in text.lower():
            offenders.append(template.relative_to(TEMPLATES).as_posix())
    assert offenders == []


async def test_a_form_sent_from_another_site_is_refused_even_with_a_token(
    site: Any, client: Any
) -> None:
    account = site.a.bank_accounts[0].id
    form = f"/portal/bank-accounts/{account}/edit"
    page = await client.get(form, headers={"x-test-user": "a"})
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    fields = {"_csrf_token": token.group(1), "account_number": "6217000011112222333"}
    for header in ({"origin": "https://evil.example"}, {"referer": "https://evil.example/x"}):
        refused = await client.post(
            f"/portal/bank-accounts/{account}",
            data=fields,
            headers={"x-test-user": "a", **header},
        )
        assert refused.status_code == 403
    accepted = await client.post(
        f"/portal/bank-accounts/{account}",
        data=fields,
        headers={"x-test-user": "a", "origin": str(client.base_url).rstrip("/")},
    )
    assert accepted.status_code == 303, accepted.text
