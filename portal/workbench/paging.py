"""One page of a long list, with what a pager needs.

>>> p = Page(items=("a", "b"), total=101, number=3, size=50)
>>> p.pages, p.has_previous, p.has_next, p.first_position, p.last_position
(3, True, False, 101, 102)
>>> Page(items=(), total=0, number=1, size=50).pages
1
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

#: Page sizes a user may choose; anything else falls back to the first.
PAGE_SIZES = (50, 100, 200)
#: How deep a user may page: beyond it, filters are the better tool (and OFFSET gets slow).
MAX_PAGE = 2000


def whole_number(text: str | None) -> int | None:
    """A non-negative whole number typed in a query string, or None.

    >>> whole_number("12"), whole_number("-1"), whole_number(None)
    (12, None, None)
    """
    return int(text) if text and text.isdigit() else None


def clamp_page(number: int | None, size: int | None) -> tuple[int, int]:
    """A page number of at least 1 (at most MAX_PAGE) and one of the allowed sizes.

    >>> clamp_page(0, 7), clamp_page(3, 100), clamp_page(99999, None)
    ((1, 50), (3, 100), (2000, 50))
    """
    chosen = size if size in PAGE_SIZES else PAGE_SIZES[0]
    return max(1, min(number or 1, MAX_PAGE)), chosen


def last_page(number: int, size: int, total: int) -> int:
    """``number``, or the last page when it asks for more than there is.

    >>> last_page(500, 50, 120), last_page(2, 50, 120), last_page(3, 50, 0)
    (3, 2, 1)
    """
    return max(1, min(number, -(-total // size)))


@dataclass(frozen=True)
class Page(Generic[T]):
    """Rows of one page, the total matching count and where the page sits."""

    items: tuple[T, ...]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_position(self) -> int:
        return self.offset + 1

    @property
    def last_position(self) -> int:
        return self.offset + len(self.items)
