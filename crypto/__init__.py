"""Envelope encryption of supplier master data (bank accounts, ID numbers, phones, documents).

The customer's key-encryption key (KEK) stays in a :class:`KeyProvider` (a local file,
an HSM via PKCS#11, a cloud KMS); the database only holds data keys wrapped under it
and values encrypted under those. See docs/crypto.md.

>>> from crypto.fakes import InMemoryDataKeyStore, InMemoryKeyProvider
>>> keyring = Keyring.initialise(
...     InMemoryDataKeyStore(), InMemoryKeyProvider(), Algorithm.SM4_GCM
... )
>>> cipher = keyring.field_cipher()
>>> token = cipher.encrypt("6222021234567891234", table="supplier", column="bank_account",
...                        row_id="42")
>>> token.startswith("v1:SM4GCM:1:")
True
>>> cipher.decrypt(token, table="supplier", column="bank_account", row_id="42")
'6222021234567891234'
"""

from crypto.blind_index import BlindIndexer
from crypto.documents import DocumentVault
from crypto.errors import (
    BlobStoreUnavailableError,
    CryptoError,
    DecryptionFailure,
    DocumentIntegrityError,
    DocumentNotFoundError,
    FieldDecryptionError,
    InvalidCryptoInputError,
    KeyConflictError,
    KeyFileInsecureError,
    KeyStoreError,
    KeyUnavailableError,
    RevealDeniedError,
    SelfTestError,
)
from crypto.field import FieldCipher
from crypto.keyring import Keyring
from crypto.masking import RevealHook, mask_bank_account, mask_id_number, mask_phone, reveal
from crypto.model import Algorithm, KeyState, KeyStatus, Purpose, StoredDocument, WrappedDataKey
from crypto.ports import BlobStorage, DataKeyStore, KeyProvider
from crypto.selftest import run_self_test

__all__ = [
    "Algorithm",
    "BlindIndexer",
    "BlobStorage",
    "BlobStoreUnavailableError",
    "CryptoError",
    "DataKeyStore",
    "DecryptionFailure",
    "DocumentIntegrityError",
    "DocumentNotFoundError",
    "DocumentVault",
    "FieldCipher",
    "FieldDecryptionError",
    "InvalidCryptoInputError",
    "KeyConflictError",
    "KeyFileInsecureError",
    "KeyProvider",
    "KeyState",
    "KeyStatus",
    "KeyStoreError",
    "KeyUnavailableError",
    "Keyring",
    "Purpose",
    "RevealDeniedError",
    "RevealHook",
    "SelfTestError",
    "StoredDocument",
    "WrappedDataKey",
    "mask_bank_account",
    "mask_id_number",
    "mask_phone",
    "reveal",
    "run_self_test",
]
