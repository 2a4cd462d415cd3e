"""Where the code location finds its project files and data directory."""

from __future__ import annotations

import dagster as dg

from accord.contracts import ContractRegistry
from accord.mapping import MappingSet, current_mappings
from accord.mapping.health import HealthReport, current_health
from accord.settings import DataDirs, ProjectDirs, data_dirs, project_dirs


class AccordResource(dg.ConfigurableResource):  # type: ignore[misc]
    """The project folder (contracts, mappings) and the data directory (landing ... reports)."""

    project_dir: str
    data_dir: str

    @property
    def project(self) -> ProjectDirs:
        return project_dirs(self.project_dir)

    @property
    def data(self) -> DataDirs:
        return data_dirs(self.data_dir).create()

    def mappings(self) -> MappingSet:
        """The mappings as they are on disk now (loaded again only when a file changed)."""
        project = self.project
        return current_mappings(project.contracts, project.mappings)

    def contracts(self) -> ContractRegistry:
        """The contracts as they are on disk now (their lifecycle status included)."""
        return ContractRegistry.load(self.project.contracts)

    def mapping_health(self) -> HealthReport:
        """Whether each agency's mappings load, per contract (``accord.mapping.health``), for the scan above."""
        project = self.project
        return current_health(project.contracts, project.mappings)
