"""Relationship graph, duplicates, contracts/invoices/stores and the data-health dashboard.

JSON under ``/api/v1`` for staff roles, pages under ``/staff``. Handlers parse,
call a service and return its view; the few domain errors of these services
map to HTTP in the one table (:mod:`portal.web.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeAlias

from litestar import Controller, MediaType, Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Template
from msgspec import Struct, to_builtins

from portal.audit.log import AuditLog
from portal.bootstrap import Collaborators
from portal.core import Services
from portal.dashboard import health
from portal.dedup import DISMISSERS, decide_not_the_same, open_pairs
from portal.domain.principal import STAFF, Role
from portal.graph import neighbourhood as graph
from portal.graph import relations_import
from portal.graph.relations import upsert_relation
from portal.web.api_models import FindingDetail, typed
from portal.web.context import audit_context
from portal.web.deps import ServicesDep
from portal.web.errors import handlers
from portal.web.i18n import add_messages, translator
from portal.web.paging import page_link
from portal.web.security import principal_of, requires
from portal.web.site import Contribution
from portal.web.staff_api_models import (
    ContractIn,
    ContractPage,
    DuplicatePage,
    HealthReportView,
    InvoiceIn,
    InvoicePage,
    InvoiceStatus,
    NotTheSameDecision,
    NotTheSameIn,
    RejectionCause,
    RelationOutcome,
    RelationStatus,
    StoreIn,
    StorePage,
    SupplierGraph,
)
from portal.workbench.duplicates import DuplicateQuery, list_duplicates

READERS = tuple(sorted(STAFF))
WRITERS = (Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.FINANCE, Role.ADMIN)
#: The coarse guard; who may dismiss the pair in hand is the use case's decision.
DECIDERS = tuple(sorted(DISMISSERS))

MESSAGES = {
    "graph.title": {"zh": "关系图谱", "en": "Relationship graph"},
    "graph.legend": {
        "zh": "合同、发票、门店、银行账户、联系人，"
        "以及通过共用账户/电话/法人地址/门店关联的其他供应商",
        "en": "Contracts, invoices, stores, accounts, contacts, and suppliers linked "
        "through a shared account, phone, legal representative and address, or store",
    },
    "health.title": {"zh": "数据健康", "en": "Data health"},
    "health.verified": {
        "zh": "关键字段全部核验的在用供应商",
        "en": "Active suppliers fully verified",
    },
    "health.duplicates": {"zh": "待处理的疑似重复", "en": "Open duplicates"},
    "health.all_duplicates": {
        "zh": "查看全部 {n} 对疑似重复",
        "en": "See all {n} likely duplicate pairs",
    },
    "health.merge_into_left": {
        "zh": "合并到左侧（提交审批）",
        "en": "Merge into the left one (for approval)",
    },
    "health.not_the_same": {"zh": "不是同一家", "en": "Not the same"},
    "health.expiring": {"zh": "即将到期的营业执照", "en": "Licences expiring"},
    "health.changes": {"zh": "待审批的变更（按等待时长）", "en": "Pending change requests by age"},
    "health.na": {"zh": "0 / 暂无（变更审批未启用）", "en": "0 / not available"},
    "health.invoices": {
        "zh": "主数据导致的发票拒收",
        "en": "Invoice rejections caused by master data",
    },
}


HANDLERS = handlers(http=False)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class GraphRuntime:
    """The area's collaborators, built once by :func:`graph_area`."""

    services: Services
    audit: AuditLog


#: ``graph: GraphDep`` in a handler signature gets the area's runtime.
GraphDep: TypeAlias = NamedDependency[GraphRuntime]


class GraphApi(Controller):
    """Graph, duplicates and the dashboard numbers as JSON."""

    path = "/api/v1"
    guards = [requires(*READERS)]  # noqa: RUF012
    tags = ["graph"]  # noqa: RUF012
    exception_handlers = HANDLERS

    @get(
        "/suppliers/{supplier_id:str}/graph",
        sync_to_thread=True,
        summary="Neighbourhood",
        operation_id="getSupplierGraph",
    )
    def supplier_graph(
        self,
        services: ServicesDep,
        supplier_id: FromPath[str],
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 40,
    ) -> SupplierGraph:
        with services.engine.connect() as conn:
            found = graph.supplier_graph(conn, services.sealer, supplier_id, limit=limit)
        return typed(found.as_dict(), SupplierGraph)

    @get(
        "/data-health",
        sync_to_thread=True,
        summary="Data-health dashboard numbers",
        operation_id="getDataHealth",
    )
    def data_health(self, services: ServicesDep) -> HealthReportView:
        now = _now()
        with services.engine.connect() as conn:
            report = health.health_report(conn, today=now.date(), now=now)
        return typed(report.as_dict(), HealthReportView)

    @get(
        "/duplicates",
        sync_to_thread=True,
        summary="Open likely duplicates",
        operation_id="listDuplicates",
    )
    def duplicates(
        self,
        services: ServicesDep,
        supplier_id: Annotated[str | None, QueryParameter(max_length=36)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> DuplicatePage:
        with services.engine.connect() as conn:
            pairs = open_pairs(conn, supplier_id=supplier_id, limit=limit)
        return typed({"items": [p.as_dict() for p in pairs]}, DuplicatePage)

    @post(
        "/duplicates/not-the-same",
        sync_to_thread=True,
        guards=[requires(*DECIDERS)],
        summary="Decide that two suppliers are not the same (remembered: never raised again)",
        operation_id="decideNotTheSame",
    )
    def not_the_same(
        self,
        request: Request[Any, Any, Any],
        graph: GraphDep,
        data: JSONBody[NotTheSameIn],
    ) -> NotTheSameDecision:
        decide_not_the_same(
            graph.services.engine,
            graph.audit,
            audit_context(request),
            principal_of(request),
            data.a_id,
            data.b_id,
            now=_now(),
            note=data.note,
        )
        return NotTheSameDecision(status="decided", decision="not_the_same")


@dataclass(frozen=True)
class _Relation:
    """The typed bodies of one kind of relation."""

    kind: str
    noun: str  # singular, for the summaries and operation ids
    body: type[Struct]
    page: type[Struct]


RELATIONS = (
    _Relation("contracts", "Contract", ContractIn, ContractPage),
    _Relation("invoices", "Invoice", InvoiceIn, InvoicePage),
    _Relation("stores", "Store", StoreIn, StorePage),
)


def _listed(services: Services, kind: str, limit: int, **filters: str | None) -> dict[str, Any]:
    with services.engine.connect() as conn:
        items = relations_import.list_relations(conn, kind, limit=limit, **filters)
    return {"items": items, "next_after": items[-1]["id"] if len(items) == limit else None}


SupplierFilter = Annotated[str | None, QueryParameter(max_length=36)]
After = Annotated[str | None, QueryParameter(max_length=36, description="the last id seen")]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]


def _list_invoices(
    self: Controller,
    services: ServicesDep,
    supplier_id: SupplierFilter = None,
    status: Annotated[InvoiceStatus | None, QueryParameter()] = None,
    rejection_cause: Annotated[RejectionCause | None, QueryParameter()] = None,
    after: After = None,
    limit: Limit = 100,
) -> InvoicePage:
    found = _listed(
        services, "invoices", limit, supplier_id=supplier_id, after=after,
        status=status.value if status else None,
        rejection_cause=rejection_cause.value if rejection_cause else None,
    )  # fmt: skip
    return typed(found, InvoicePage)


def _relations_controller(relation: _Relation) -> type[Controller]:
    """List and upsert endpoints for contracts, invoices or stores."""
    kind, page = relation.kind, relation.page

    def listing(
        self: Controller,
        services: ServicesDep,
        supplier_id: SupplierFilter = None,
        after: After = None,
        limit: Limit = 100,
    ) -> Any:
        return typed(_listed(services, kind, limit, supplier_id=supplier_id, after=after), page)

    def upsert(
        self: Controller, request: Request[Any, Any, Any], services: ServicesDep, data: Any
    ) -> Response[RelationOutcome]:
        outcome = upsert_relation(
            services.engine, kind, to_builtins(data),
            audit=AuditLog(services.sealer), ctx=audit_context(request),
        )  # fmt: skip
        body = RelationOutcome(
            status=RelationStatus(outcome.status),
            id=outcome.row_id or "",
            supplier_id=outcome.ref.supplier_id,
            matched_by=outcome.ref.how,
            findings=[typed(f.as_dict(), FindingDetail) for f in outcome.findings],
        )
        return Response(body, status_code=201 if outcome.status == "created" else 200)

    # the typed signatures differ by kind: the document names each kind's own models
    listing.__annotations__["return"] = page
    upsert.__annotations__["data"] = JSONBody[relation.body]  # type: ignore[misc,name-defined]
    lister = _list_invoices if kind == "invoices" else listing
    return type(
        f"{kind.title()}Api",
        (Controller,),
        {
            "path": f"/api/v1/{kind}",
            "guards": [requires(*READERS)],
            "tags": ["relations"],
            "__doc__": f"{kind.title()} (list, create or update).",
            "listing": get(
                "/",
                sync_to_thread=True,
                summary=f"List {kind}",
                operation_id=f"list{relation.noun}s",
            )(lister),
            "upsert": post(
                "/",
                sync_to_thread=True,
                guards=[requires(*WRITERS)],
                summary=f"Create or update one of the {kind} (201 created, 200 updated)",
                operation_id=f"upsert{relation.noun}",
                responses={
                    200: ResponseSpec(
                        RelationOutcome, description="updated", generate_examples=False
                    ),
                    201: ResponseSpec(
                        RelationOutcome, description="created", generate_examples=False
                    ),
                },
            )(upsert),
        },
    )


def _page(request: Request[Any, Any, Any], template: str, **context: Any) -> Template:
    return Template(
        template_name=template,
        context={"user": request.scope.get("user"), "t": translator(request), **context},
    )


class GraphPages(Controller):
    """The graph page and the dashboard page (HTML, everything served by us)."""

    path = "/staff"
    guards = [requires(*READERS)]  # noqa: RUF012
    include_in_schema = False
    exception_handlers = HANDLERS

    @get("/suppliers/{supplier_id:str}/graph", sync_to_thread=True, media_type=MediaType.HTML)
    def graph_page(
        self,
        request: Request[Any, Any, Any],
        services: ServicesDep,
        supplier_id: FromPath[str],
    ) -> Template:
        with services.engine.connect() as conn:
            data = graph.supplier_graph(conn, services.sealer, supplier_id).as_dict()
        return _page(request, "graph/supplier_graph.html", graph=data)

    @get("/data-health", sync_to_thread=True, media_type=MediaType.HTML)
    def health_page(self, request: Request[Any, Any, Any], services: ServicesDep) -> Template:
        now = _now()
        with services.engine.connect() as conn:
            report = health.health_report(conn, today=now.date(), now=now)
        return _page(request, "graph/data_health.html", report=report.as_dict())

    @get("/duplicates", sync_to_thread=True, media_type=MediaType.HTML)
    def duplicates_page(self, request: Request[Any, Any, Any], services: ServicesDep) -> Template:
        """Every open likely duplicate, a page at a time, with its merge / not-the-same acts."""
        query = DuplicateQuery.of(**dict(request.query_params.items()))
        found = list_duplicates(services.engine, services.sealer, principal_of(request), query)
        return _page(
            request, "graph/duplicates.html", found=found, query=query, link=page_link(request)
        )


def graph_area(collaborators: Collaborators) -> Contribution:
    """The area: JSON APIs and pages."""
    add_messages(MESSAGES)
    services = collaborators.services
    runtime = GraphRuntime(services, AuditLog(services.sealer))
    router = Router(
        path="/",
        route_handlers=[GraphApi, GraphPages, *(_relations_controller(r) for r in RELATIONS)],
        dependencies={"graph": Provide(lambda: runtime, sync_to_thread=False)},
    )
    return Contribution(route_handlers=[router])
