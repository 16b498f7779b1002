"""The finance API (JSON; OpenAPI at /schema): search, get by credit code, export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Response, Stream
from sqlalchemy import Connection

from portal.core import Services
from portal.db.engine import read
from portal.db.supplier_store import SupplierFilter
from portal.domain import foreign_tax
from portal.domain import uscc as uscc_number
from portal.domain.principal import Principal, Role
from portal.domain.supplier import LifecycleState
from portal.erp import ProfileNotFoundError, profiles_of
from portal.erp import export as erp_export
from portal.erp.export import audited_profile_rows
from portal.finance import export
from portal.finance.ports import ExportAudit, PaymentHoldView, RevealAudit
from portal.finance.reads import RevealCallback, search_suppliers, supplier_view
from portal.finance.reveal import require_reveal
from portal.payments.attestation import AttestationKeys
from portal.payments.views import account_versions, attest_active_accounts
from portal.web.api_docs import API_SECURITY
from portal.web.api_models import SupplierPage, SupplierView, typed
from portal.web.context import audit_context
from portal.web.deps import FinanceDep
from portal.web.security import principal_of, requires

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ProfileParam = Annotated[
    str | None,
    QueryParameter(
        description="an ERP profile (erp_profiles/): its field names as the columns",
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
    ),
]
FINANCE_READERS = (
    Role.FINANCE,
    Role.PURCHASING_CLERK,
    Role.PURCHASING_SUPERVISOR,
    Role.ADMIN,
    Role.AUDITOR,
)


def _reveal_callback(
    request: Request[Any, Any, Any], reveal_audit: RevealAudit, want: bool
) -> RevealCallback | None:
    """Clear values only when asked for and allowed; each one is audited before it is shown
    (an audit that fails stops the answer: no value without its entry)."""
    if not want:
        return None
    principal: Principal = principal_of(request)
    require_reveal(principal)  # the one reveal rule, as on every route that reveals
    ctx = audit_context(request)

    def reveal(table: str, column: str, row_id: str) -> None:
        reveal_audit.record_reveal(ctx, table, column, row_id)

    return reveal


def _with_payment_hold(
    holds: PaymentHoldView,
    conn: Connection,
    views: list[dict[str, Any]],
    keys: AttestationKeys | None = None,
    *,
    revealed: bool = False,
) -> list[dict[str, Any]]:
    """Add ``payment_hold`` to each view, as the change-request rules decide it, and each
    bank account's version (``version_id``, ``version_state``, ``valid_from``, ``approvers``:
    a payment may go only to an ``active`` version) with its ``attestation`` when revealed."""
    accounts = [a for view in views for a in view["bank_accounts"]]
    now = datetime.now(UTC)
    versions = account_versions(conn, [a["id"] for a in accounts], now)
    for account in accounts:
        account.update(versions[account["id"]])
    attest_active_accounts(keys, views, now, revealed=revealed)
    found = holds.holds_of(conn, {view["id"]: view["lifecycle_state"] for view in views})
    for view in views:
        view["payment_hold"] = found[view["id"]]
    return views


class FinanceApi(Controller):
    """Validated, approved master data for finance systems."""

    path = "/api/v1/suppliers"
    guards = [requires(*FINANCE_READERS)]  # noqa: RUF012
    tags = ["finance"]  # noqa: RUF012
    security = API_SECURITY

    @get(
        "/",
        sync_to_thread=True,
        summary="Search suppliers (cursor pagination)",
        operation_id="searchSuppliers",
    )
    def search(
        self,
        request: Request[Any, Any, Any],
        finance: FinanceDep,
        q: Annotated[
            str | None, QueryParameter(description="name fragment", max_length=100)
        ] = None,
        uscc: Annotated[str | None, QueryParameter(max_length=40)] = None,
        lifecycle: Annotated[
            LifecycleState | None, QueryParameter(name="state", description="lifecycle state")
        ] = None,
        validated: Annotated[bool, QueryParameter(description="only validated suppliers")] = False,
        cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        reveal: Annotated[bool, QueryParameter(description="clear account numbers")] = False,
    ) -> SupplierPage:
        flt = SupplierFilter(
            uscc=uscc_number.compact(uscc) if uscc else None,
            name_contains=q,
            lifecycle_state=lifecycle.value if lifecycle else None,
            validated_only=validated,
        )
        callback = _reveal_callback(request, finance.reveal_audit, reveal)
        services = finance.services

        def read_page(conn: Connection) -> dict[str, Any]:
            page = search_suppliers(
                conn, services.suppliers, flt, cursor=cursor, limit=limit, reveal=callback
            )
            items = _with_payment_hold(
                finance.payment_holds, conn, page.items, finance.attestation_keys, revealed=reveal
            )
            return {"items": items, "next_cursor": page.next_cursor}

        return typed(read(services.engine, read_page), SupplierPage)

    @get(
        "/{uscc:str}",
        sync_to_thread=True,
        summary="One supplier by credit code",
        operation_id="getSupplierByUscc",
    )
    def by_uscc(
        self,
        request: Request[Any, Any, Any],
        finance: FinanceDep,
        uscc: FromPath[str],
        reveal: Annotated[bool, QueryParameter(description="clear account numbers")] = False,
    ) -> SupplierView:
        canonical = foreign_tax.supplier_number(uscc)  # a credit code or a foreign tax number
        callback = _reveal_callback(request, finance.reveal_audit, reveal)
        services = finance.services

        def read_one(conn: Connection) -> dict[str, Any]:
            supplier = services.suppliers.get_by_number(conn, canonical)
            if supplier is None:
                what = "foreign tax number" if ":" in canonical else "credit code"
                raise NotFoundException(f"no supplier with {what} {canonical.split(':')[-1]}")
            views = [supplier_view(supplier, reveal=callback)]
            views = _with_payment_hold(
                finance.payment_holds, conn, views, finance.attestation_keys, revealed=reveal
            )
            return views[0]

        return typed(read(services.engine, read_one), SupplierView)

    @get(
        "/export.csv",
        sync_to_thread=True,
        summary="Export as CSV (UTF-8 with BOM)",
        operation_id="exportSuppliersCsv",
        media_type="text/csv; charset=utf-8",
        responses={
            200: ResponseSpec(
                data_container=bytes,
                media_type="text/csv; charset=utf-8",
                description="the suppliers as CSV (UTF-8 with BOM)",
                generate_examples=False,
            )
        },
    )
    def export_csv(
        self,
        request: Request[Any, Any, Any],
        finance: FinanceDep,
        validated: Annotated[bool, QueryParameter(description="only validated suppliers")] = True,
        lifecycle: Annotated[
            LifecycleState | None, QueryParameter(name="state", description="lifecycle state")
        ] = None,
        profile: ProfileParam = None,
    ) -> Stream:
        rows, header = _audited_rows(
            request, finance.services, finance.export_audit, "csv", validated, _value(lifecycle),
            finance.payment_holds, profile,
        )  # fmt: skip
        return Stream(
            export.csv_chunks(rows, header),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="suppliers.csv"'},
        )

    @get(
        "/export.xlsx",
        sync_to_thread=True,
        summary="Export as XLSX",
        operation_id="exportSuppliersXlsx",
        media_type=XLSX,
        responses={
            200: ResponseSpec(
                data_container=bytes,
                media_type=XLSX,
                description="the suppliers as an XLSX workbook",
                generate_examples=False,
            )
        },
    )
    def export_xlsx(
        self,
        request: Request[Any, Any, Any],
        finance: FinanceDep,
        validated: Annotated[bool, QueryParameter(description="only validated suppliers")] = True,
        lifecycle: Annotated[
            LifecycleState | None, QueryParameter(name="state", description="lifecycle state")
        ] = None,
        profile: ProfileParam = None,
    ) -> Response[bytes]:
        rows, header = _audited_rows(
            request, finance.services, finance.export_audit, "xlsx", validated, _value(lifecycle),
            finance.payment_holds, profile,
        )  # fmt: skip
        return Response(
            export.xlsx_bytes(rows, header),
            media_type=XLSX,
            headers={"content-disposition": 'attachment; filename="suppliers.xlsx"'},
        )


def _value(state: LifecycleState | None) -> str | None:
    return state.value if state is not None else None


def _audited_rows(
    request: Request[Any, Any, Any],
    services: Services,
    audit: ExportAudit,
    file_format: str,
    validated: bool,
    lifecycle: str | None,
    holds: PaymentHoldView | None = None,
    profile_name: str | None = None,
) -> tuple[list[list[str]], list[str] | None]:
    """The rows of a finance export (with each supplier's payment hold), its audit entry
    committed first, and the header when an ERP profile names the columns."""
    flt = SupplierFilter(lifecycle_state=lifecycle, validated_only=validated)
    criteria = {"validated": "true" if validated else "false", "state": lifecycle}
    views, ctx = _all_views(services, flt, holds), audit_context(request)
    if profile_name is None:
        rows = export.audited_rows(views, audit, ctx, file_format=file_format, criteria=criteria)
        return rows, None
    profiles = profiles_of(services.settings.data_dir)  # a broken file: 422 naming it
    if profile_name not in profiles:
        raise ProfileNotFoundError(profile_name, profiles)
    profile = profiles[profile_name]
    rows = audited_profile_rows(
        profile, views, audit, ctx, file_format=file_format, criteria=criteria
    )
    return rows, erp_export.header(profile)


def _all_views(services: Services, flt: SupplierFilter, holds: PaymentHoldView | None) -> Any:
    """Every matching supplier, page by page, masked, with its payment hold."""
    cursor: str | None = None
    while True:
        with services.engine.connect() as conn:
            page = search_suppliers(conn, services.suppliers, flt, cursor=cursor, limit=500)
            if holds is not None:
                _with_payment_hold(holds, conn, page.items)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
