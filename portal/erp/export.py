"""The finance export in an ERP profile's columns (``?profile=`` on the export routes)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from portal.audit.log import AuditContext
from portal.domain.text import neutralise_cell
from portal.erp.profiles import Profile
from portal.finance.ports import ExportAudit

__all__ = ["audited_profile_rows", "header"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def header(profile: Profile) -> list[str]:
    """The ERP's field names, as the columns' titles."""
    return [neutralise_cell(title) for title in profile.columns()]


def audited_profile_rows(
    profile: Profile,
    views: Iterable[Mapping[str, Any]],
    audit: ExportAudit,
    ctx: AuditContext,
    *,
    file_format: str,
    criteria: Mapping[str, str | None],
) -> list[list[str]]:
    """The rows (one per account in use), once the export's audit entry is committed; like
    :func:`portal.finance.export.audited_rows`, with the profile named in the criteria."""
    rows = [
        [neutralise_cell(_cell(value)) for value in row]
        for view in views
        for row in profile.rows(view)
    ]
    criteria = {**criteria, "profile": profile.name}
    audit.record_export(ctx, file_format=file_format, rows=len(rows), criteria=criteria)
    return rows
