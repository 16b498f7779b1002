"""The core collaborators every use case may take, and the error of a missing one.

:class:`Services` is built by the composition root (:mod:`portal.bootstrap`) or by a
test; use cases import it from here, never from the composition root, so loading a use
case never loads the wiring of the whole product.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from crypto import Keyring
from crypto.documents import DocumentVault
from portal.config import Settings
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore

__all__ = ["MissingCollaboratorError", "Services"]


class MissingCollaboratorError(RuntimeError):
    """A collaborator the service cannot run without was not provided: it refuses to start
    (never a degraded service). The message names the collaborator."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"{name} is missing: {why}")
        self.name = name


@dataclass
class Services:
    """The engine, the keyring and the stores: built once per process."""

    settings: Settings
    engine: Engine
    keyring: Keyring
    sealer: Sealer
    suppliers: SupplierStore
    documents: DocumentVault
