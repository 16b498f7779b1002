"""The API docs open without the internet: every file they need comes from the product."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from portal.bootstrap import Services, build_collaborators
from portal.web.app import create_app

URL_ATTRIBUTE = re.compile(r"""(?:src|href|data-spec-url)="([^"]*)\"""")


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(app=create_app(build_collaborators(services))) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
def test_the_docs_page_references_only_the_products_own_files(
    client: TestClient,  # type: ignore[type-arg]
    path: str,
) -> None:
    page = client.get(path, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "http://" not in page.text and "https://" not in page.text
    assert "<script>" not in page.text  # no inline script: CSP script-src 'self'
    urls = URL_ATTRIBUTE.findall(page.text)
    assert "/static/swagger-ui/swagger-ui-bundle.js" in urls
    assert "/static/swagger-ui/swagger-ui.css" in urls
    assert "/static/js/api_docs.js" in urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url


def test_the_docs_page_is_served_under_the_same_policy_as_every_page(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    docs = client.get("/schema/swagger").headers["content-security-policy"]
    home = client.get("/").headers["content-security-policy"]
    assert docs == home
    assert "http" not in docs
    assert (
        "script-src 'self'" in docs
        and "unsafe-inline" not in docs.split("script-src")[1].split(";")[0]
    )


def test_the_document_the_docs_show_is_served_as_json(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    document = client.get("/schema/openapi.json")
    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.")
