"""An upload, streamed from the request body to a private file: never held in memory, cut off as soon as it
passes the size limit that applies to it, its name judged by the intake rules before it names anything, its
declared content type ignored (the readers judge the bytes)."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

from accord.intake.names import file_name_problem
from accord.portal.problems import PortalError
from accord.storage.private import private_dir

MAX_FIELD_BYTES = 4096  # a form field other than the file (contract, CSRF token)
MAX_FIELDS = 8


@dataclass
class Upload:
    folder: Path  # private folder holding the file alone; removed by ``discard``
    fields: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None
    size: int = 0
    sha256: str = ""

    @property
    def path(self) -> Path:
        if self.file_name is None:
            raise PortalError(400, "no-file", "the form has no file", message_fr="le formulaire n'a pas de fichier")
        return self.folder / self.file_name

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class _Receiver:
    """Multipart callbacks: small fields into ``fields``, the one file part into its private file."""

    def __init__(self, upload: Upload, limit_for: Callable[[dict[str, str], str], int]) -> None:
        self.upload, self.limit_for = upload, limit_for
        self.header_field, self.header_value = bytearray(), bytearray()
        self.disposition: dict[bytes, bytes] = {}
        self.value = bytearray()
        self.fd: int | None = None
        self.limit = 0
        self.digest = hashlib.sha256()

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {"on_part_begin": self.part_begin, "on_header_field": self.on_field, "on_header_value": self.on_value,
                "on_header_end": self.header_end, "on_headers_finished": self.headers_done,
                "on_part_data": self.data, "on_part_end": self.part_end}

    def part_begin(self) -> None:
        self.disposition, self.value = {}, bytearray()

    def on_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        if bytes(self.header_field).lower() == b"content-disposition":  # Content-Type is ignored
            self.disposition = parse_options_header(bytes(self.header_value))[1]
        self.header_field, self.header_value = bytearray(), bytearray()

    def headers_done(self) -> None:
        if b"filename" not in self.disposition:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise PortalError(400, "bad-form", f"the form has more than {MAX_FIELDS} fields")
            return
        if self.upload.file_name is not None:
            raise PortalError(400, "bad-form", "send one file at a time")
        try:
            name = self.disposition[b"filename"].decode("utf-8")
        except UnicodeDecodeError:
            raise PortalError(400, "bad-name", "the file name is not valid UTF-8") from None
        if problem := file_name_problem(name):
            raise PortalError(400, "bad-name", problem)
        self.upload.file_name = name
        self.limit = self.limit_for(self.upload.fields, name)
        self.fd = os.open(self.upload.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)

    def data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.fd is None:
            self.value += chunk
            if len(self.value) > MAX_FIELD_BYTES:
                raise PortalError(400, "bad-form", f"a form field is longer than {MAX_FIELD_BYTES} bytes")
            return
        self.upload.size += len(chunk)
        if self.upload.size > self.limit:
            raise PortalError(413, "too-large", f"{self.upload.file_name}: the file is larger than the limit of "
                                                f"{self.limit} bytes for its format",
                              message_fr=f"{self.upload.file_name} : le fichier dépasse la limite de {self.limit} "
                                         "octets pour son format")
        self.digest.update(chunk)
        view = memoryview(chunk)
        while view:
            view = view[os.write(self.fd, view):]

    def part_end(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            self.upload.sha256 = self.digest.hexdigest()
        elif name := self.disposition.get(b"name"):
            self.upload.fields[name.decode("utf-8", "replace")] = self.value.decode("utf-8", "replace")

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


async def receive(content_type: str, body: AsyncIterator[bytes], work: Path,
                  limit_for: Callable[[dict[str, str], str], int]) -> Upload:
    """Stream a ``multipart/form-data`` body into a new private folder under ``work``. ``limit_for(fields,
    name)`` gives the size limit of the file, from the fields sent before it (the contract) and its name."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise PortalError(415, "bad-form", "send the file as multipart/form-data")
    upload = Upload(private_dir(work / "uploads" / uuid.uuid4().hex))
    receiver = _Receiver(upload, limit_for)
    parser = MultipartParser(options[b"boundary"], receiver.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
        if upload.file_name is None:
            raise PortalError(400, "no-file", "the form has no file", message_fr="le formulaire n'a pas de fichier")
    except BaseException as exc:  # nothing of a refused or broken upload is left behind
        receiver.close()
        upload.discard()
        if isinstance(exc, PortalError) or not isinstance(exc, Exception):
            raise
        raise PortalError(400, "bad-form", f"the form cannot be read: {exc}") from None  # python-multipart's
    return upload
