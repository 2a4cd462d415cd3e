"""Row accounting: every source record of a submission is published, quarantined or filtered, once."""

from __future__ import annotations


def all_accounted(rows_in: int, records_published: int, quarantined: int, filtered: int = 0) -> bool:
    """``rows_in`` source records are all accounted for: published (``records_published``: source records
    whose every produced record is published), ``quarantined`` or ``filtered``."""
    return rows_in == records_published + quarantined + filtered
