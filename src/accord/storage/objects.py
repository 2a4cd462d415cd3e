"""The data directory on an S3-compatible object store, through fsspec (s3fs).

Credentials, region and endpoint come from the usual environment variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``AWS_ENDPOINT_URL`` for a store that is not AWS, such as MinIO).
Listings are never cached: several workers write the same prefixes. Delta Lake commits use conditional puts
(``If-None-Match``), which AWS S3, MinIO and moto honour, so two writers can never both win a version.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO, Any

import s3fs

from accord.storage.base import Storage, check_key

_REGION = ("AWS_REGION", "AWS_DEFAULT_REGION")


class ObjectStorage(Storage):
    def __init__(self, url: str) -> None:
        scheme, _, rest = url.partition("://")
        if scheme not in ("s3", "s3a"):
            raise ValueError(f"unsupported storage URL {url!r} (s3://bucket/prefix)")
        self.url = f"s3://{rest.strip('/')}"
        self.base = rest.strip("/")
        self.endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")
        self.region = next((os.environ[v] for v in _REGION if os.environ.get(v)), "us-east-1")
        client: dict[str, Any] = {"region_name": self.region}
        if self.endpoint:
            client["endpoint_url"] = self.endpoint
        self.fs = s3fs.S3FileSystem(client_kwargs=client, use_listings_cache=False, skip_instance_cache=True)

    @property
    def is_local(self) -> bool:
        return False

    @property
    def storage_options(self) -> dict[str, str]:
        options = {"AWS_REGION": self.region, "conditional_put": "etag"}
        if self.endpoint:
            options["AWS_ENDPOINT_URL"] = self.endpoint
            if self.endpoint.startswith("http://"):
                options["AWS_ALLOW_HTTP"] = "true"
        for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            if os.environ.get(variable):
                options[variable] = os.environ[variable]
        return options

    def _path(self, key: str) -> str:
        return f"{self.base}/{check_key(key)}"

    def uri(self, key: str) -> str:
        return f"s3://{self._path(key)}"

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self._path(key)))

    def info(self, key: str) -> dict[str, Any]:
        info: dict[str, Any] = self.fs.info(self._path(key))
        return info

    def read_bytes(self, key: str) -> bytes:
        data: bytes = self.fs.cat_file(self._path(key))
        return data

    def write_bytes(self, key: str, data: bytes, *, private: bool = False) -> str:
        self.fs.pipe_file(self._path(key), data)
        return self.uri(key)

    def put_file(self, local: Path, key: str, *, private: bool = False, move: bool = False) -> str:
        self.fs.put_file(str(local), self._path(key))
        if move:
            local.unlink(missing_ok=True)
        return self.uri(key)

    def copy(self, source: str, target: str) -> str:
        self.fs.copy(self._path(source), self._path(target))  # a server-side copy
        return self.uri(target)

    def get_file(self, key: str, local: Path) -> Path:
        self.fs.get_file(self._path(key), str(local))
        return local

    def open_read(self, key: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        handle: IO[bytes] = self.fs.open(self._path(key), "rb", block_size=8 * 1024 * 1024, cache_type="none")
        return handle

    def list(self, prefix: str) -> list[str]:
        base = f"{self.base}/"
        found = self.fs.find(self._path(prefix))
        return sorted(str(p)[len(base):] for p in found)

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self._path(key))

    def delete_tree(self, prefix: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self._path(prefix), recursive=True)
