"""Encrypted document blobs in an S3-compatible object store (AWS S3, MinIO, Ceph RGW).

Every app instance and worker that shares the bucket sees the same documents,
which the filesystem adapter only gives with a shared mount. Object keys are
``prefix`` + the SHA-256 of the document id, as file names are in the
filesystem adapter, so any id is allowed and nothing about it shows in the
bucket listing.

``put`` never exposes a partial blob: a small blob is one ``PutObject`` (S3
publishes an object only when it is complete); a large one is a multipart
upload that is completed after the last chunk, or aborted when the chunks fail,
so the previous version stays readable. The client comes from the caller
(``boto3.client("s3", endpoint_url=...)``): the adapter owns no configuration.

Errors are translated: a missing key is :class:`DocumentNotFoundError`, an
unreachable or refusing store is :class:`BlobStoreUnavailableError` (retryable);
no ``botocore`` exception leaves this module.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any, BinaryIO, Protocol, cast

from botocore.exceptions import BotoCoreError, ClientError

from crypto.errors import BlobStoreUnavailableError, DocumentNotFoundError

__all__ = ["S3BlobStorage", "S3Client"]

#: S3's smallest part (except the last) is 5 MiB; 8 MiB keeps part counts low.
PART_SIZE = 8 * 1024 * 1024

_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}


class S3Client(Protocol):
    """The few calls of a boto3 S3 client this adapter makes."""

    def put_object(self, **kwargs: Any) -> Any: ...
    def get_object(self, **kwargs: Any) -> Any: ...
    def delete_object(self, **kwargs: Any) -> Any: ...
    def create_multipart_upload(self, **kwargs: Any) -> Any: ...
    def upload_part(self, **kwargs: Any) -> Any: ...
    def complete_multipart_upload(self, **kwargs: Any) -> Any: ...
    def abort_multipart_upload(self, **kwargs: Any) -> Any: ...
    def head_bucket(self, **kwargs: Any) -> Any: ...
    def create_bucket(self, **kwargs: Any) -> Any: ...


@contextmanager
def _translated(doc_id: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _NOT_FOUND:
            raise DocumentNotFoundError(f"no document blob stored for {doc_id!r}") from None
        raise BlobStoreUnavailableError(
            f"the document store refused the call for {doc_id!r}: {code or 'error'}"
        ) from exc
    except BotoCoreError as exc:
        raise BlobStoreUnavailableError(
            f"the document store could not be reached: {type(exc).__name__}"
        ) from exc


class _BodyReader(io.RawIOBase):
    """A raw stream over a ``get_object`` body, translating transport errors."""

    def __init__(self, body: Any, doc_id: str) -> None:
        self._body = body
        self._doc_id = doc_id

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        with _translated(self._doc_id):
            data: bytes = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3BlobStorage:
    """Implements :class:`~crypto.ports.BlobStorage` on one bucket of an S3 API."""

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        *,
        prefix: str = "documents/",
        part_size: int = PART_SIZE,
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix
        self._part_size = part_size

    @property
    def bucket(self) -> str:
        """The bucket's name."""
        return self._bucket

    def key_for(self, doc_id: str) -> str:
        """The object key a document is stored under."""
        return self._prefix + hashlib.sha256(doc_id.encode()).hexdigest()

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (development stacks, tests)."""
        with _translated(self._bucket):
            try:
                self._client.head_bucket(Bucket=self._bucket)
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) not in _NOT_FOUND | {
                    "NoSuchBucket"
                }:
                    raise
                self._client.create_bucket(Bucket=self._bucket)

    def put(self, doc_id: str, chunks: Iterable[bytes]) -> None:
        key = self.key_for(doc_id)
        pending = bytearray()
        iterator = iter(chunks)
        for chunk in iterator:
            pending += chunk
            if len(pending) >= self._part_size:
                self._put_multipart(doc_id, key, pending, iterator)
                return
        with _translated(doc_id):
            self._client.put_object(Bucket=self._bucket, Key=key, Body=bytes(pending))

    def _put_multipart(
        self, doc_id: str, key: str, pending: bytearray, rest: Iterator[bytes]
    ) -> None:
        with _translated(doc_id):
            upload = self._client.create_multipart_upload(Bucket=self._bucket, Key=key)
        upload_id = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        try:

            def send(data: bytes) -> None:
                number = len(parts) + 1
                with _translated(doc_id):
                    answer = self._client.upload_part(
                        Bucket=self._bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=data,
                    )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})

            for chunk in rest:
                pending += chunk
                while len(pending) >= self._part_size:
                    send(bytes(pending[: self._part_size]))
                    del pending[: self._part_size]
            if pending or not parts:
                send(bytes(pending))
            with _translated(doc_id):
                self._client.complete_multipart_upload(
                    Bucket=self._bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            with _translated(doc_id):
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=key, UploadId=upload_id
                )
            raise

    def open(self, doc_id: str) -> BinaryIO:
        with _translated(doc_id):
            answer = self._client.get_object(Bucket=self._bucket, Key=self.key_for(doc_id))
        stream: IO[bytes] = io.BufferedReader(_BodyReader(answer["Body"], doc_id))
        return cast(BinaryIO, stream)

    def delete(self, doc_id: str) -> None:
        with _translated(doc_id):
            self._client.delete_object(Bucket=self._bucket, Key=self.key_for(doc_id))
