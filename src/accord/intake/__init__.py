"""Intake: the landing-zone lifecycle, submission records, name rules and size limits.

The names below load on first use: the readers need only ``accord.intake.limits``, and importing the
lifecycle (SQLAlchemy, the object-store client) for them would cost every ``accord check`` a fraction of a
second."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accord.intake.landing import Intake, Pickup, store_for, submit
    from accord.intake.limits import Limits
    from accord.intake.store import Submission, SubmissionStore

__all__ = ["Intake", "Limits", "Pickup", "Submission", "SubmissionStore", "store_for", "submit"]
_HOMES = {"Intake": "landing", "Pickup": "landing", "store_for": "landing", "submit": "landing",
          "Limits": "limits", "Submission": "store", "SubmissionStore": "store"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'accord.intake' has no attribute {name!r}")
    return getattr(importlib.import_module(f"accord.intake.{_HOMES[name]}"), name)
