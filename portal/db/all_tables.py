"""Import every module that defines tables, so the metadata is complete."""

from portal.db import tables

__all__ = ["tables"]
