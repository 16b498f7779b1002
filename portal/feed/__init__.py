"""The change feed: every applied change of a supplier, numbered in commit order.

:mod:`.record` writes events inside the acts that change suppliers; :mod:`.read` is the
use case behind ``GET /api/v1/events``; :mod:`.snapshot` backfills suppliers that existed
before the feed.
"""

from portal.feed.read import (
    FEED_READERS,
    MAX_LIMIT,
    MAX_SEQ,
    FeedPage,
    FeedReadNotAllowedError,
    FeedRequestError,
    event_view,
    page_rows,
    read_events,
)
from portal.feed.record import EVENT, EventType, PendingEvent, record_events, type_of_change
from portal.feed.snapshot import snapshot_existing

__all__ = [
    "EVENT",
    "FEED_READERS",
    "MAX_LIMIT",
    "MAX_SEQ",
    "EventType",
    "FeedPage",
    "FeedReadNotAllowedError",
    "FeedRequestError",
    "PendingEvent",
    "event_view",
    "page_rows",
    "read_events",
    "record_events",
    "snapshot_existing",
    "type_of_change",
]
