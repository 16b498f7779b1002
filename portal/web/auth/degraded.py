"""What the auth area does while Redis (sessions and shared rate limits) cannot be reached.

Decided per feature (docs/operations.md, "When Redis is down"):

- **sessions**: a browser's session cannot be read, so the request goes on as an anonymous
  one (public pages, ``/healthz`` and static files answer; the API answers its tokens, which
  live in the database). The cookie is left alone, so the session is back when Redis is;
- **login, invitation acceptance and the TOTP step-up** need a session and have
  security-relevant limits: they fail closed with :class:`LoginUnavailableError`
  (503, "login temporarily unavailable", a page in the user's language);
- **upload limits** only protect capacity: they fall back to a limiter in this process's
  memory (each instance counts on its own until Redis is back).

Each outage is logged once when it starts and once when it ends (:class:`Outage`), never
per request, and never with the Redis URL (which may hold a password).
"""

from __future__ import annotations

import logging
import threading

from redis.exceptions import RedisError

from portal.domain.errors import ErrorKind, PortalError

log = logging.getLogger("portal.redis")

#: What a Redis client raises when the server is down, unreachable or too slow.
STORE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)

#: Seconds to wait for Redis to accept a connection or answer; never hang a request on it.
REDIS_TIMEOUT_SECONDS = 2.0


class LoginUnavailableError(PortalError):
    """Logging in needs the session store (Redis), which cannot be reached right now."""

    kind = ErrorKind.UNAVAILABLE
    retryable = True
    code = "auth.login_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "Login is temporarily unavailable. Pages that need no login and the API keep "
            "working; please try again in a few minutes.",
            message_zh="登录暂时不可用。无需登录的页面和 API 仍可使用，请几分钟后再试。",
        )


class Outage:
    """Logs the start and the end of one dependency's outage, once each.

    >>> outage = Outage("sessions")
    >>> outage.failed(ConnectionError("refused")), outage.failed(ConnectionError("refused"))
    (True, False)
    >>> outage.down, outage.recovered(), outage.recovered(), outage.down
    (True, True, False, False)
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self.down = False
        self._lock = threading.Lock()

    def failed(self, exc: BaseException) -> bool:
        """Note a failure; True (and one warning) when it starts an outage."""
        with self._lock:
            if self.down:
                return False
            self.down = True
        log.warning(
            "redis unreachable: %s degraded until it answers again (%s)",
            self.what,
            type(exc).__name__,
        )
        return True

    def recovered(self) -> bool:
        """Note a success; True (and one log line) when it ends an outage."""
        if not self.down:
            return False
        with self._lock:
            if not self.down:
                return False
            self.down = False
        log.warning("redis answers again: %s back to normal", self.what)
        return True


__all__ = ["REDIS_TIMEOUT_SECONDS", "STORE_ERRORS", "LoginUnavailableError", "Outage"]
