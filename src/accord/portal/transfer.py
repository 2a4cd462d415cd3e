"""Uploads in, reports out, for both the pages and the API: receive a form for a check or a submission (the CSRF
value and the size limit judged before the file's first byte), and answer a stored errors.csv."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from fastapi import Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from accord.access import Principal
from accord.portal.deps import lang, state
from accord.portal.problems import PortalError
from accord.portal.security import same
from accord.portal.uploads import Upload, receive
from accord.publish.quarantine import french_errors_csv

Limit = Callable[[str, dict[str, str], str], int]  # agency, fields sent before the file, file name -> bytes


async def upload_form(request: Request, principal: Principal, limit: Limit, csrf: str | None = None,
                      ) -> tuple[str, Upload]:
    """The agency the form acts for and its file. ``csrf``: the session's value, which the form must carry
    before the file (pages); None for the API, whose bearer token is not sent by a browser on its own."""
    portal = state(request).portal
    acting: list[str] = []

    def limit_for(fields: dict[str, str], name: str) -> int:
        if csrf is not None and not same(csrf, fields.get("csrf")):
            raise PortalError(403, "csrf", "the form is not from this session: reload the page and send it again",
                              message_fr="le formulaire ne vient pas de cette session : rechargez la page et "
                                         "renvoyez-le")
        acting.append(portal.acting_for(principal, fields.get("agency") or None))
        return limit(acting[0], fields, name)

    upload = await receive(request.headers.get("content-type", ""), request.stream(), portal.work, limit_for)
    return acting[0], upload


def file_download(request: Request, path: Path) -> Response:
    """A check's errors.csv (written by ``write_reports``, spreadsheet-safe) as an attachment, in the page's
    language (``errors_csv``)."""
    if not path.is_file():
        raise PortalError(404, "not-found", "this errors.csv is no longer kept")
    return errors_csv(request, lambda: path.open("rb"), path)


Opener = Callable[[], contextlib.AbstractContextManager[IO[bytes]]]


def csv_download(request: Request, key: str) -> Response:
    """A stored errors.csv (spreadsheet-safe, written by accord) as an attachment, in the page's language."""
    local, opener = _stored(request, key, "this errors.csv is no longer kept")
    return errors_csv(request, opener, local)


def errors_csv(request: Request, opener: Opener, local: Path | None) -> Response:
    """English: the file as written (``,``, UTF-8, English headers). French (the page's language, or the API's
    ``Accept-Language``): ``;``, UTF-8 with BOM, French headers, as French Excel opens it (``erreurs.csv``)."""
    if lang(request) == "fr":
        def chunks() -> Iterator[bytes]:
            with opener() as handle:
                yield from french_errors_csv(handle)

        return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8",
                                 headers={"content-disposition": 'attachment; filename="erreurs.csv"'})
    return _whole(local, opener, "text/csv; charset=utf-8",
                  {"content-disposition": 'attachment; filename="errors.csv"'})


def stored_file(request: Request, key: str, media_type: str, headers: dict[str, str], missing: str) -> Response:
    """The file ``key`` of the data directory: from the disk, or streamed from the object store."""
    local, opener = _stored(request, key, missing)
    return _whole(local, opener, media_type, headers)


def _stored(request: Request, key: str, missing: str) -> tuple[Path | None, Opener]:
    """The local path of ``key`` (None on an object store) and how to open it; 404 saying ``missing`` when it
    is not there."""
    storage = state(request).portal.dirs.storage
    local = storage.local_path(key)
    if not (local.is_file() if local is not None else storage.exists(key)):
        raise PortalError(404, "not-found", missing)
    return local, lambda: storage.open_read(key)


def _whole(local: Path | None, opener: Opener, media_type: str, headers: dict[str, str]) -> Response:
    """The file as it is: sent from the disk, or streamed a megabyte at a time."""
    if local is not None:
        return FileResponse(local, media_type=media_type, headers=headers)

    def chunks() -> Iterator[bytes]:
        with opener() as handle:
            yield from iter(lambda: handle.read(1 << 20), b"")

    return StreamingResponse(chunks(), media_type=media_type, headers=headers)
