"""What an agency id and a submitted file name may look like. Anything else is refused, never cleaned up:
a name is evidence, and silently changing it would hide what the agency sent.

A file name also becomes part of the names accord derives from it (``<sha256>-<name>`` in the archive,
``<sha256[:16]>-<name>.errors.csv`` in quarantine); ``MAX_NAME_BYTES`` keeps every one of them within the 255
bytes a file system allows (``tests/test_intake.py`` checks each derived name against it).
"""

from __future__ import annotations

import re
import unicodedata

AGENCY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
MAX_NAME_BYTES = 180
FILE_SYSTEM_NAME_BYTES = 255


def agency_problem(agency: str) -> str | None:
    if not AGENCY_PATTERN.match(agency):
        return f"agency id {agency!r} is not 2-32 lower-case letters, digits or '_'"
    return None


def file_name_problem(name: str) -> str | None:
    """Why ``name`` is not acceptable as a submitted file name, or None."""
    if not name or name in (".", ".."):
        return "empty file name"
    if "/" in name or "\\" in name or ".." in name:
        return f"file name {name!r} contains a path (/, \\ or ..): path traversal refused"
    if name.startswith("."):
        return f"file name {name!r} is hidden (starts with '.')"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") for c in name):
        return f"file name {name!r} contains control or unassigned characters"
    if len(name.encode("utf-8", errors="surrogatepass")) > MAX_NAME_BYTES:
        return f"file name is {len(name.encode('utf-8', errors='surrogatepass'))} bytes, longer than {MAX_NAME_BYTES}"
    return None
