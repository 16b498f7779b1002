"""Staff open a supplier's document: checked, scoped to the supplier, audited.

:func:`open_supplier_document` is the use case behind the staff document route
(``/staff/suppliers/{supplier}/documents/{document}``): the reader must be one of the
staff roles in :data:`READERS` (deny by default: a supplier user, or any role not listed,
is refused whatever the route's guard said), the document must belong to the supplier
named in the address, and ``document.read`` is written before a byte is decrypted
(:func:`~portal.documents.store.open_document`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Engine, select

from crypto.documents import DocumentVault
from portal.audit.log import AuditContext, AuditLog
from portal.documents.errors import DocumentNotFoundError
from portal.documents.store import DOCUMENT, DocumentInfo, open_document
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role

__all__ = ["READERS", "DocumentReadRefusedError", "open_supplier_document"]

#: Who may open suppliers' documents on the staff side.
READERS = frozenset(
    {
        Role.PURCHASING_CLERK,
        Role.PURCHASING_SUPERVISOR,
        Role.FINANCE,
        Role.AUDITOR,
        Role.ADMIN,
    }
)


class DocumentReadRefusedError(PortalError, PermissionError):
    """Only staff open suppliers' documents here."""

    kind = ErrorKind.FORBIDDEN
    code = "document.staff_only"

    def __init__(self) -> None:
        super().__init__(
            "only staff open suppliers' documents here",
            message_zh="仅限内部员工在此查看供应商文件",
        )


def open_supplier_document(
    engine: Engine,
    vault: DocumentVault,
    audit: AuditLog,
    ctx: AuditContext,
    reader: Principal,
    supplier_id: str,
    document_id: str,
    *,
    now: datetime,
) -> tuple[DocumentInfo, Iterator[bytes]]:
    """The document's details and bytes, for staff, when it is this supplier's."""
    if reader.role not in READERS:
        raise DocumentReadRefusedError
    with engine.connect() as conn:
        owner = conn.scalar(select(DOCUMENT.c.supplier_id).where(DOCUMENT.c.id == document_id))
    if owner is None or owner != supplier_id:
        raise DocumentNotFoundError(
            "this supplier has no such document", message_zh="该供应商没有此文件"
        )
    return open_document(engine, vault, audit, ctx, reader, document_id, now=now)
