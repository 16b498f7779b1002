"""The demo's own OpenID provider (mounted only in demo mode)."""

from portal.web.devoidc.provider import DemoClient, DevProvider, provider_router
from portal.web.devoidc.users import DEMO_USERS, DemoUser

__all__ = ["DEMO_USERS", "DemoClient", "DemoUser", "DevProvider", "provider_router"]
