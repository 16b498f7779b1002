"""The whole site with two suppliers (tests/web_portal's fixtures), and a log capture."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from portal.observability.logs import configure_logging
from tests.web_portal.conftest import as_user, client, clock, site

__all__ = ["as_user", "client", "clock", "json_logs", "site"]


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Every log line of the test, as ``portal serve`` writes them (JSON, DEBUG and up)."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging("json", "DEBUG", role="web", stream=stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
