"""Data Docs that show as designed without the internet: Great Expectations' pages load Bootstrap's stylesheets
from CDNs (and scripts, which the portal's policy never runs on a page holding agency values). The machines are
offline and the portal's CSP allows only its own files, so each page written is pointed at copies shipped with
accord (``vendor/``: Bootstrap and Bootstrap Table, MIT; Font Awesome Free, its icons' fonts under the SIL OFL
1.1 and its CSS MIT; the licences beside them) in the site's ``static/vendor/``, and its outside scripts and
stylesheets are removed. Pages opened from disk look the same."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

VENDOR = Path(__file__).with_name("vendor")
STYLESHEETS = {  # what the pages ask a CDN for -> the copy shipped here
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-6.6.0/css/all.min.css",
}
_OUTSIDE_LINK = re.compile(r'<link\b[^>]*\bhref="(https?://[^"]+)"[^>]*>')
_OUTSIDE_SCRIPT = re.compile(r'<script\b[^>]*\bsrc="https?://[^"]+"[^>]*>\s*</script>')


def vendor_files(site: Path) -> Path:
    """``static/vendor/`` of the site, with the shipped stylesheets, fonts and their licences."""
    target = site / "static" / "vendor"
    if not (target / "fontawesome-6.6.0").is_dir():  # copied once per site
        shutil.copytree(VENDOR, target, dirs_exist_ok=True)
    return target


def offline_page(page: Path, site: Path) -> None:
    """Point ``page`` (an HTML file of the site) at the shipped stylesheets; drop what it would fetch outside."""
    vendor = vendor_files(site)
    relative = os.path.relpath(vendor, page.parent).replace(os.sep, "/")
    text = page.read_text("utf-8")

    def link(match: re.Match[str]) -> str:
        local = STYLESHEETS.get(match.group(1))
        return f'<link rel="stylesheet" href="{relative}/{local}">' if local else ""

    changed = _OUTSIDE_SCRIPT.sub("", _OUTSIDE_LINK.sub(link, text))
    if changed != text:
        page.write_text(changed, "utf-8")
