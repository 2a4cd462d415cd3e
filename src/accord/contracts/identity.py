"""How a contract says records of one entity are recognised across agencies: the ``identity`` custom property
of its schema object (docs/identity.md).

    customProperties:
      - property: identity
        value:
          entity: citizen
          retentionDays: 3650                  # clear identifying values kept in the private zone
          nicknames: reference/nicknames.csv   # optional: name,canonical (bob,robert)
          rules:                               # deterministic, tried in order: equal normalised values
            - {name: same_sin, fields: [sin]}
            - {name: same_name_and_birth_date, fields: [family_name, given_name, birth_date]}
          model:                               # probabilistic (Splink, Fellegi-Sunter)
            comparisons:
              - {method: personName, fields: [given_name, family_name]}
              - {method: birthDate, fields: [birth_date]}
              - {method: postalCode, fields: [postal_code]}
              - {method: identifier, fields: [sin]}
              - {method: exact, fields: [sex]}
            blocking: [[birth_date], [given_name, family_name], [sin], [postal_code]]
            matchAt: 0.99                      # a pair at or above: the same entity
            reviewAt: 0.8                      # between the two: a steward decides

Only fields that identify a person may be named: classified ``pii`` or ``restricted``, not the primary key
(an agency's own file number means nothing at another agency). This module parses and lints the declaration;
the engine that runs it is ``accord.identity``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from accord.contracts.codelists import custom_property
from accord.findings import Finding
from accord.yamlfile import PathPart, YamlDocument, format_path

PROPERTY = "identity"
IDENTIFYING = ("pii", "restricted")
# method -> (how many fields, the logical types it compares)
METHODS: dict[str, tuple[int, tuple[str, ...]]] = {
    "personName": (2, ("string",)),  # given name(s) then family name: swaps, accents, typos, nicknames
    "name": (1, ("string",)),
    "birthDate": (1, ("date",)),
    "postalCode": (1, ("string",)),
    "identifier": (1, ("string", "integer")),  # one or two digits wrong or swapped
    "exact": (1, ("string", "integer", "date", "boolean")),
}
DEFAULT_RETENTION_DAYS = 3650


@dataclass(frozen=True)
class MatchRule:
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    method: str
    fields: tuple[str, ...]

    @property
    def label(self) -> str:
        return "+".join(self.fields)


@dataclass(frozen=True)
class IdentityDeclaration:
    entity: str
    rules: tuple[MatchRule, ...]
    comparisons: tuple[Comparison, ...]
    blocking: tuple[tuple[str, ...], ...]
    match_at: float
    review_at: float
    retention_days: int = DEFAULT_RETENTION_DAYS
    nicknames: str | None = None  # a CSV under contracts/ (name,canonical)
    sha256: str = ""  # of the declaration as written: a model file is trained for one declaration

    @property
    def fields(self) -> tuple[str, ...]:
        """Every identifying field the declaration uses, in a stable order."""
        named = [f for r in self.rules for f in r.fields] + [f for c in self.comparisons for f in c.fields]
        named += [f for block in self.blocking for f in block]
        return tuple(dict.fromkeys(named))

    @property
    def name_pair(self) -> tuple[str, str] | None:
        """The (given, family) fields of a ``personName`` comparison: compared in either order."""
        pair = next((c.fields for c in self.comparisons if c.method == "personName"), None)
        return (pair[0], pair[1]) if pair else None


def identity_of(obj: dict[str, Any]) -> IdentityDeclaration | None:
    """The declaration of a schema object that lints clean, or None when it declares none."""
    value = custom_property(obj, PROPERTY)
    if not isinstance(value, dict):
        return None
    model = value.get("model") or {}
    return IdentityDeclaration(
        entity=str(value.get("entity") or obj.get("name")),
        rules=tuple(MatchRule(str(r["name"]), tuple(r["fields"])) for r in value.get("rules") or []),
        comparisons=tuple(Comparison(str(c["method"]), tuple(c["fields"])) for c in model.get("comparisons") or []),
        blocking=tuple(tuple(block) for block in model.get("blocking") or []),
        match_at=float(model.get("matchAt", 0.99)),
        review_at=float(model.get("reviewAt", model.get("matchAt", 0.99))),
        retention_days=int(value.get("retentionDays", DEFAULT_RETENTION_DAYS)),
        nicknames=str(value["nicknames"]) if value.get("nicknames") else None,
        sha256=hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest(),
    )


def identity_findings(obj: dict[str, Any], doc: YamlDocument) -> list[Finding]:
    """What is wrong with a schema object's identity declaration, each at its line."""
    items = obj.get("customProperties") or []
    index = next((i for i, c in enumerate(items) if isinstance(c, dict) and c.get("property") == PROPERTY), None)
    if index is None:
        return []
    base: list[PathPart] = ["schema", 0, "customProperties", index, "value"]
    out: list[Finding] = []

    def add(parts: list[PathPart], message: str) -> None:
        where = [*base, *parts]
        out.append(Finding(str(doc.file), doc.line(where), format_path(where), message))

    value = items[index].get("value")
    if not isinstance(value, dict):
        add([], "identity must be a mapping with rules and/or a model")
        return out
    props = {p.get("name"): p for p in obj.get("properties") or [] if isinstance(p, dict)}

    def check_fields(parts: list[PathPart], fields: Any, types: tuple[str, ...] | None = None) -> None:
        if not isinstance(fields, list) or not fields:
            add(parts, "fields must be a non-empty list of field names")
            return
        for i, name in enumerate(fields):
            prop = props.get(name)
            if prop is None:
                add([*parts, i], f"unknown field {name!r}: not a property of this contract")
            elif prop.get("primaryKey"):
                add([*parts, i], f"field {name!r} is the agency's own key: it does not identify a person "
                                 "across agencies")
            elif prop.get("classification") not in IDENTIFYING:
                add([*parts, i], f"field {name!r} is classified {prop.get('classification') or 'public'}: only "
                                 f"identifying fields ({' or '.join(IDENTIFYING)}) may identify a person")
            elif types and prop.get("logicalType") not in types:
                add([*parts, i], f"field {name!r} is a {prop.get('logicalType')}, this method compares "
                                 f"{' or '.join(types)}")

    rules = value.get("rules") or []
    if not isinstance(rules, list):
        add(["rules"], "rules must be a list of {name, fields}")
        rules = []
    names = set()
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or not rule.get("name"):
            add(["rules", i], "a rule needs a name and fields")
            continue
        if rule["name"] in names or rule["name"] == "model":
            add(["rules", i, "name"], f"rule name {rule['name']!r} is used twice (or is 'model', kept for the model)")
        names.add(rule["name"])
        check_fields(["rules", i, "fields"], rule.get("fields"))
    model = value.get("model")
    if model is None:
        if not rules:
            add([], "identity needs rules, a model, or both")
        return out
    if not isinstance(model, dict):
        add(["model"], "model must be a mapping with comparisons, blocking, matchAt and reviewAt")
        return out
    comparisons = model.get("comparisons") or []
    if not comparisons:
        add(["model"], "a model needs comparisons")
    for i, comparison in enumerate(comparisons):
        method = comparison.get("method") if isinstance(comparison, dict) else None
        if method not in METHODS:
            add(["model", "comparisons", i], f"method must be one of {', '.join(METHODS)}, not {method!r}")
            continue
        count, types = METHODS[method]
        fields = comparison.get("fields")
        if isinstance(fields, list) and len(fields) != count:
            add(["model", "comparisons", i, "fields"], f"{method} compares {count} field(s), not {len(fields)}")
        check_fields(["model", "comparisons", i, "fields"], fields, types)
    blocking = model.get("blocking") or []
    if not blocking:
        add(["model"], "a model needs blocking: lists of fields whose equal values make candidate pairs")
    for i, block in enumerate(blocking):
        check_fields(["model", "blocking", i], block)
    match_at, review_at = model.get("matchAt", 0.99), model.get("reviewAt", model.get("matchAt", 0.99))
    for key, threshold in (("matchAt", match_at), ("reviewAt", review_at)):
        if not isinstance(threshold, int | float) or not 0 < threshold < 1:
            add(["model", key], f"{key} must be a probability between 0 and 1 (exclusive), not {threshold!r}")
    if isinstance(match_at, int | float) and isinstance(review_at, int | float) and review_at > match_at:
        add(["model", "reviewAt"], f"reviewAt {review_at} is above matchAt {match_at}")
    retention = value.get("retentionDays", DEFAULT_RETENTION_DAYS)
    if not isinstance(retention, int) or retention < 1:
        add(["retentionDays"], f"retentionDays must be a whole number of days, not {retention!r}")
    return out
