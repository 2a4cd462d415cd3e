"""The integrated datasets: every agency's published rows, one record per primary key."""

from accord.integrate.build import IntegratedResult, integrate, integrated_schema
from accord.integrate.foreign_keys import OrphanReport
from accord.integrate.survivorship import MERGED, deduplicate, survivor_order

__all__ = ["MERGED", "IntegratedResult", "OrphanReport", "deduplicate", "integrate", "integrated_schema",
           "survivor_order"]
