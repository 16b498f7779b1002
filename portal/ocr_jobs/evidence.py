"""Which licence a change request was read from: a finding the request carries.

A supplier who submits the form pre-filled from a licence reading sends the request with
a ``licence.attached`` finding (source ``ocr``) that names the reading and its document;
the approval page follows it back to the image and the values read. The finding says
nothing about the values themselves: those stay in the reading.

>>> f = attachment("job-1", "doc-1")
>>> (f.code, f.source, dict(f.evidence))
('licence.attached', 'ocr', {'ocr_job': 'job-1', 'document': 'doc-1'})
>>> attached_reading((f,))
('job-1', 'doc-1')
>>> attached_reading(()) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.domain.findings import Finding, Severity

__all__ = ["ATTACHED", "QR_DISAGREES", "attached_reading", "attachment", "qr_disagreement"]

ATTACHED = "licence.attached"
QR_DISAGREES = "licence.qr_disagrees"


def attachment(job_id: str, document_id: str) -> Finding:
    """The finding that ties a request to the licence reading it was filled from."""
    return Finding(
        code=ATTACHED,
        severity=Severity.INFO,
        field_name=None,
        message_en="Filled in from the uploaded business licence",
        message_zh="依据上传的营业执照填写",
        source="ocr",
        evidence={"ocr_job": job_id, "document": document_id},
    )


def qr_disagreement(printed: str, qr_code: str) -> Finding:
    """The finding a request carries when the licence's QR code names another credit code.

    >>> f = qr_disagreement("91110000600037341L", "91120116023704967J")
    >>> f.message_zh
    '营业执照上的二维码指向统一社会信用代码 91120116023704967J，执照上印的是 91110000600037341L'
    """
    return Finding(
        code=QR_DISAGREES,
        severity=Severity.WARNING,
        field_name="uscc",
        message_en=f"The QR code on the licence names credit code {qr_code}; "
        f"the licence prints {printed}",
        message_zh=f"营业执照上的二维码指向统一社会信用代码 {qr_code}，执照上印的是 {printed}",
        source="ocr",
        evidence={"printed": printed, "qr": qr_code},
    )


def attached_reading(findings: Iterable[object]) -> tuple[str, str] | None:
    """``(job id, document id)`` of the licence a request was filled from, if any."""
    for item in findings:
        if getattr(item, "code", None) != ATTACHED:
            continue
        evidence = getattr(item, "evidence", {}) or {}
        job, document = evidence.get("ocr_job"), evidence.get("document")
        if isinstance(job, str) and isinstance(document, str):
            return job, document
    return None
