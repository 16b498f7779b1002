"""Logging for the web service, the worker and the CLI: one JSON object per line on stderr.

Every line carries the request id bound in its context (:mod:`portal.observability.context`)
and the process role (``web``, ``worker``, ``cli``). ``PORTAL_LOG_FORMAT=text`` gives one
readable line instead, for a terminal. uvicorn's own loggers go through the same handler.

Nothing sensitive is logged on purpose: the access log names the route template
(``/invite/{token:str}``), never the raw path or query. As a second line of defence every
message and traceback passes :func:`redact`, which masks what looks like a bank account
number, a mobile phone, a bearer token or a ``secret=...``/``token=...`` value.

>>> redact("account 6222020200112233445 phone 13812345678 Bearer abc.def-123")
'account [redacted-digits] phone [redacted-phone] Bearer [redacted]'
>>> redact("GET /auth/callback?code=Xyz123&state=s1 token=abc password: hunter2")
'GET /auth/callback?code=[redacted]&state=[redacted] token=[redacted] password: [redacted]'
>>> redact("job 1234 took 2.5 s; supplier 91350100M000100Y")
'job 1234 took 2.5 s; supplier 91350100M000100Y'
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

from portal.observability.context import current_request_id

__all__ = ["configure_logging", "redact"]

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # bearer tokens and Authorization headers
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    # key=value / key: value pairs whose value is a secret (query strings, dict reprs)
    (
        re.compile(
            r"(?i)\b((?:access_|refresh_|id_|api_|session_)?token|secret|password|passwd|pin"
            r"|code|state|kek|authorization|cookie|api_key|apikey)"
            r"(['\"]?\s*[=:]\s*['\"]?)[^\s&'\",;}]+"
        ),
        r"\1\2[redacted]",
    ),
    # mainland mobile numbers (with or without +86)
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)"), "[redacted-phone]"),
    # long digit runs: bank account and card numbers, ID numbers (9 or more digits)
    (re.compile(r"(?<![\dA-Za-z])\d[\d -]{7,}\d(?![\dA-Za-z])"), "[redacted-digits]"),
)


def redact(text: str) -> str:
    """``text`` with anything that looks like a secret or a personal number masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class _Context(logging.Filter):
    """Adds the request id and the process role; redacts the message."""

    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = role

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        record.process_role = self.role
        try:
            message = record.getMessage()
        except Exception:  # a malformed %-format: keep the raw text
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        return True


def _redacted(text: str | list[str]) -> str:
    return redact(text if isinstance(text, str) else "\n".join(text))


class _JsonLines(JsonFormatter):
    def formatException(self, ei: Any) -> str:
        return _redacted(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _redacted(super().formatStack(stack_info))


class _TextLines(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))


#: loggers of libraries that log on their own; routed through our handler
_LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar", "alembic")
#: libraries whose INFO/DEBUG lines carry values: SQL parameters (sqlalchemy), request URLs
#: with provider keys in the query (httpx), signed S3 requests (botocore): WARNING and up only,
#: whatever PORTAL_LOG_LEVEL says
_QUIET_LOGGERS = (
    "sqlalchemy",
    "httpx",
    "httpcore",
    "botocore",
    "boto3",
    "s3transfer",
    "urllib3",
    "multipart",
    "python_multipart",
    "authlib",
    "asyncio",
)


def configure_logging(
    log_format: Literal["json", "text"] = "json",
    level: str = "INFO",
    *,
    role: str = "cli",
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) in ``log_format``; returns the handler.

    Replaces the root logger's handlers, so calling it again (a test, a second command in
    one process) does not duplicate lines.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_Context(role))
    if log_format == "json":
        handler.setFormatter(
            _JsonLines(
                "{levelname}{name}{message}{request_id}{process_role}",
                style="{",
                rename_fields={"levelname": "level", "name": "logger", "process_role": "role"},
                timestamp="time",
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(
            _TextLines("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in _LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
