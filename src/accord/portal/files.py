"""``/files/<storage key>``: the files behind the links a run leaves in the Dagster UI (``accord.links``): a
submission's errors.csv, its JSON report, its Data Docs page, the run summary.

Only the ``quarantine/`` and ``reports/`` zones are served, never the archive, the published tables or the work
folder. An operator opens any of them; an agency only the files of its own submissions (the Data Docs
stylesheets and images too); anything else answers 404, as every other route of another agency's. The caller is
the page session's (a browser following a link) or the API's bearer token; without either, a browser is sent to
sign in and back. Files stream from the storage, local or object store alike. HTML is served sandboxed: no script
runs, whatever values a Data Docs page shows."""

from __future__ import annotations

from pathlib import PurePosixPath

from fastapi import APIRouter, Request
from fastapi.responses import Response

from accord.access import Principal
from accord.errors import AccordError
from accord.links import FILES_ROUTE
from accord.portal.deps import bearer, session, state
from accord.portal.problems import not_found
from accord.portal.security import STANDALONE_HEADER
from accord.portal.transfer import csv_download, stored_file
from accord.settings import QUARANTINE, REPORTS
from accord.storage import check_key

router = APIRouter(include_in_schema=False)
TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json", ".html": "text/html; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml",
         ".ico": "image/x-icon", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}
SHARED = f"{REPORTS}/data_docs/static/"  # the Data Docs stylesheets, fonts and images: no agency data
EVERYONE = "*every principal*"


class SignInFirst(Exception):
    """A browser without a session: sign in, then come back to ``path``."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def caller(request: Request) -> Principal:
    current = session(request)
    if current is not None:
        return current.principal
    if request.headers.get("authorization"):
        return bearer(request)
    raise SignInFirst(request.url.path)


def owner(request: Request, key: str) -> str | None:
    """The agency whose file ``key`` is (``EVERYONE`` for the shared Data Docs files); None: operators only."""
    parts = key.split("/")
    if parts[0] == QUARANTINE and len(parts) > 2:
        return parts[1]  # quarantine/<agency>/<contract>/v<major>/<file>
    if key.startswith(SHARED):
        return EVERYONE
    if key.startswith((f"{REPORTS}/submissions/", f"{REPORTS}/data_docs/validations/")):
        # reports/submissions/<submission>.json, data_docs/validations/.../accord-<suite>.<submission>.html
        submission_id = PurePosixPath(parts[-1]).stem.rsplit(".", 1)[-1]
        record = state(request).portal.store.find(submission_id)
        return record.agency if record is not None else None
    return None


def _shared(key: str) -> bool:
    """A file of the Data Docs' own static folder (``SHARED``), of a type the portal serves."""
    try:
        check_key(key)
    except AccordError:
        return False
    return key.startswith(SHARED) and PurePosixPath(key).suffix.lower() in TYPES


def served_key(request: Request, principal: Principal, key: str) -> str:
    """``key`` when ``principal`` may open it, else 404 (the same answer whether it exists or not)."""
    try:
        check_key(key)
    except AccordError:
        raise not_found("file") from None
    if key.split("/")[0] not in (QUARANTINE, REPORTS) or PurePosixPath(key).suffix.lower() not in TYPES:
        raise not_found("file")
    if not principal.is_operator and owner(request, key) not in (principal.agency, EVERYONE):
        raise not_found("file")
    return key


@router.get(FILES_ROUTE + "{key:path}")
def file(request: Request, key: str) -> Response:
    # the Data Docs' own stylesheets, fonts and images hold no agency data: served without a session, since a Data
    # Docs page is sandboxed (an opaque origin), and its requests carry no cookie
    key = key if _shared(key) else served_key(request, caller(request), key)
    suffix = PurePosixPath(key).suffix.lower()
    if key.endswith(".errors.csv"):  # as the portal's own downloads: the French layout for a French browser
        return csv_download(request, key)
    headers = {STANDALONE_HEADER.decode(): "files"}
    if suffix == ".csv":
        headers["content-disposition"] = f'attachment; filename="{PurePosixPath(key).name.replace(chr(34), "")}"'
    return stored_file(request, key, TYPES[suffix], headers,
                       "no such file: it may have been removed since the link was made")
