"""Compare two versions of a contract: every change classified breaking or not, and the version bump
each requires (breaking -> major, additions and relaxations -> minor, documentation -> patch).

A change is breaking when data that satisfied the old contract may fail the new one (producers), or when a
consumer reading the new data may find something the old contract ruled out in a way it relied on
(removed or renamed field, changed type, optional field made required and vice versa, classification).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from accord.contracts.identity import IdentityDeclaration
from accord.contracts.model import Bound, Contract, Field
from accord.contracts.semver import Version

BUMPS = ("none", "patch", "minor", "major")


@dataclass(frozen=True)
class Change:
    kind: str
    field: str | None
    bump: str  # "major" (breaking), "minor" or "patch"
    message: str
    was: str | None = None  # a renamed field's old name

    @property
    def breaking(self) -> bool:
        return self.bump == "major"


_FRENCH = {
    "field-renamed": "{was} est renommé {field}",
    "field-removed": "{field} est retiré",
    "required-field-added": "{field} est ajouté, obligatoire",
    "optional-field-added": "{field} est ajouté, facultatif",
    "field-made-required": "{field} devient obligatoire",
    "field-made-optional": "{field} devient facultatif",
    "code-removed": "{field} : codes retirés : {rest}",
    "code-added": "{field} : codes ajoutés : {rest}",
    "code-list-added": "{field} : liste de codes ajoutée",
    "code-list-removed": "{field} : liste de codes retirée",
    "type-changed": "{field} : type modifié ({rest})",
    "type-narrowed": "{field} : type restreint ({rest})",
    "unique-added": "{field} : chaque valeur doit être unique",
    "classification-changed": "{field} : classification modifiée ({rest})",
    "primary-key-changed": "{field} : clé primaire modifiée",
    "contract-id-changed": "identifiant du contrat modifié ({rest})",
    "identity-changed": "reconnaissance des personnes modifiée ({rest})",
    "identity-retention-changed": "durée de conservation des valeurs d'identification modifiée ({rest})",
}


def in_french(change: Change) -> str:
    """The change in French: the same facts, the values as the contract writes them."""
    rest = change.message.split(": ", 1)[1] if ": " in change.message else change.message
    template = _FRENCH.get(change.kind, "{field} : règle modifiée ({rest})")
    return template.format(field=change.field or "", was=change.was or "", rest=rest)


@dataclass
class ContractDiff:
    contract: str
    old_version: str
    new_version: str
    changes: list[Change] = field(default_factory=list)

    @property
    def required_bump(self) -> str:
        return max((c.bump for c in self.changes), key=BUMPS.index, default="none")

    @property
    def actual_bump(self) -> str:
        old, new = Version.parse(self.old_version), Version.parse(self.new_version)
        if new.key < old.key:
            return "downgrade"
        for position, name in enumerate(("major", "minor", "patch")):
            if new.release[position] != old.release[position]:
                return name
        return "prerelease" if old.is_prerelease else "none"

    @property
    def ok(self) -> bool:
        """The bump is enough for the changes (from a pre-release to a later one or to its release, any change
        is: semver promises nothing between pre-releases)."""
        actual = self.actual_bump
        if actual == "prerelease":
            return True
        return actual != "downgrade" and BUMPS.index(actual) >= BUMPS.index(self.required_bump)

    def to_json(self) -> dict[str, Any]:
        return {
            "contract": self.contract, "old_version": self.old_version, "new_version": self.new_version,
            "changes": [{**{k: v for k, v in dataclasses.asdict(c).items() if k != "was" or v is not None},
                         "breaking": c.breaking} for c in self.changes],
            "required_bump": self.required_bump, "actual_bump": self.actual_bump, "ok": self.ok,
        }


def _bound_change(kind: str, name: str, old: Bound | None, new: Bound | None, tighter: bool) -> Change | None:
    """``tighter`` is True when a larger value of this bound admits fewer values (a minimum)."""
    if old == new:
        return None
    if new is None:
        return Change(f"{kind}-removed", name, "minor", f"{name}: {kind} {old} removed")
    if old is None:
        return Change(f"{kind}-added", name, "major", f"{name}: {kind} {new} added")
    narrowed = (new > old) if tighter else (new < old)  # type: ignore[operator]
    if narrowed:
        return Change(f"{kind}-tightened", name, "major", f"{name}: {kind} {old} -> {new}")
    return Change(f"{kind}-relaxed", name, "minor", f"{name}: {kind} {old} -> {new}")


def _type_change(old: Field, new: Field) -> Change | None:
    """A change of the field's own type (an array's items are compared as a field of their own)."""
    if (old.logical_type, old.precision, old.scale) == (new.logical_type, new.precision, new.scale):
        return None
    text = f"{new.name}: {old.type_label} -> {new.type_label}"
    if old.is_decimal and new.is_decimal and old.scale == new.scale:
        if (new.precision or 0) > (old.precision or 0):
            return Change("type-widened", new.name, "minor", text)
        return Change("type-narrowed", new.name, "major", text)
    return Change("type-changed", new.name, "major", text)


def _field_changes(old: Field, new: Field) -> list[Change]:
    name = new.name
    out: list[Change | None] = [_type_change(old, new)]
    if old.required != new.required:
        if new.required:
            out.append(Change("field-made-required", name, "major", f"{name}: optional -> required"))
        else:
            out.append(Change("field-made-optional", name, "major",
                              f"{name}: required -> optional (consumers may rely on a value in every row)"))
    if old.unique != new.unique:
        out.append(Change("unique-added" if new.unique else "unique-removed", name, "major",
                          f"{name}: unique {old.unique} -> {new.unique}"))
    if old.classification != new.classification:
        out.append(Change("classification-changed", name, "major",
                          f"{name}: classification {old.classification} -> {new.classification}"))
    if old.enum != new.enum:
        if new.enum is None:
            out.append(Change("code-list-removed", name, "minor", f"{name}: code list removed"))
        elif old.enum is None:
            out.append(Change("code-list-added", name, "major", f"{name}: code list added"))
        else:
            removed = [c for c in old.enum if c not in new.enum]
            added = [c for c in new.enum if c not in old.enum]
            if removed:
                out.append(Change("code-removed", name, "major", f"{name}: codes removed: {', '.join(removed)}"))
            if added:
                out.append(Change("code-added", name, "minor", f"{name}: codes added: {', '.join(added)}"))
    if old.format != new.format:
        kind = "format-removed" if new.format is None else "format-added" if old.format is None else "format-changed"
        out.append(Change(kind, name, "minor" if new.format is None else "major",
                          f"{name}: format {old.format!r} -> {new.format!r}"))
    if old.pattern != new.pattern:
        if new.pattern is None:
            out.append(Change("pattern-removed", name, "minor", f"{name}: pattern removed"))
        else:
            kind = "pattern-added" if old.pattern is None else "pattern-changed"
            out.append(Change(kind, name, "major", f"{name}: pattern {old.pattern!r} -> {new.pattern!r}"))
    out.append(_bound_change("minimum", name, old.minimum, new.minimum, tighter=True))
    out.append(_bound_change("maximum", name, old.maximum, new.maximum, tighter=False))
    out.append(_bound_change("min-length", name, old.min_length, new.min_length, tighter=True))
    out.append(_bound_change("max-length", name, old.max_length, new.max_length, tighter=False))
    if old.primary_key_position != new.primary_key_position:
        out.append(Change("primary-key-changed", name, "major",
                          f"{name}: primary key position {old.primary_key_position} -> {new.primary_key_position}"))
    if old.logical_type == "timestamp" and old.default_timezone != new.default_timezone:
        out.append(Change("time-zone-changed", name, "major",
                          f"{name}: default time zone {old.default_timezone} -> {new.default_timezone}"))
    if old.items is not None and new.items is not None:  # an array's items: their type and rules, as a field's
        out += _field_changes(old.items, new.items)
        out.append(_bound_change("min-items", name, old.min_items, new.min_items, tighter=True))
        out.append(_bound_change("max-items", name, old.max_items, new.max_items, tighter=False))
        if old.unique_items != new.unique_items:
            out.append(Change("unique-items-added" if new.unique_items else "unique-items-removed", name,
                              "major" if new.unique_items else "minor",
                              f"{name}: unique items {old.unique_items} -> {new.unique_items}"))
    if (old.description, old.description_fr) != (new.description, new.description_fr):
        out.append(Change("description-changed", name, "patch", f"{name}: description changed"))
    if old.examples != new.examples:
        out.append(Change("examples-changed", name, "patch", f"{name}: examples changed"))
    return [c for c in out if c is not None]


def _same_but_name(a: Field, b: Field) -> bool:
    return dataclasses.replace(a, name=b.name, description=b.description, description_fr=b.description_fr,
                               examples=b.examples) == b


def diff_contracts(old: Contract, new: Contract) -> ContractDiff:
    result = ContractDiff(contract=new.id, old_version=old.version, new_version=new.version)
    changes = result.changes
    if old.id != new.id:
        changes.append(Change("contract-id-changed", None, "major", f"contract id {old.id} -> {new.id}"))
    old_fields = {f.name: f for f in old.fields}
    new_fields = {f.name: f for f in new.fields}
    removed = [f for f in old.fields if f.name not in new_fields]
    added = [f for f in new.fields if f.name not in old_fields]
    for gone in removed:
        twins = [f for f in added if _same_but_name(gone, f)]
        if len(twins) == 1:
            changes.append(Change("field-renamed", twins[0].name, "major", f"{gone.name} renamed to {twins[0].name}",
                                  was=gone.name))
            added.remove(twins[0])
        else:
            changes.append(Change("field-removed", gone.name, "major", f"{gone.name} removed"))
    for new_field in added:
        if new_field.required:
            changes.append(Change("required-field-added", new_field.name, "major", f"{new_field.name} added, required"))
        else:
            changes.append(Change("optional-field-added", new_field.name, "minor", f"{new_field.name} added, optional"))
    for name in [n for n in old_fields if n in new_fields]:
        changes.extend(_field_changes(old_fields[name], new_fields[name]))
    kept_old = [n for n in old_fields if n in new_fields]
    kept_new = [n for n in new_fields if n in old_fields]
    if kept_old != kept_new:
        changes.append(Change("fields-reordered", None, "minor", "field order changed"))
    if old.min_rows != new.min_rows:
        change = _bound_change("row-count-minimum", "dataset", old.min_rows, new.min_rows, tighter=True)
        changes.extend([change] if change else [])
    old_nulls, new_nulls = dict(old.max_null_percent), dict(new.max_null_percent)
    for name in sorted(set(old_nulls) | set(new_nulls)):
        change = _bound_change("null-percent-limit", name, old_nulls.get(name), new_nulls.get(name), tighter=False)
        changes.extend([change] if change else [])
    changes.extend(_foreign_key_changes(old, new))
    renamed = {c.was: c.field for c in changes if c.kind == "field-renamed" and c.was and c.field}
    changes.extend(_identity_changes(old, new, renamed))
    if old.description != new.description:
        changes.append(Change("description-changed", None, "patch", "contract description changed"))
    return result


def _identity_changes(old: Contract, new: Contract, renamed: dict[str, str]) -> list[Change]:
    """A change of how records of one entity are recognised changes the published identities: major. Only a
    change of how long the clear identifying values are kept leaves them as they are (minor), and so does a
    field's rename (the old declaration read with the new names is compared)."""
    was, now = old.identity, new.identity
    if was is not None and renamed:
        was = _renamed(was, renamed)
    if was == now or (was and now and was.sha256 == now.sha256):
        return []
    if was is None or now is None:
        what = "identity resolution added" if was is None else "identity resolution removed"
        return [Change("identity-changed", None, "major", f"{what}: the integrated dataset's records change")]
    parts = [name for name in ("rules", "comparisons", "blocking", "match_at", "review_at", "nicknames", "entity")
             if getattr(was, name) != getattr(now, name)]
    if not parts and was.retention_days == now.retention_days:
        return []
    if not parts:
        return [Change("identity-retention-changed", None, "minor",
                       f"identity retentionDays: {was.retention_days} -> {now.retention_days}")]
    return [Change("identity-changed", None, "major",
                   f"identity declaration changed ({', '.join(parts)}): the published identities may change")]


def _renamed(declaration: IdentityDeclaration, renamed: dict[str, str]) -> IdentityDeclaration:
    def names(fields: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(renamed.get(f, f) for f in fields)

    return dataclasses.replace(
        declaration, rules=tuple(dataclasses.replace(r, fields=names(r.fields)) for r in declaration.rules),
        comparisons=tuple(dataclasses.replace(c, fields=names(c.fields)) for c in declaration.comparisons),
        blocking=tuple(names(b) for b in declaration.blocking), sha256="")


def _foreign_key_changes(old: Contract, new: Contract) -> list[Change]:
    """A foreign key that keeps rows out (``quarantine``) is breaking when added or tightened; one that only
    warns, or one removed, is not."""
    before = {(k.column, k.references): k.on_orphan for k in old.foreign_keys}
    after = {(k.column, k.references): k.on_orphan for k in new.foreign_keys}
    out = []
    for column, references in sorted(set(before) | set(after)):
        was, now = before.get((column, references)), after.get((column, references))
        if was == now:
            continue
        text = f"{column}: foreign key to {references}"
        if now is None:
            out.append(Change("foreign-key-removed", column, "minor", f"{text} removed"))
        elif was is None:
            out.append(Change("foreign-key-added", column, "major" if now == "quarantine" else "minor",
                              f"{text} added ({now})"))
        else:
            out.append(Change("foreign-key-changed", column, "major" if now == "quarantine" else "minor",
                              f"{text}: orphans {was} -> {now}"))
    return out
