"""The composition root: builds the real parts from settings, in one place.

Starting fails closed: without the customer's key, or when the cipher
self-test fails, nothing is served and the message says which key is missing
and how to provide it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import Engine

from crypto import Algorithm, KeyProvider, Keyring, run_self_test
from crypto.adapters.local import LocalKeyProvider
from crypto.documents import DocumentVault
from portal.config import CryptoSettings, Settings
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.document_store import DocumentStoreSettings, blob_storage_from_settings


@dataclass
class Services:
    """Everything the CLI and the web layer use, built once."""

    settings: Settings
    engine: Engine
    keyring: Keyring
    sealer: Sealer
    suppliers: SupplierStore
    documents: DocumentVault


def key_provider(crypto: CryptoSettings) -> KeyProvider:
    """The customer's KEK: an HSM through PKCS#11 when configured, else a local key."""
    if crypto.pkcs11_module:
        from crypto.adapters.pkcs11 import Pkcs11KeyProvider

        return Pkcs11KeyProvider(
            crypto.pkcs11_module,
            crypto.pkcs11_token or "",
            crypto.pkcs11_pin or "",
            crypto.pkcs11_key_label,
        )
    if crypto.kek_file is not None:
        return LocalKeyProvider.from_file(crypto.kek_file)
    return LocalKeyProvider.from_env(crypto.kek_env)


def build_services(
    settings: Settings, *, engine: Engine | None = None, initialise_keys: bool = False
) -> Services:
    """Connect to the database and unlock the keyring (fail closed)."""
    algorithm = Algorithm(settings.crypto.algorithm)
    run_self_test(algorithm)
    engine = engine or make_engine(settings.database.url)
    store = SqlDataKeyStore(engine)
    provider = key_provider(settings.crypto)
    keyring = (
        Keyring.initialise(store, provider, algorithm)
        if initialise_keys
        else Keyring.load(store, provider)
    )
    sealer = Sealer(keyring.field_cipher(), keyring.blind_indexer())
    # Documents: a folder under the data dir, or a shared S3 bucket (portal.document_store).
    blobs = blob_storage_from_settings(
        DocumentStoreSettings.from_env({**os.environ, **settings.extra}),
        documents_dir=settings.documents_dir,
    )
    return Services(
        settings=settings,
        engine=engine,
        keyring=keyring,
        sealer=sealer,
        suppliers=SupplierStore(sealer),
        documents=keyring.document_vault(blobs),
    )
