"""The whole site of tests/web_portal (two suppliers, every area, test users) for the
notification tests that open the links their messages carry."""

from tests.web_portal.conftest import as_user, client, clock, site

__all__ = ["as_user", "client", "clock", "site"]
