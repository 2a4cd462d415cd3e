"""Uploads in, reports out, for both the pages and the API: receive a form for a check or a submission (the CSRF
value and the size limit judged before the file's first byte), and answer a stored errors.csv."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from accord.access import Principal
from accord.portal.deps import state
from accord.portal.problems import PortalError
from accord.portal.security import same
from accord.portal.uploads import Upload, receive

Limit = Callable[[str, dict[str, str], str], int]  # agency, fields sent before the file, file name -> bytes


async def upload_form(request: Request, principal: Principal, limit: Limit, csrf: str | None = None,
                      ) -> tuple[str, Upload]:
    """The agency the form acts for and its file. ``csrf``: the session's value, which the form must carry
    before the file (pages); None for the API, whose bearer token is not sent by a browser on its own."""
    portal = state(request).portal
    acting: list[str] = []

    def limit_for(fields: dict[str, str], name: str) -> int:
        if csrf is not None and not same(csrf, fields.get("csrf")):
            raise PortalError(403, "csrf", "the form is not from this session: reload the page and send it again")
        acting.append(portal.acting_for(principal, fields.get("agency") or None))
        return limit(acting[0], fields, name)

    upload = await receive(request.headers.get("content-type", ""), request.stream(), portal.work, limit_for)
    return acting[0], upload


def file_download(path: Path) -> Response:
    """A check's errors.csv (written by ``write_reports``, spreadsheet-safe) as an attachment."""
    return FileResponse(path, media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": 'attachment; filename="errors.csv"'})


def csv_download(request: Request, key: str, name: str) -> Response:
    """A stored errors.csv (spreadsheet-safe, written by accord) as an attachment."""
    return stored_file(request, key, "text/csv; charset=utf-8",
                       {"content-disposition": f'attachment; filename="{name}"'}, "this errors.csv is no longer kept")


def stored_file(request: Request, key: str, media_type: str, headers: dict[str, str], missing: str) -> Response:
    """The file ``key`` of the data directory: from the disk, or streamed from the object store."""
    storage = state(request).portal.dirs.storage
    local = storage.local_path(key)
    if local is not None:
        if not local.is_file():
            raise PortalError(404, "not-found", missing)
        return FileResponse(local, media_type=media_type, headers=headers)
    if not storage.exists(key):
        raise PortalError(404, "not-found", missing)

    def chunks() -> Iterator[bytes]:
        with storage.open_read(key) as handle:
            yield from iter(lambda: handle.read(1 << 20), b"")

    return StreamingResponse(chunks(), media_type=media_type, headers=headers)
