"""Who may log in: user accounts (OIDC logins) and API clients (tokens).

- :mod:`~portal.identity.users`: accounts, logins and roles;
- :mod:`~portal.identity.api_clients`: machine clients and their tokens;
- :mod:`~portal.identity.idempotency`: the first answer to each client's Idempotency-Key.
"""

__all__ = ["admin", "api_clients", "directory", "idempotency", "users"]
