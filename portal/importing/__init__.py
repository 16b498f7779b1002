"""Importing the supplier list a company already has (xlsx, csv).

:mod:`.readers` reads the file, :mod:`.headers` maps its headers onto the catalogue's
import keys, :mod:`.run` files each row (new suppliers registered, known ones through
:mod:`.changes` as change requests); :mod:`.audited` is the use case every channel
calls (permission, file hash, audit entries). The web import: :mod:`.jobs` (upload,
confirm, the job table and its claims), :mod:`.worker` (the check, import and first
verification phases), :mod:`.workbook` (sheets, hidden rows and columns).
"""

__all__ = ["audited", "changes", "headers", "jobs", "readers", "run", "workbook", "worker"]
