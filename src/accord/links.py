"""Links to the files a run writes (errors.csv, reports, Data Docs pages), for people who click them.

With ``$ACCORD_PORTAL_URL`` set (``http://127.0.0.1:8000`` for ``make dev`` beside ``make serve``), a file of the
data directory is linked through the portal, which serves it over HTTP to operators and to the agency it
belongs to (``accord.portal.files``): ``<portal>/files/<storage key>``. Without it, a local file is a ``file://``
URL and a file on an object store its ``s3://`` URL, as before.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from accord.errors import AccordError
from accord.storage import Storage

PORTAL_URL_ENV = "ACCORD_PORTAL_URL"
FILES_ROUTE = "/files/"


def portal_url() -> str | None:
    chosen = os.environ.get(PORTAL_URL_ENV, "").strip().rstrip("/")
    return chosen or None


def file_link(storage: Storage, uri: str | None, portal: str | None = None) -> str | None:
    """The URL a browser opens for ``uri`` (a path or URL of ``storage``); None for no file."""
    if not uri:
        return None
    portal = portal or portal_url()
    if portal:
        try:
            return f"{portal}{FILES_ROUTE}{quote(storage.key(uri))}"
        except AccordError:  # not a file of this data directory: the portal cannot serve it
            pass
    return Path(uri).as_uri() if uri.startswith("/") else uri
