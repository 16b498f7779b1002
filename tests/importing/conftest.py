"""The whole site (tests/web_portal's fixtures) for the web import's pages."""

from __future__ import annotations

from tests.web_portal.conftest import as_user, client, clock, csrf_of, site

__all__ = ["as_user", "client", "clock", "csrf_of", "site"]
