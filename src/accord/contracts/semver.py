"""Contract versions: Semantic Versioning 2.0.0, pre-releases included (``3.0.0-rc.1``), build metadata
(``+...``) allowed and ignored in precedence.

Precedence is semver's: ``1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta < 1.0.0-rc.1 < 1.0.0``; numeric
identifiers compare as numbers and sort before alphanumeric ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IDENTIFIER = r"(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
SEMVER = re.compile(rf"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-({_IDENTIFIER}(?:\.{_IDENTIFIER})*))?"
                    r"(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$")


@dataclass(frozen=True, order=False)
class Version:
    release: tuple[int, int, int]
    prerelease: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        match = SEMVER.match(text)
        if match is None:
            raise ValueError(f"version {text!r} is not MAJOR.MINOR.PATCH[-PRERELEASE]")
        major, minor, patch, pre = match.groups()
        return cls((int(major), int(minor), int(patch)), tuple(pre.split(".")) if pre else ())

    @property
    def key(self) -> tuple[tuple[int, int, int], int, tuple[tuple[int, int, str], ...]]:
        """A sort key in semver precedence: a release after its pre-releases."""
        identifiers = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return self.release, 0 if self.prerelease else 1, identifiers

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)
