"""A supplier's neighbourhood: what hangs off it and who else it is tied to.

Nodes are the supplier, its contracts, invoices, stores, bank accounts and
contacts (account numbers and phones masked), and other suppliers linked
through a shared account or phone, the same legal representative at the same
address, a store they both supply, or an open duplicate finding. Each kind of
neighbour is capped so a supplier of a thousand stores still draws.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from crypto import mask_bank_account, mask_phone
from portal.db.sealing import Sealer
from portal.db.tables import StoreRow, table_of
from portal.dedup.tables import (
    BANK,
    CONTACT,
    CONTRACT,
    INVOICE,
    KEY,
    PAIR,
    STORE_SUPPLIER,
    SUPPLIER,
)
from portal.resolution import SupplierNotFoundError
from portal.resolution.keys import REP_ADDRESS

STORE = table_of(StoreRow)


@dataclass(frozen=True)
class Node:
    """One thing in the graph (``id`` is ``kind:row id``)."""

    id: str
    kind: str
    label: str
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Edge:
    """A tie between two nodes."""

    source: str
    target: str
    kind: str


@dataclass
class Graph:
    """Nodes and edges around one supplier."""

    center: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    truncated: bool = False

    def add(self, node: Node, source: str | None = None, kind: str = "") -> None:
        """Add a node (once) and, when ``source`` is given, an edge to it."""
        self.nodes.setdefault(node.id, node)
        if source is not None:
            edge = Edge(source, node.id, kind)
            if edge not in self.edges:
                self.edges.append(edge)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "center": self.center,
            "nodes": [
                {"id": n.id, "kind": n.kind, "label": n.label, "detail": n.detail}
                for n in self.nodes.values()
            ],
            "edges": [{"source": e.source, "target": e.target, "kind": e.kind} for e in self.edges],
            "truncated": self.truncated,
        }


def _capped(rows: Iterable[Any], limit: int, graph: Graph) -> list[Any]:
    taken = list(rows)
    if len(taken) > limit:
        graph.truncated = True
    return taken[:limit]


def supplier_graph(conn: Connection, sealer: Sealer, supplier_id: str, *, limit: int = 40) -> Graph:
    """The neighbourhood of one supplier; raises SupplierNotFoundError."""
    row = conn.execute(select(SUPPLIER).where(SUPPLIER.c.id == supplier_id)).first()
    if row is None:
        raise SupplierNotFoundError(supplier_id)
    center = f"supplier:{supplier_id}"
    graph = Graph(center)
    graph.add(_supplier_node(row))

    def capped(query: Any) -> list[Any]:
        return _capped(conn.execute(query.limit(limit + 1)), limit, graph)

    contracts = select(CONTRACT).where(CONTRACT.c.supplier_id == supplier_id)
    for c in capped(contracts.order_by(CONTRACT.c.contract_number)):
        detail = {"valid_to": str(c.valid_to or ""), "amount": str(c.amount or "")}
        label = f"{c.contract_number} {c.title}"
        graph.add(Node(f"contract:{c.id}", "contract", label, detail), center, "contract")
    invoices = select(INVOICE).where(INVOICE.c.supplier_id == supplier_id)
    for i in capped(invoices.order_by(INVOICE.c.issued_on.desc(), INVOICE.c.id)):
        detail = {
            "status": i.status,
            "rejection_cause": i.rejection_cause or "",
            "amount": str(i.amount or ""),
        }
        label = f"{i.invoice_code}-{i.invoice_number}".strip("-")
        graph.add(Node(f"invoice:{i.id}", "invoice", label, detail), center, "invoice")
    stores = capped(
        select(STORE)
        .join(STORE_SUPPLIER, STORE_SUPPLIER.c.store_id == STORE.c.id)
        .where(STORE_SUPPLIER.c.supplier_id == supplier_id)
        .order_by(STORE.c.code)
    )
    for s in stores:
        graph.add(Node(f"store:{s.id}", "store", f"{s.code} {s.name}"), center, "supplies")
    accounts = list(conn.execute(select(BANK).where(BANK.c.supplier_id == supplier_id)))
    for a in accounts:
        number = sealer.open("bank_account", "account_number", a.id, a.account_number_enc).value
        masked = mask_bank_account(number) if number else "****"
        detail = {"retired": str(a.retired).lower()}
        node = Node(f"account:{a.id}", "bank_account", f"{a.bank_name} {masked}", detail)
        graph.add(node, center, "paid_into")
    contacts = list(conn.execute(select(CONTACT).where(CONTACT.c.supplier_id == supplier_id)))
    for c in contacts:
        phone = sealer.open("contact", "phone", c.id, c.phone_enc).value
        label = f"{c.name} {mask_phone(phone) if phone else ''}".strip()
        graph.add(Node(f"contact:{c.id}", "contact", label), center, "contact")
    _linked(conn, graph, supplier_id, accounts, contacts, [s.id for s in stores], limit)
    return graph


def _supplier_node(row: Any) -> Node:
    detail = {
        "uscc": row.uscc,
        "lifecycle_state": row.lifecycle_state,
        "validated": str(row.validated).lower(),
    }
    return Node(f"supplier:{row.id}", "supplier", row.name, detail)


def _linked(
    conn: Connection,
    graph: Graph,
    supplier_id: str,
    accounts: list[Any],
    contacts: list[Any],
    store_ids: list[str],
    limit: int,
) -> None:
    """Other suppliers tied to this one, and through what."""
    ties: list[tuple[str, str, str]] = []  # (from node, other supplier id, kind)
    by_index = {a.account_number_bidx: f"account:{a.id}" for a in accounts}
    for index, sid in conn.execute(
        select(BANK.c.account_number_bidx, BANK.c.supplier_id).where(
            BANK.c.account_number_bidx.in_(list(by_index)), BANK.c.supplier_id != supplier_id
        )
    ):
        ties.append((by_index[index], sid, "shares_account"))
    by_phone = {c.phone_bidx: f"contact:{c.id}" for c in contacts if c.phone_bidx}
    for index, sid in conn.execute(
        select(CONTACT.c.phone_bidx, CONTACT.c.supplier_id).where(
            CONTACT.c.phone_bidx.in_(list(by_phone)), CONTACT.c.supplier_id != supplier_id
        )
    ):
        ties.append((by_phone[index], sid, "shares_phone"))
    rep_keys = list(
        conn.scalars(
            select(KEY.c.key).where(
                KEY.c.supplier_id == supplier_id, KEY.c.key.startswith(REP_ADDRESS)
            )
        )
    )
    center = f"supplier:{supplier_id}"
    for sid in conn.scalars(
        select(KEY.c.supplier_id)
        .where(KEY.c.key.in_(rep_keys), KEY.c.supplier_id != supplier_id)
        .limit(limit + 1)
    ):
        ties.append((center, sid, "same_legal_rep_address"))
    for store_id, sid in conn.execute(
        select(STORE_SUPPLIER.c.store_id, STORE_SUPPLIER.c.supplier_id)
        .where(
            STORE_SUPPLIER.c.store_id.in_(store_ids), STORE_SUPPLIER.c.supplier_id != supplier_id
        )
        .limit(limit + 1)
    ):
        ties.append((f"store:{store_id}", sid, "supplies"))
    for a, b in conn.execute(
        select(PAIR.c.a_id, PAIR.c.b_id)
        .where((PAIR.c.a_id == supplier_id) | (PAIR.c.b_id == supplier_id))
        .distinct()
    ):
        ties.append((center, b if a == supplier_id else a, "possible_duplicate"))
    ties = _capped(ties, limit, graph)
    others = {sid for _, sid, _ in ties}
    rows = {r.id: r for r in conn.execute(select(SUPPLIER).where(SUPPLIER.c.id.in_(others)))}
    for source, sid, kind in ties:
        if sid in rows:
            graph.add(_supplier_node(rows[sid]))
            graph.edges.append(Edge(source, f"supplier:{sid}", kind))
