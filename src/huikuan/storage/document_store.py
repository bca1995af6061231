"""Where documents' bytes live (services/documents.py keeps their rows): the file system under
HUIKUAN_DOCUMENTS_DIR, owner-only, or a bucket of an S3-compatible service (HUIKUAN_S3_*: AWS S3, MinIO,
Aliyun OSS), each object encrypted at rest. `store_for` is where new files go (HUIKUAN_DOCUMENT_STORE);
`store_named` the store a row names, so files kept before the setting changed stay readable. A missing
bucket or a failing service is StoreFailed, in words that say which."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from huikuan.config import Settings, get_settings
from huikuan.errors import InvalidInput, NotFound, StoreFailed
from huikuan.files import private_dir, write_private


class Store(Protocol):
    """Where documents' bytes live; a key is Huikuan's own (letters, digits and '/')."""

    name: str

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class FileStore:
    """The file system: one file per key under `root`, owner-only."""

    name = "fs"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise InvalidInput("document key: outside the store")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        private_dir(path.parent)
        write_private(path, data)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise NotFound("the document's file is missing from the store")
        return path.read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


# What a failing S3 service did not do, by what was asked of it.
FAILED = {
    "keep": "document store: the S3 store at {where} could not keep the file ({reason}); nothing was kept",
    "read": "document store: the S3 store at {where} could not read the file ({reason})",
    "delete": "document store: the S3 store at {where} could not delete the file ({reason})",
}


class S3Store:
    """A bucket of an S3-compatible service: one object per key (after `prefix`), encrypted at rest by
    the service (AES256). The bucket must exist; Huikuan never creates one."""

    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
        addressing_style: str = "auto",
    ) -> None:
        if not bucket:
            raise StoreFailed("document store: s3 needs a bucket (HUIKUAN_S3_BUCKET is not set)")
        self.bucket = bucket
        self.prefix = prefix
        self.where = endpoint_url or "AWS S3"
        config = BotoConfig(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": addressing_style},
        )
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=config,
        )

    def _key(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise InvalidInput("document key: outside the store")
        return self.prefix + key

    def _failed(self, exc: Exception, doing: str) -> StoreFailed:
        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        if code == "NoSuchBucket":
            return StoreFailed(
                "document store: the bucket {bucket} does not exist at {where}",
                bucket=self.bucket,
                where=self.where,
            )
        return StoreFailed(FAILED[doing], where=self.where, reason=code or type(exc).__name__)

    def put(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ServerSideEncryption="AES256"
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._failed(exc, "keep") from exc

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return bytes(answer["Body"].read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise NotFound("the document's file is missing from the store") from exc
            raise self._failed(exc, "read") from exc
        except BotoCoreError as exc:
            raise self._failed(exc, "read") from exc

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (ClientError, BotoCoreError) as exc:
            raise self._failed(exc, "delete") from exc


def store_for(settings: Settings | None = None) -> Store:
    """The store that new uploads go to (HUIKUAN_DOCUMENT_STORE)."""
    settings = settings or get_settings()
    return store_named(settings.document_store, settings)


def store_named(name: str, settings: Settings | None = None) -> Store:
    """The store called `name` ("fs" or "s3", as a document's row records it), as the settings set it up."""
    settings = settings or get_settings()
    if name == "fs":
        return FileStore(settings.documents_dir)
    if name == "s3":
        return _s3_store(
            settings.s3_bucket,
            settings.s3_endpoint_url,
            settings.s3_region,
            settings.s3_access_key_id,
            settings.s3_secret_access_key,
            settings.s3_prefix,
            settings.s3_addressing_style,
        )
    raise InvalidInput("document store: {name} is not available (only fs or s3)", name=name)


@lru_cache(maxsize=4)
def _s3_store(
    bucket: str,
    endpoint_url: str | None,
    region: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
    prefix: str,
    addressing_style: str,
) -> S3Store:
    """One S3Store (and its client, which is thread-safe) per setting of the HUIKUAN_S3_* values."""
    return S3Store(
        bucket,
        endpoint_url=endpoint_url,
        region=region,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        prefix=prefix,
        addressing_style=addressing_style,
    )
