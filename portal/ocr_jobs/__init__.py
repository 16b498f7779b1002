"""Business-licence OCR off the request path: upload, queue, read, pre-fill, compare.

- :mod:`~portal.ocr_jobs.queue`: jobs stored, claimed with a lease, settled;
- :mod:`~portal.ocr_jobs.worker`: the reader called on a claimed job, the in-process worker;
- :mod:`~portal.ocr_jobs.prefill`: a reading as the supplier's form and the comparison.
"""

from portal.ocr_jobs.prefill import (
    FORM_FIELDS,
    ComparisonRow,
    Prefill,
    PrefillField,
    compare_sources,
    prefill,
    proposal_from_form,
)
from portal.ocr_jobs.queue import (
    JobState,
    OcrJob,
    OcrJobNotFoundError,
    OcrJobSettings,
    claim_next,
    enqueue_licence,
    get_job,
)
from portal.ocr_jobs.worker import (
    OcrWorker,
    OcrWorkerDeps,
    Reader,
    default_reader,
    read_document,
    run_next,
)

__all__ = [
    "FORM_FIELDS",
    "ComparisonRow",
    "JobState",
    "OcrJob",
    "OcrJobNotFoundError",
    "OcrJobSettings",
    "OcrWorker",
    "OcrWorkerDeps",
    "Prefill",
    "PrefillField",
    "Reader",
    "claim_next",
    "compare_sources",
    "default_reader",
    "enqueue_licence",
    "get_job",
    "prefill",
    "proposal_from_form",
    "read_document",
    "run_next",
]
