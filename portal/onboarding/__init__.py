"""New suppliers: registration with duplicate screening, and invitations.

- :mod:`~portal.onboarding.invite`: use cases, send, accept, record a refused link;
- :mod:`~portal.onboarding.invitations`: the signed one-time link and its rows;
- :mod:`~portal.onboarding.registration`: suppliers registered after screening.
"""

__all__ = ["invitations", "invite", "registration"]
