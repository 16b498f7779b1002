"""The auditor's screen (``/staff/audit``): the audit log filtered and paged, and the same
filter exported as CSV (UTF-8 with BOM, for Excel) or JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import Stream, Template

from portal.audit.acts import AUDITED_ACTS
from portal.web.context import audit_context
from portal.web.paging import page_link
from portal.web.portal_area import PortalDep, page
from portal.web.security import principal_of, requires
from portal.workbench.audit_log import (
    EXPORT_COLUMNS,
    READERS,
    AuditQuery,
    export_audit_log,
    read_audit_log,
)


def _csv(rows: Iterator[Mapping[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    buffer.write("\ufeff")
    writer.writeheader()
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_lines(rows: Iterator[Mapping[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


class AuditPages(Controller):
    """Auditors and administrators."""

    path = "/staff/audit"
    guards = [requires(*READERS)]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def log(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        query = AuditQuery.of(**dict(request.query_params.items()))
        found = read_audit_log(
            portal.services.engine, portal.services.sealer, principal_of(request), query
        )
        return page(
            request,
            "staff/audit.html",
            found=found,
            query=query,
            link=page_link(request),
            actions=list(AUDITED_ACTS),
        )

    @get("/export", sync_to_thread=True)
    def export(
        self, request: Request[Any, Any, Any], portal: PortalDep, format: FromQuery[str] = "csv"
    ) -> Stream:
        """What the screen shows, every page of it (the export is itself audited)."""
        file_format = "json" if format == "json" else "csv"
        query = AuditQuery.of(**dict(request.query_params.items()))
        rows = export_audit_log(
            portal.services.engine, portal.audit, audit_context(request), principal_of(request),
            query, file_format, now=portal.now(),
        )  # fmt: skip
        if file_format == "json":
            return Stream(
                _json_lines(rows),
                media_type="application/x-ndjson; charset=utf-8",
                headers={"content-disposition": 'attachment; filename="audit-log.jsonl"'},
            )
        return Stream(
            _csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="audit-log.csv"'},
        )
