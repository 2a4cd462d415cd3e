"""Code files: a CSV (columns ``from`` and ``to``) beside a mapping that a ``codes`` step reads instead of an
inline map. The file must resolve inside the mapping's own folder (a symbolic link out of it is refused), so an
agency's mapping cannot read other files of the server. The loader and lint read them through this one function.
"""

from __future__ import annotations

import csv

from accord.errors import MappingError
from accord.yamlfile import PathPart, YamlDocument, format_path


def read_code_file(doc: YamlDocument, relative: str, where: tuple[PathPart, ...]) -> dict[str, str]:
    """A code file beside the mapping (columns ``from`` and ``to``) as a map."""
    path = (doc.file.parent / relative).resolve()
    if not path.is_relative_to(doc.file.parent.resolve()):
        raise MappingError(f"code file {relative!r} is outside the mapping's folder", file=doc.file,
                           line=doc.line(where), path=format_path(where))
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise MappingError(f"code file {relative!r} not found", file=doc.file, line=doc.line(where),
                           path=format_path(where)) from None
    if not rows or not {"from", "to"} <= set(rows[0]):
        raise MappingError(f"code file {relative!r} needs columns 'from' and 'to'", file=doc.file,
                           line=doc.line(where), path=format_path(where))
    return {r["from"]: r["to"] for r in rows}
