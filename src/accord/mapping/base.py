"""The base of every mapping model: unknown keys refused (a typo is an error, not an ignored setting),
aliases accepted for Python keywords (``from``, ``in``), values frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)
