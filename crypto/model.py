"""Value objects of the crypto package: no I/O, no framework."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "Algorithm",
    "KeyState",
    "KeyStatus",
    "Purpose",
    "StoredDocument",
    "WrappedDataKey",
]


class Algorithm(StrEnum):
    """Authenticated cipher of a deployment.

    >>> Algorithm("SM4GCM").key_size
    16
    >>> Algorithm.AES_256_GCM.key_size
    32
    """

    AES_256_GCM = "A256GCM"
    SM4_GCM = "SM4GCM"

    @property
    def key_size(self) -> int:
        """Length in bytes of a cipher key for this algorithm."""
        return 32 if self is Algorithm.AES_256_GCM else 16


class Purpose(StrEnum):
    """What a data key is used for; each purpose has its own key versions."""

    FIELD = "field"
    DOCUMENT = "document"
    BLIND_INDEX = "blind_index"
    AUDIT = "audit"

    def key_size(self, algorithm: Algorithm) -> int:
        """Length of a data key: cipher keys follow the algorithm, MAC keys are 32 bytes.

        >>> Purpose.BLIND_INDEX.key_size(Algorithm.SM4_GCM)
        32
        >>> Purpose.FIELD.key_size(Algorithm.SM4_GCM)
        16
        """
        if self in (Purpose.BLIND_INDEX, Purpose.AUDIT):
            return 32
        return algorithm.key_size


class KeyState(StrEnum):
    """``retired`` keys still decrypt but never encrypt."""

    ACTIVE = "active"
    RETIRED = "retired"


@dataclass(frozen=True)
class WrappedDataKey:
    """A data key as stored: encrypted (wrapped) under the KEK named by ``kek_id``."""

    purpose: Purpose
    version: int
    algorithm: Algorithm
    wrapped: bytes
    kek_id: str
    state: KeyState
    created_at: datetime

    def __repr__(self) -> str:
        return (
            f"WrappedDataKey({self.purpose.value} v{self.version}, {self.algorithm.value}, "
            f"kek={self.kek_id}, {self.state.value})"
        )


@dataclass(frozen=True)
class KeyStatus:
    """One line of ``portal keys status``."""

    purpose: Purpose
    version: int
    algorithm: Algorithm
    state: KeyState
    kek_id: str
    created_at: datetime
    current: bool  # the version new data is written under


@dataclass(frozen=True)
class StoredDocument:
    """What to keep in the database row of an encrypted document.

    ``wrapped_key`` is the per-document key wrapped under the DOCUMENT data key
    ``key_version``; the blob itself holds only ciphertext.
    """

    size: int
    sha256: str
    wrapped_key: bytes
    key_version: int
    algorithm: Algorithm
