"""Which contract versions are produced today (ODCS ``status`` and the ``sunset`` custom property): the
mapping loader leaves out the targets of the others; ``accord.governance.lifecycle`` changes them."""

from __future__ import annotations

import datetime as dt
import os

from accord.contracts.model import Contract

TODAY_ENV = "ACCORD_TODAY"  # an ISO date standing for today (drills and tests of a sunset)


def today() -> str:
    return os.environ.get(TODAY_ENV) or dt.date.today().isoformat()


def produced(contract: Contract) -> bool:
    """Whether submissions are processed against ``contract`` today: not proposed, not retired, not past its
    sunset."""
    return contract.produced_on(today())
