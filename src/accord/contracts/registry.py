"""All contracts of a project: ``contracts/<id>/<version>.yaml`` (semver, ``1.2.0`` or ``2.0.0-rc.1``), resolved by
id and major."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from accord.contracts.loader import load_contract
from accord.contracts.model import Contract
from accord.contracts.semver import Version
from accord.errors import ContractError


def _version_key(contract: Contract) -> tuple[bool, object]:
    """Releases before pre-releases, then semver precedence: a mapping gets 3.0.0-rc.1 only while no 3.x.y
    release exists."""
    version = Version.parse(contract.version)
    return not version.is_prerelease, version.key


@dataclass
class ContractRegistry:
    contracts: list[Contract] = field(default_factory=list)

    @classmethod
    def load(cls, directory: Path) -> ContractRegistry:
        contracts = []
        for file in sorted(directory.glob("*/*.yaml")):
            contract = load_contract(file)
            if contract.id != file.parent.name:
                raise ContractError(f"contract id '{contract.id}' does not match its folder '{file.parent.name}'",
                                    file=file, path="id")
            if contract.version != file.stem:
                raise ContractError(f"version '{contract.version}' does not match the file name '{file.name}'",
                                    file=file, path="version")
            contracts.append(contract)
        registry = cls(contracts)
        for contract in contracts:
            for key in contract.foreign_keys:
                target = registry.resolve(key.contract, key.major)  # a ContractError names what is missing
                if key.target not in target.field_names:
                    raise ContractError(f"foreign key {contract.id}.{key.column} -> {key.references}: "
                                        f"{target.label} has no field '{key.target}'", file=contract.file)
        return registry

    def resolve(self, contract_id: str, major: int) -> Contract:
        """The latest version of ``contract_id`` within major version ``major`` that is not a proposal (a
        proposed 1.1.0 beside an active 1.0.0 changes nothing that runs); a major with only proposals answers
        its latest proposal (its targets are then not produced: ``accord.contracts.lifecycle``)."""
        candidates = [c for c in self.contracts if c.id == contract_id and c.major == major]
        if not candidates:
            known = sorted({f"{c.id} v{c.major}" for c in self.contracts})
            raise ContractError(f"no contract '{contract_id}' with major version {major} "
                                f"(known: {', '.join(known) or 'none'})")
        adopted = [c for c in candidates if c.status != "proposed"]
        return max(adopted or candidates, key=_version_key)

    def predecessor(self, contract: Contract) -> Contract | None:
        """The newest adopted (not proposed) version of ``contract``'s id older than it: what it follows."""
        older = [c for c in self.contracts if c.id == contract.id and c.status != "proposed"
                 and Version.parse(c.version).key < Version.parse(contract.version).key]
        return max(older, key=_version_key) if older else None

    def latest(self) -> list[Contract]:
        """The latest version of every (id, major) pair."""
        pairs = sorted({(c.id, c.major) for c in self.contracts})
        return [self.resolve(cid, major) for cid, major in pairs]
