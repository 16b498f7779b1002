"""Where encrypted documents are kept: a local folder or an S3-compatible bucket.

Several app instances and workers must share one store (an OCR job claimed by
the worker reads the document the web instance stored), so any deployment with
more than one host uses ``s3`` (MinIO, Ceph RGW, AWS S3) or a shared mount.

=============================== ============================================
variable                        meaning
=============================== ============================================
``PORTAL_DOCUMENTS_STORE``      ``filesystem`` (default) or ``s3``
``PORTAL_S3_ENDPOINT_URL``      e.g. ``http://minio:9000``; empty for AWS
``PORTAL_S3_BUCKET``            the bucket (required for ``s3``)
``PORTAL_S3_REGION``            default ``us-east-1``
``PORTAL_S3_ACCESS_KEY_ID``     with the secret below; when both are empty
``PORTAL_S3_SECRET_ACCESS_KEY`` boto3's own chain applies (AWS_* variables,
                                instance or pod role)
``PORTAL_S3_PREFIX``            key prefix, default ``documents/``
``PORTAL_S3_CREATE_BUCKET``     ``1``: create the bucket at start if missing
=============================== ============================================

>>> DocumentStoreSettings.from_env({}).kind
'filesystem'
>>> s = DocumentStoreSettings.from_env({"PORTAL_DOCUMENTS_STORE": "s3", "PORTAL_S3_BUCKET": "b",
...     "PORTAL_S3_ACCESS_KEY_ID": "k", "PORTAL_S3_SECRET_ACCESS_KEY": "hush"})
>>> (s.kind, s.bucket, "hush" in repr(s))
('s3', 'b', False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from crypto import BlobStorage
from crypto.adapters.filesystem import FilesystemBlobStorage
from portal.config import ConfigError

__all__ = ["DocumentStoreSettings", "blob_storage_from_settings"]

KINDS = ("filesystem", "s3")


@dataclass(frozen=True)
class DocumentStoreSettings:
    """The document store's settings (the filesystem one lives under the data folder)."""

    kind: str = "filesystem"
    endpoint_url: str | None = None
    bucket: str = ""
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    prefix: str = "documents/"
    create_bucket: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"PORTAL_DOCUMENTS_STORE must be filesystem or s3, not {self.kind!r}")
        if self.kind == "s3" and not self.bucket:
            raise ConfigError("PORTAL_S3_BUCKET is required with s3 documents")
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ConfigError(
                "set both PORTAL_S3_ACCESS_KEY_ID and PORTAL_S3_SECRET_ACCESS_KEY, or neither"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DocumentStoreSettings:
        """Read the ``PORTAL_DOCUMENTS_STORE`` and ``PORTAL_S3_*`` variables."""
        return cls(
            kind=env.get("PORTAL_DOCUMENTS_STORE", "") or "filesystem",
            endpoint_url=env.get("PORTAL_S3_ENDPOINT_URL") or None,
            bucket=env.get("PORTAL_S3_BUCKET", ""),
            region=env.get("PORTAL_S3_REGION") or "us-east-1",
            access_key_id=env.get("PORTAL_S3_ACCESS_KEY_ID") or None,
            secret_access_key=env.get("PORTAL_S3_SECRET_ACCESS_KEY") or None,
            prefix=env.get("PORTAL_S3_PREFIX", "documents/"),
            create_bucket=env.get("PORTAL_S3_CREATE_BUCKET", "0") == "1",
        )


def blob_storage_from_settings(
    settings: DocumentStoreSettings, *, documents_dir: Path
) -> BlobStorage:
    """The blob storage the vault writes to: the folder, or the bucket (created if asked)."""
    if settings.kind == "filesystem":
        documents_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        documents_dir.chmod(0o700)  # whatever the umask: only the service reads them
        return FilesystemBlobStorage(documents_dir)
    import boto3
    from botocore.config import Config

    from crypto.adapters.s3 import S3BlobStorage

    client = boto3.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        region_name=settings.region,
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        # Path-style addressing: MinIO and most self-hosted stores need it.
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        ),
    )
    storage = S3BlobStorage(client, settings.bucket, prefix=settings.prefix)
    if settings.create_bucket:
        storage.ensure_bucket()
    return storage
