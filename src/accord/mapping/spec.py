"""The mapping file format, version 2: how one agency's extract maps onto one or more contracts.

A file declares one ``source`` (how to read the extract) and one or more ``targets``; each target names a
contract, the row operations that shape the records for it (``rows``: filter, explode, unpivot) and, per
contract field, a source (``from``, ``template``, ``concat``, ...) and an ordered list of typed ``steps``.
Version 1 files (one contract, steps as fixed keys) are read through ``accord.mapping.spec_v1``.

Declarative only: every construct is data interpreted by ``accord.mapping.compile``; nothing is evaluated.
Unknown keys are refused (``extra="forbid"``) so a typo is an error, not a silently ignored setting.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import Field, model_validator

from accord.mapping.base import Strict
from accord.mapping.source_spec import SourceSpec
from accord.mapping.steps import PARSE_STEPS, Scalar, Step
from accord.mapping.templates import template_columns
from accord.regex import regex_problem

AGENCY_ID = r"^[a-z][a-z0-9_]{1,31}$"
JSON_FORMATS = ("json", "ndjson")


class ItemsSpec(Strict):
    """How one cell holds the items of an array field: text split on ``separator`` (each part trimmed), or a
    JSON array (``json: true``; the default for JSON and Parquet sources, whose nested values arrive as JSON).
    The field's ``date``, ``number`` and ``boolean`` settings read each item."""

    separator: str = Field(",", min_length=1, description="what separates the items: 'a;b;c' with ';'")
    as_json: bool | None = Field(None, alias="json", description="the cell is a JSON array: [\"a\", \"b\"]")


class ConcatSpec(Strict):
    columns: list[str] = Field(min_length=2)
    separator: str = " "


class SplitSpec(Strict):
    column: str
    separator: str = Field(min_length=1)
    index: int = Field(description="0-based part to keep; -1 is the last part")


class Condition(Strict):
    """A test on source values: one column's cleaned value (``column`` with exactly one of equals, in, matches,
    is_null), or a combination of conditions (``all``, ``any``, ``not``)."""

    column: str | None = None
    equals: str | None = None
    in_: list[str] | None = Field(None, alias="in")
    matches: str | None = None
    is_null: bool | None = None
    all_: list[Condition] | None = Field(None, alias="all", min_length=1)
    any_: list[Condition] | None = Field(None, alias="any", min_length=1)
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        combined = [t for t in (self.all_, self.any_, self.not_) if t is not None]
        tests = [t for t in (self.equals, self.in_, self.matches, self.is_null) if t is not None]
        if combined:
            if len(combined) != 1 or tests or self.column is not None:
                raise ValueError("a condition is one of 'all', 'any' or 'not', or a test on one 'column'")
        elif self.column is None or len(tests) != 1:
            raise ValueError("a condition needs a 'column' and exactly one of 'equals', 'in', 'matches', 'is_null'")
        return self

    @property
    def columns(self) -> list[str]:
        found = [self.column] if self.column else []
        for inner in [*(self.all_ or []), *(self.any_ or []), *([self.not_] if self.not_ else [])]:
            found += inner.columns
        return found


class ValueRef(Strict):
    from_: str | None = Field(None, alias="from")
    constant: Scalar | None = None

    @model_validator(mode="after")
    def _one(self) -> ValueRef:
        if (self.from_ is None) == (self.constant is None):
            raise ValueError("give exactly one of 'from' or 'constant'")
        return self


class WhenClause(Strict):
    if_: Condition = Field(alias="if")
    then: ValueRef


class IdSpec(Strict):
    """A stable identifier computed from columns: ``uuid5`` (RFC 4122 name-based, in ``namespace``) or
    ``sha256`` (hex) of the cleaned values joined by a unit separator; empty when every column is empty."""

    columns: list[str] = Field(min_length=1)
    method: Literal["uuid5", "sha256"] = "uuid5"
    namespace: str = Field("6ba7b811-9dad-11d1-80b4-00c04fd430c8", description="a UUID (default: RFC 4122's URL "
                                                                                "namespace)")


class FieldSources(Strict):
    """What every version of a field entry has: its source (exactly one of ``SOURCE_KEYS``), the cleaning of
    every column the source reads (``trim``, ``null_tokens``) and, for an array, how a cell holds its items."""

    SOURCE_KEYS: ClassVar[tuple[str, ...]] = ("from", "concat", "constant", "coalesce", "split", "when")

    from_: str | None = Field(None, alias="from", description="source column")
    concat: ConcatSpec | None = None
    constant: Scalar | None = None
    coalesce: list[str] | None = Field(None, min_length=2, description="first non-empty of these columns")
    split: SplitSpec | None = None
    when: list[WhenClause] | None = Field(None, min_length=1)
    otherwise: ValueRef | None = None
    trim: bool = True
    null_tokens: list[str] = Field(default_factory=list)
    items: ItemsSpec | None = Field(None, description="for an array field: how the cell holds its items")
    optional: bool = Field(False, description="the columns this field reads may be absent from the file: an "
                                              "absent column is read as empty, and the report names it")

    @model_validator(mode="after")
    def _one_source(self) -> FieldSources:
        keys = type(self).SOURCE_KEYS
        given = [k for k in keys if getattr(self, "from_" if k == "from" else k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(repr(s) for s in keys)} (got {given or 'none'})")
        if self.otherwise is not None and self.when is None:
            raise ValueError("'otherwise' goes with 'when'")
        return self


class FieldSpec(FieldSources):
    """How one contract field is produced: one source, then ``steps`` in the order written. Every column a
    source reads is trimmed (``trim``) and has the null tokens applied first. Without a date, number or
    boolean step, the text is read as the contract type with the defaults."""

    SOURCE_KEYS: ClassVar[tuple[str, ...]] = (*FieldSources.SOURCE_KEYS, "template", "id")

    template: str | None = Field(None, min_length=1, description="literal text with columns: '{NUM} {RUE}'")
    id: IdSpec | None = None
    steps: list[Step] = Field(default_factory=list)

    @model_validator(mode="after")
    def _balanced_template(self) -> FieldSpec:
        if self.template is not None:
            template_columns(self.template)  # raises ValueError on an unbalanced brace
        return self

    @property
    def parse(self) -> Step | None:
        """The last step when it reads the text as the contract type (date, number, boolean)."""
        return self.steps[-1] if self.steps and self.steps[-1].kind in PARSE_STEPS else None

    def setting(self, kind: str) -> Any:
        """The DateSpec, NumberSpec or BooleanSpec of the parse step of that kind, or None."""
        parse = self.parse
        return getattr(parse, kind) if parse is not None and parse.kind == kind else None

    @property
    def source_columns(self) -> list[str]:
        columns: list[str] = []
        if self.from_ is not None:
            columns.append(self.from_)
        columns += self.concat.columns if self.concat else []
        columns += self.coalesce or []
        columns += [self.split.column] if self.split else []
        columns += template_columns(self.template) if self.template else []
        columns += self.id.columns if self.id else []
        for clause in self.when or []:
            columns += clause.if_.columns
            columns += [clause.then.from_] if clause.then.from_ else []
        if self.otherwise is not None and self.otherwise.from_:
            columns.append(self.otherwise.from_)
        columns += [s.replace.find_column for s in self.steps if s.replace and s.replace.find_column]
        return list(dict.fromkeys(columns))


class FilterSpec(Strict):
    """Keep the records where ``keep_if`` holds, or drop those where ``drop_if`` holds; each record set aside is
    counted and listed with ``reason`` (default: the condition)."""

    keep_if: Condition | None = None
    drop_if: Condition | None = None
    reason: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _one(self) -> FilterSpec:
        if (self.keep_if is None) == (self.drop_if is None):
            raise ValueError("give exactly one of 'keep_if' or 'drop_if'")
        return self

    @property
    def condition(self) -> Condition:
        return self.keep_if or self.drop_if  # type: ignore[return-value]


class ExplodeSpec(Strict):
    """One cell ``a;b;c`` becomes three records, each with one part (trimmed) and the source row's number. The
    parts are cut at a fixed ``separator`` or wherever a regular expression (``pattern``) matches;
    ``index`` names a new column holding each part's position (0 for the first part)."""

    column: str
    separator: str | None = Field(None, min_length=1, description="fixed text between the parts: ';'")
    pattern: str | None = Field(None, min_length=1, description="a regular expression matching what lies between "
                                                                "the parts: '\\s*(;|,| and )\\s*'")
    as_json: bool = Field(False, alias="json", description="the cell is a JSON array: one record per item; an "
                                                           "item's keys are the columns <column>.<key>")
    index: str | None = Field(None, min_length=1, description="new column: the part's position, 0 for the first")

    @model_validator(mode="after")
    def _one_cut(self) -> ExplodeSpec:
        if [self.separator is not None, self.pattern is not None, self.as_json].count(True) != 1:
            raise ValueError("give exactly one of 'separator' (fixed text), 'pattern' (a regular expression) or "
                             "'json: true' (a JSON array)")
        if self.pattern is not None and (problem := regex_problem(self.pattern)):
            raise ValueError(f"pattern {self.pattern!r}: {problem}")
        if self.pattern is not None and _matches_empty(self.pattern):
            raise ValueError(f"pattern {self.pattern!r} matches empty text, so it would cut between every character")
        return self


def _matches_empty(pattern: str) -> bool:
    return bool(pl.select(pl.lit("").str.contains(f"^(?:{pattern})$")).item())


class UnpivotSpec(Strict):
    """Columns become records: each record has ``name`` (the column's name, or ``names``' value for it) and
    ``value`` (its cell), with the other columns repeated; empty cells give no record unless ``keep_empty``."""

    columns: list[str] = Field(min_length=1)
    name: str = Field(min_length=1, description="new column holding which of the columns a record comes from")
    value: str = Field(min_length=1, description="new column holding the cell")
    names: dict[str, str] | None = Field(None, description="column -> the value written in 'name' (default: "
                                                          "the column's own name)")
    keep_empty: bool = False


ROW_KINDS = ("filter", "explode", "unpivot")


class RowOperation(Strict):
    filter: FilterSpec | None = None
    explode: ExplodeSpec | None = None
    unpivot: UnpivotSpec | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> RowOperation:
        given = [k for k in ROW_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a row operation is exactly one of {', '.join(ROW_KINDS)} (got {given or 'none'})")
        return self

    @property
    def reads(self) -> list[str]:
        if self.filter is not None:
            return self.filter.condition.columns
        if self.explode is not None:
            return [self.explode.column]
        return list(self.unpivot.columns) if self.unpivot else []

    @property
    def produces(self) -> list[str]:
        if self.explode is not None:
            return [self.explode.index] if self.explode.index else []
        return [self.unpivot.name, self.unpivot.value] if self.unpivot else []


class DeliverySpec(Strict):
    """A delivery: one zip file of related files, each read as its own source. ``files``: a name of your
    choice -> how to read the member of the zip whose name matches that source's ``pattern``."""

    pattern: str = Field(description="glob of the zip file names in landing/<agency>/ that are deliveries")
    files: dict[str, SourceSpec] = Field(min_length=1)


class JoinSpec(Strict):
    """Bring the columns of another file of the delivery onto each record, matched on keys (``on``: this
    record's column -> the other file's column). ``left`` keeps a record no row matches (its joined columns
    empty); ``inner`` quarantines it. A record that several rows match is quarantined either way. The joined
    columns are named ``<prefix><column>`` (default prefix: the file's name and a dot, ``people.NOM``)."""

    file: str
    on: dict[str, str] = Field(min_length=1)
    how: Literal["left", "inner"] = "left"
    prefix: str | None = None

    @property
    def column_prefix(self) -> str:
        return f"{self.file}." if self.prefix is None else self.prefix


class TargetSpec(Strict):
    """One contract fed by the source: for a delivery the file it reads (``file``) and the files it joins,
    then its row operations (in order) and its fields."""

    contract: str
    contract_version: int = Field(ge=1, description="major version of the contract this target feeds")
    file: str | None = Field(None, description="for a delivery: the file whose records this target maps")
    joins: list[JoinSpec] = Field(default_factory=list)
    rows: list[RowOperation] = Field(default_factory=list)
    fields: dict[str, FieldSpec] = Field(min_length=1)


class MappingFile(Strict):
    """A version 2 mapping file: a ``source`` (one file) or a ``delivery`` (a zip of related files)."""

    mapping_version: Literal[2]
    agency: str = Field(pattern=AGENCY_ID)
    source: SourceSpec | None = None
    delivery: DeliverySpec | None = None
    targets: list[TargetSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> MappingFile:
        if (self.source is None) == (self.delivery is None):
            raise ValueError("give exactly one of 'source' (one file) or 'delivery' (a zip of related files)")
        for target in self.targets:
            names = list(self.delivery.files) if self.delivery else []
            if self.delivery is None and (target.file is not None or target.joins):
                raise ValueError("'file' and 'joins' are for the targets of a delivery")
            if self.delivery is not None and target.file not in names:
                raise ValueError(f"target {target.contract}: 'file' must name one of the delivery's files "
                                 f"({', '.join(names)}), not {target.file!r}")
            unknown = [j.file for j in target.joins if j.file not in names or j.file == target.file]
            if unknown:
                raise ValueError(f"target {target.contract}: joins must name other files of the delivery "
                                 f"({', '.join(n for n in names if n != target.file)}), not {', '.join(unknown)}")
        return self

    def target_spec(self, target: TargetSpec) -> MappingSpec:
        """One target as the engine runs it. Its ``source`` says how its records are read: the file's source,
        or the delivery file it reads, claiming the landing files by the delivery's pattern."""
        source = self.source
        if source is None and self.delivery is not None and target.file is not None:  # see _one_source
            source = self.delivery.files[target.file].model_copy(update={"pattern": self.delivery.pattern})
        if source is None:
            raise ValueError("a mapping file has a source or a delivery")
        return MappingSpec(agency=self.agency, contract=target.contract, contract_version=target.contract_version,
                           source=source, delivery=self.delivery, file=target.file, joins=target.joins,
                           rows=target.rows, fields=target.fields)


class MappingSpec(Strict):
    """One target of a mapping file with the file's agency and source: what the engine runs (a version 1
    file is one of these, its steps in version 1's fixed order)."""

    agency: str = Field(pattern=AGENCY_ID)
    contract: str
    contract_version: int = Field(ge=1)
    source: SourceSpec
    delivery: DeliverySpec | None = None
    file: str | None = None
    joins: list[JoinSpec] = Field(default_factory=list)
    rows: list[RowOperation] = Field(default_factory=list)
    fields: dict[str, FieldSpec] = Field(min_length=1)

    @property
    def source_columns(self) -> list[str]:
        """The extract's columns this target reads (columns the row operations make are not the file's, nor the
        keys of the items a JSON explode makes: ``phones.number``)."""
        made: set[str] = set()
        items: tuple[str, ...] = ()
        seen: dict[str, None] = dict.fromkeys(c for j in self.joins for c in j.on)
        for operation in self.rows:
            seen.update(dict.fromkeys(c for c in operation.reads if c not in made and not c.startswith(items)))
            made.update(operation.produces)
            if operation.explode is not None and operation.explode.as_json:
                items += (f"{operation.explode.column}.",)
        for spec in self.fields.values():
            seen.update(dict.fromkeys(c for c in spec.source_columns if c not in made and not c.startswith(items)))
        return list(seen)

    @property
    def optional_columns(self) -> list[str]:
        """The source columns a file may lack (read as empty): every one of a JSON or NDJSON source (a key
        absent from a record is null there), else those only ``optional`` fields read."""
        if self.source.format in JSON_FORMATS:
            return self.source_columns
        needed = {c for spec in self.fields.values() if not spec.optional for c in spec.source_columns}
        needed.update(c for operation in self.rows for c in operation.reads)
        needed.update(c for j in self.joins for c in j.on)
        return [c for c in self.source_columns if c not in needed]

    @property
    def required_columns(self) -> list[str]:
        """The source columns a file must have."""
        optional = set(self.optional_columns)
        return [c for c in self.source_columns if c not in optional]

    @property
    def read_columns(self) -> list[str]:
        """Every column the fields and row operations read, made ones included, in order."""
        seen: dict[str, None] = {}
        for operation in self.rows:
            seen.update(dict.fromkeys(operation.reads))
        for spec in self.fields.values():
            seen.update(dict.fromkeys(spec.source_columns))
        return list(seen)
