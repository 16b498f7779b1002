"""Supplier documents: checked, encrypted into the vault, listed and read back, all scoped.

A document is accepted only when its first bytes are those of an allowed type (PDF, JPEG,
PNG: whatever the browser or the file name claims), its whole structure is that type's
(:func:`~portal.documents.inspection.check_structure`) and it is no larger than the limit.
The bytes go encrypted into the :class:`~crypto.documents.DocumentVault`; the row in
``document`` keeps the wrapped per-document key. A supplier user only ever reaches their
own supplier's documents; uploads and downloads are audited.
"""

from __future__ import annotations

import base64
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select

from crypto.documents import DocumentVault
from crypto.model import Algorithm, StoredDocument
from portal.audit.log import AuditContext, AuditLog
from portal.db.tables import DocumentRow, table_of
from portal.documents.errors import DocumentNotFoundError, DocumentRejectedError
from portal.documents.inspection import ALLOWED_TYPES, check_structure, sniff
from portal.domain.principal import Principal, Role

__all__ = [
    "ALLOWED_TYPES",
    "KINDS",
    "DocumentInfo",
    "DocumentNotFoundError",
    "DocumentRejectedError",
    "list_documents",
    "open_document",
    "sniff",
    "upload_document",
]

DOCUMENT = table_of(DocumentRow)
KINDS = ("business_licence", "bank_permit", "invoice_info", "other")


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    supplier_id: str
    kind: str
    filename: str
    content_type: str
    size: int
    uploaded_by: str
    created_at: datetime


def _safe_name(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    return (name or "document")[:200]


def _scope(viewer: Principal, supplier_id: str) -> None:
    if viewer.role is Role.SUPPLIER and viewer.supplier_id != supplier_id:
        raise DocumentNotFoundError(f"no documents of supplier {supplier_id}")


def upload_document(
    engine: Engine,
    vault: DocumentVault,
    audit: AuditLog,
    ctx: AuditContext,
    uploader: Principal,
    supplier_id: str,
    *,
    kind: str,
    filename: str,
    content: bytes,
    max_bytes: int,
    now: datetime,
) -> DocumentInfo:
    """Check, encrypt and record one document."""
    _scope(uploader, supplier_id)
    if kind not in KINDS:
        raise DocumentRejectedError(f"unknown document kind {kind!r}", code="document.kind")
    if len(content) > max_bytes:
        raise DocumentRejectedError(
            f"the file has {len(content)} bytes; at most {max_bytes} are accepted",
            code="document.too_large",
        )
    content_type = check_structure(content)
    doc_id = str(uuid.uuid4())
    stored = vault.store(doc_id, io.BytesIO(content))
    key_material = json.dumps(
        {
            "wrapped_key": base64.b64encode(stored.wrapped_key).decode(),
            "key_version": stored.key_version,
            "algorithm": stored.algorithm.value,
        }
    )
    info = DocumentInfo(
        doc_id,
        supplier_id,
        kind,
        _safe_name(filename),
        content_type,
        stored.size,
        uploader.subject,
        now,
    )
    with engine.begin() as conn:
        conn.execute(
            insert(DOCUMENT).values(
                id=doc_id,
                supplier_id=supplier_id,
                kind=kind,
                filename=info.filename,
                content_type=content_type,
                size=stored.size,
                sha256=stored.sha256,
                key_material=key_material,
                uploaded_by=uploader.subject,
                created_at=now,
            )
        )
        audit.record(
            conn,
            ctx,
            "document.uploaded",
            subject_type="supplier",
            subject_id=supplier_id,
            field_name=f"document[{doc_id}]",
            after=f"{kind} {info.filename} {content_type} {stored.size}",
            now=now,
        )
    return info


def _info(row: object) -> DocumentInfo:
    return DocumentInfo(
        id=row.id,  # type: ignore[attr-defined]
        supplier_id=row.supplier_id,  # type: ignore[attr-defined]
        kind=row.kind,  # type: ignore[attr-defined]
        filename=row.filename,  # type: ignore[attr-defined]
        content_type=row.content_type,  # type: ignore[attr-defined]
        size=row.size,  # type: ignore[attr-defined]
        uploaded_by=row.uploaded_by,  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
    )


def list_documents(engine: Engine, viewer: Principal, supplier_id: str) -> list[DocumentInfo]:
    """The supplier's documents, newest first."""
    _scope(viewer, supplier_id)
    with engine.connect() as conn:
        rows = conn.execute(
            select(DOCUMENT)
            .where(DOCUMENT.c.supplier_id == supplier_id)
            .order_by(DOCUMENT.c.created_at.desc())
        )
        return [_info(r) for r in rows]


def open_document(
    engine: Engine,
    vault: DocumentVault,
    audit: AuditLog,
    ctx: AuditContext,
    viewer: Principal,
    document_id: str,
    *,
    now: datetime,
) -> tuple[DocumentInfo, Iterator[bytes]]:
    """The document's details and its decrypted bytes (audited as ``document.read``)."""
    with engine.begin() as conn:
        row = conn.execute(select(DOCUMENT).where(DOCUMENT.c.id == document_id)).first()
        if row is None or (viewer.role is Role.SUPPLIER and viewer.supplier_id != row.supplier_id):
            raise DocumentNotFoundError(f"no document {document_id}")
        audit.record(
            conn,
            ctx,
            "document.read",
            subject_type="supplier",
            subject_id=row.supplier_id,
            field_name=f"document[{document_id}]",
            now=now,
        )
    material = json.loads(row.key_material)
    stored = StoredDocument(
        size=row.size,
        sha256=row.sha256,
        wrapped_key=base64.b64decode(material["wrapped_key"]),
        key_version=int(material["key_version"]),
        algorithm=Algorithm(material["algorithm"]),
    )
    return _info(row), vault.open(document_id, stored)
