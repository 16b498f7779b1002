"""Importing the supplier list a company already has (xlsx, csv).

:mod:`.readers` reads the file, :mod:`.headers` maps its headers onto the catalogue's
import keys, :mod:`.run` files each row (new suppliers registered, known ones through
:mod:`.changes` as change requests); :mod:`.audited` is the use case every channel
calls (permission, file hash, audit entries).
"""

__all__ = ["audited", "changes", "headers", "readers", "run"]
