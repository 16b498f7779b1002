"""Links between pages of a list that keep the filters the user chose."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request


class PageLinks:
    """``link(page=3)`` in a template: this list with the same filters, one value changed.

    A change of anything but the page starts again at page 1; ``args`` are the current
    filters, for a form that keeps them (the pager's "go to page").
    """

    def __init__(self, request: Request[Any, Any, Any]) -> None:
        self.path = request.url.path
        self.args = {k: v for k, v in request.query_params.items() if v and k != "page"}

    def __call__(self, **changes: object) -> str:
        return self.at(self.path, **changes)

    def at(self, path: str, **changes: object) -> str:
        """The same filters on another path (an export of what the list shows)."""
        merged = dict(self.args)
        for key, value in changes.items():
            if value in (None, ""):
                merged.pop(key, None)
            else:
                merged[key] = str(value)
        return f"{path}?{urlencode(merged)}" if merged else path


def page_link(request: Request[Any, Any, Any]) -> PageLinks:
    """The links of the list this request shows."""
    return PageLinks(request)
