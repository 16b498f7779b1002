"""Supplier documents: uploads checked, encrypted, stored and read back audited.

- :mod:`~portal.documents.store`: upload, open and list documents.
"""

__all__ = ["store"]
