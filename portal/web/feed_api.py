"""The change feed over HTTP: ``GET /api/v1/events?after=SEQ&limit=N`` (JSON).

An ERP keeps the ``seq`` of the last event it processed and asks again with ``after=`` that
number; ``next_after`` in the answer is the value to keep once the page is processed. The
same roles as the finance API read it; ``reveal=true`` shows clear account numbers to a
token that may reveal (each value audited before it is shown).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import QueryParameter

from portal.feed import FEED_READERS, MAX_LIMIT, MAX_SEQ, read_events
from portal.finance import RevealCallback
from portal.finance.ports import RevealAudit
from portal.web.api_docs import API_SECURITY
from portal.web.api_models import FeedPage, typed
from portal.web.context import audit_context
from portal.web.deps import RevealAuditDep, ServicesDep
from portal.web.security import principal_of, requires


def _reporting(
    request: Request[Any, Any, Any], audit: RevealAudit, want: bool
) -> RevealCallback | None:
    """Each clear value is audited before it is shown (the feed's use case checks who may)."""
    if not want:
        return None
    ctx = audit_context(request)
    return lambda table, column, row_id: audit.record_reveal(ctx, table, column, row_id)


class FeedApi(Controller):
    """Every applied change of a supplier, in commit order."""

    path = "/api/v1/events"
    guards = [requires(*FEED_READERS)]  # noqa: RUF012
    tags = ["feed"]  # noqa: RUF012
    security = API_SECURITY

    @get(
        "/",
        sync_to_thread=True,
        summary="Change feed: events after a sequence number",
        operation_id="listEvents",
    )
    def events(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        reveal_audit: RevealAuditDep,
        after: Annotated[
            int,
            QueryParameter(
                description="the seq of the last event processed (0: all)", ge=0, le=MAX_SEQ
            ),
        ] = 0,
        limit: Annotated[
            int, QueryParameter(description="events per page, 1 to 1000", ge=1, le=MAX_LIMIT)
        ] = 100,
        reveal: Annotated[bool, QueryParameter(description="clear account numbers")] = False,
    ) -> FeedPage:
        page = read_events(
            services.engine,
            services.sealer,
            principal_of(request),
            after=after,
            limit=limit,
            reveal=_reporting(request, reveal_audit, reveal),
        )
        return typed({"events": page.events, "next_after": page.next_after}, FeedPage)
