"""Draft a mapping from an extract's header and a sample of its values.

Each contract field gets the source column whose name is closest to the field's name, its French and
English synonyms or its descriptions, helped by what the values look like (dates, numbers, codes, the
contract's pattern). Dates get their format, numbers their decimal and thousands marks, codes a map to the
contract's codes (by code, label in either language, prefix or initial letter). Every choice carries a
confidence comment; unsure ones a TODO. Nothing is evaluated: the draft is YAML text.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from accord.contracts import Contract, ContractRegistry, Field
from accord.contracts.codelists import Code
from accord.errors import ExtractRejected
from accord.findings import Finding
from accord.mapping.compile import apply_mapping, fold
from accord.mapping.header import missing_columns
from accord.mapping.lint import lint_mapping
from accord.mapping.loader import Mapping, as_specs
from accord.mapping.source_spec import SourceSpec
from accord.readers import RawExtract, read_extract
from accord.reasons import ROW
from accord.regex import all_match

SYNONYMS: dict[str, list[str]] = {
    "person_id": ["no dossier", "numero dossier", "dossier", "identifiant", "client id", "id", "person id",
                  "file number", "no client", "numero client", "beneficiaire", "no beneficiaire"],
    "sin": ["nas", "numero assurance sociale", "social insurance number", "sin", "ssn"],
    "family_name": ["nom", "nom de famille", "surname", "last name", "family name", "lastname"],
    "given_name": ["prenom", "prenoms", "first name", "given name", "firstname"],
    "birth_date": ["date naiss", "date de naissance", "ddn", "dob", "birth date", "date of birth", "naissance"],
    "sex": ["sexe", "sex", "gender", "genre"],
    "postal_code": ["code postal", "cp", "postal code", "postcode", "zip"],
    "province": ["prov", "province", "territoire", "province territoire"],
    "preferred_language": ["langue", "language", "lang", "langue preferee", "preferred language"],
    "payment_id": ["no paiement", "numero paiement", "payment id", "payment ref", "reference paiement"],
    "program_code": ["programme", "program", "code programme", "prestation"],
    "amount": ["montant", "amount", "somme", "montant paye"],
    "payment_date": ["date paiement", "paid on", "payment date", "date versement", "date"],
    "status": ["statut", "state", "status", "etat"],
    "currency": ["devise", "currency", "monnaie"],
}
# Common agency spellings of contract codes that neither the code nor its labels give away.
CODE_SYNONYMS: dict[str, dict[str, str]] = {
    "sex": {"non binary": "X", "nonbinary": "X", "non binaire": "X", "autre": "X", "other": "X", "homme": "M",
            "femme": "F", "male": "M", "female": "F", "masculin": "M", "feminin": "F"},
    "status": {"void": "CANCELLED", "voided": "CANCELLED", "reversed": "CANCELLED", "annule": "CANCELLED",
               "verse": "PAID", "en cours": "PENDING"},
}
SECOND_PARTS = {"given_name": ["middle name", "second prenom", "autres prenoms", "deuxieme prenom"]}
NULL_TOKENS = ["N/D", "N/A", "NA", "-", "n/d", "n/a", "null", "NULL"]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d"]
TIMESTAMP_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                     "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M"]
FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "excel", ".xls": "excel", ".ods": "excel",
           ".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json", ".parquet": "parquet"}
SAMPLE = 2000
SAMPLES_SHOWN = 3  # sample values a draft shows per field


def _words(text: str) -> str:
    return " ".join(re.split(r"[^a-z0-9]+", fold(text))).strip()


@dataclass
class FieldChoice:
    name: str
    lines: list[str] = field(default_factory=list)  # YAML lines under the field
    confidence: str = "high"
    notes: list[str] = field(default_factory=list)  # English (the draft's YAML comments)
    source: str | None = None
    notes_fr: list[str] = field(default_factory=list)  # the same notes in French (the portal's page)
    samples: list[str] = field(default_factory=list)  # the first values of its column in the sample

    def note(self, en: str, fr: str, *, first: bool = False) -> None:
        self.notes.insert(0 if first else len(self.notes), en)
        self.notes_fr.insert(0 if first else len(self.notes_fr), fr)


def _name_score(column: str, contract_field: Field) -> float:
    candidates = [contract_field.name.replace("_", " "), *SYNONYMS.get(contract_field.name, [])]
    candidates += [_words(d) for d in (contract_field.description_fr, contract_field.description) if d]
    name = _words(column)
    return max(difflib.SequenceMatcher(None, name, _words(c)).ratio() for c in candidates if c)


def _values(raw: pl.DataFrame, column: str) -> list[str]:
    series = raw.get_column(column).drop_nulls().str.strip_chars()
    return [v for v in series.head(SAMPLE).to_list() if v and v not in NULL_TOKENS]


def _parses(series: pl.Series, fmt: str, timestamp: bool) -> int:
    if not timestamp:
        return int(series.str.strptime(pl.Date, fmt, strict=False).is_not_null().sum())
    text = series.str.replace(r"[Zz]$", "+00:00") if "%z" in fmt else series
    return int(text.str.to_datetime(fmt, strict=False, time_unit="us").is_not_null().sum())


def guess_date_format(values: list[str], timestamp: bool = False) -> tuple[list[str], bool, str]:
    """Formats that read the sample (date formats, or date-and-time ones for a ``timestamp``), whether Excel
    serials are present, and a note."""
    if not values:
        return [], False, "no values to learn the date format from"
    series = pl.Series(values)
    parsed = {f: _parses(series, f, timestamp) for f in (TIMESTAMP_FORMATS if timestamp else DATE_FORMATS)}
    best = max(parsed.values())
    serial = sum(1 for v in values if re.fullmatch(r"\d{5}", v)) > 0
    if best == 0:
        return [], serial, "no known date format reads these values"
    formats = [f for f, n in parsed.items() if n == best]
    if "%d/%m/%Y" in formats and "%m/%d/%Y" in formats:
        return ["%d/%m/%Y"], serial, "TODO: day and month are ambiguous in the sample; assumed day first"
    return formats[:1], serial, f"{best} of {len(values)} sample values read as {formats[0]}"


def _date_note_fr(note: str) -> str:
    """``guess_date_format``'s note in French."""
    if note.startswith("TODO: day and month"):
        return "À FAIRE : jour et mois sont ambigus dans l'échantillon ; jour en premier supposé"
    if note == "no values to learn the date format from":
        return "aucune valeur pour apprendre le format de date"
    if note == "no known date format reads these values":
        return "aucun format de date connu ne lit ces valeurs"
    read = re.fullmatch(r"(\d+) of (\d+) sample values read as (.+)", note)
    return f"{read[1]} des {read[2]} valeurs de l'échantillon lues comme {read[3]}" if read else note


def _number_marks(values: list[str]) -> tuple[str, str | None]:
    text = " ".join(values)
    if re.search(r"\d,\d{1,2}(\s|$)", text) and not re.search(r"\d\.\d", text):
        thousands = " " if re.search(r"\d[ \u00a0\u202f]\d{3}", text) else None
        return ",", thousands
    thousands = "," if re.search(r"\d,\d{3}(\.|\s|$)", text) else (" " if re.search(r"\d \d{3}", text) else None)
    return ".", thousands


def _plain(text: str) -> str:
    """A code or label compared loosely: accents, case, hyphens and underscores aside."""
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split())


def _code_for(value: str, contract_field: Field) -> str | None:
    codes = contract_field.codes or ()
    folded = _plain(value)
    synonym = CODE_SYNONYMS.get(contract_field.name, {}).get(folded)
    if synonym in (contract_field.enum or ()):
        return synonym
    tests: list[Callable[[Code], bool]] = [
        lambda c: _plain(c.value) == folded,
        lambda c: folded in (_plain(c.label_en), _plain(c.label_fr)),
        lambda c: len(folded) >= 2 and fold(c.value).startswith(folded),
        lambda c: any(difflib.SequenceMatcher(None, folded, w).ratio() >= 0.8
                      for w in re.split(r"[^a-z]+", fold(f"{c.label_en} {c.label_fr}")) if len(w) > 2),
    ]
    for test in tests:
        found = [c.value for c in codes if test(c)]
        if len(found) == 1:
            return found[0]
    if len(folded) == 1:
        found = [c.value for c in codes if folded in (_plain(c.label_en)[:1], _plain(c.label_fr)[:1])]
        if len(set(found)) == 1:
            return found[0]
    return None


def _codes(values: list[str], contract_field: Field, choice: FieldChoice) -> None:
    distinct = sorted(set(values))
    allowed = set(contract_field.enum or ())
    if set(distinct) <= allowed:
        return
    if {v.upper() for v in distinct} <= allowed and contract_field.name not in ("preferred_language",):
        choice.lines.append("case: upper")
        return
    mapped = {v: _code_for(v, contract_field) for v in distinct[:60]}
    unknown = [v for v, c in mapped.items() if c is None]
    pairs = ", ".join(f"{_quote(v)}: {_quote(c)}" for v, c in mapped.items() if c is not None)
    choice.lines += ["codes:", f"  map: {{{pairs}}}", "  unmapped: quarantine"]
    if unknown:
        choice.confidence = "low"
        codes = ", ".join(contract_field.enum or ())
        choice.note(f"TODO: no contract code found for {', '.join(unknown)} (codes: {codes})",
                    f"À FAIRE : aucun code du contrat trouvé pour {', '.join(unknown)} (codes : {codes})")


def _quote(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", value) and value.lower() not in (
        "yes", "no", "on", "off", "true", "false", "null", "y", "n") else f'"{value}"'


def _transforms(values: list[str], contract_field: Field, choice: FieldChoice) -> None:
    match contract_field.logical_type:
        case "date" | "timestamp":
            formats, serial, note = guess_date_format(values, contract_field.logical_type == "timestamp")
            choice.lines.append("date:")
            fallback = "%Y-%m-%dT%H:%M:%S%z" if contract_field.logical_type == "timestamp" else "%Y-%m-%d"
            choice.lines.append(f"  formats: [{', '.join(_quote(f) for f in formats) or _quote(fallback)}]")
            if serial and contract_field.logical_type == "date":
                choice.lines.append("  excel_serial: true")
            choice.note(note, _date_note_fr(note))
            if note.startswith(("TODO", "no ")):
                choice.confidence = "low"
        case "number" | "integer":
            decimal, thousands = _number_marks(values)
            if (decimal, thousands) != (".", None):
                marks = f"decimal: {_quote(decimal)}" + (f", thousands: {_quote(thousands)}" if thousands else "")
                choice.lines.append(f"number: {{{marks}}}")
        case "string" if contract_field.codes:
            _codes(values, contract_field, choice)
        case "string" if contract_field.pattern and any(v != v.upper() for v in values) and \
                all_match([v.upper() for v in values[:50]], contract_field.pattern):
            choice.lines.append("case: upper")


def _second_part(column: str, field_name: str) -> bool:
    """A column that completes the field's main column (a middle name for given_name)."""
    names = SECOND_PARTS.get(field_name, [])
    return any(difflib.SequenceMatcher(None, _words(column), n).ratio() >= 0.8 for n in names)


def _assign(raw: pl.DataFrame, contract: Contract) -> dict[str, tuple[str, float]]:
    columns = [c for c in raw.columns if c != ROW]
    scores = sorted(((_name_score(c, f), f.name, c) for f in contract.fields for c in columns), reverse=True)
    chosen: dict[str, tuple[str, float]] = {}
    used: set[str] = set()
    for score, name, column in scores:
        if score >= 0.55 and name not in chosen and column not in used:
            chosen[name] = (column, score)
            used.add(column)
    return chosen


def _source_block(file: Path, raw: RawExtract, source: SourceSpec, contract: Contract) -> list[str]:
    nulls = Counter(v for c in raw.frame.columns if c != ROW for v in raw.frame[c].drop_nulls().to_list()
                    if v.strip() in NULL_TOKENS)
    stem = re.sub(r"\d{4}[-_]?\d{2}([-_]?\d{2})?", "*", file.stem)
    lines = ["source:", f'  pattern: "{stem}{file.suffix}"', f"  format: {source.format}"]
    if source.format in ("csv",) and raw.encoding:
        lines.append(f"  encoding: {raw.encoding.replace('_', '-')}")
    if source.delimiter:
        lines.append(f'  delimiter: "{source.delimiter}"' if source.delimiter != "\t" else '  delimiter: "\\t"')
    if source.sheet:
        lines.append(f"  sheet: {_quote(source.sheet)}")
    tokens = ['""', *(_quote(t) for t, _ in nulls.most_common())]
    lines.append(f"  null_tokens: [{', '.join(tokens)}]")
    return lines


def _read(file: Path) -> tuple[RawExtract, SourceSpec]:
    from accord.readers.kinds import described, kind_of

    kind = kind_of(file)
    if kind not in ("text", "xlsx", "ods", "xls", "parquet"):  # read by its bytes, whatever its name says
        raise ExtractRejected(f"the sample is {described(kind, 'en')}, not a table: draft from one of the files it "
                              "holds (a zip delivery's mapping names each file: docs/mappings.md, deliveries)",
                              reason="wrong-format", file=file)
    fmt = {"text": FORMATS.get(file.suffix.lower(), "csv"), "parquet": "parquet"}.get(kind, "excel")
    source = SourceSpec.model_validate({"format": fmt})
    if fmt == "csv":
        from accord.readers.csv_reader import sniff_delimiter
        from accord.readers.text import decode

        text, _ = decode(file, file.read_bytes()[:1_000_000], None)
        source = SourceSpec.model_validate({"format": "csv", "delimiter": sniff_delimiter(text)})
    elif fmt == "excel":
        from python_calamine import CalamineWorkbook

        try:
            sheet = CalamineWorkbook.from_path(str(file)).sheet_names[0]
        except Exception as exc:  # a broken workbook: said as the readers say it, never a raw reader error
            raise ExtractRejected(f"the workbook cannot be read ({type(exc).__name__}: {exc})", reason="unreadable",
                                  file=file) from None
        source = SourceSpec.model_validate({"format": "excel", "sheet": sheet})
    return read_extract(file, source), source


def suggest_mapping(file: Path, contract: Contract, agency: str) -> tuple[str, list[FieldChoice]]:
    """The draft mapping YAML and the choice made for each contract field."""
    raw, source = _read(file)
    frame = raw.frame
    chosen = _assign(frame, contract)
    used = {column for column, _ in chosen.values()}
    choices = []
    for contract_field in contract.fields:
        choice = FieldChoice(contract_field.name)
        if contract_field.name in chosen:
            column, score = chosen[contract_field.name]
            values = _values(frame, column)
            choice.samples = values[:SAMPLES_SHOWN]
            second = [c for c in frame.columns if c not in used and c != ROW
                      and _second_part(c, contract_field.name)]
            if second:
                used.add(second[0])
                choice.lines.append(f"concat: {{columns: [{_quote(column)}, {_quote(second[0])}], separator: \" \"}}")
                choice.note(f"'{column}' and '{second[0]}' joined", f"« {column} » et « {second[0]} » réunies")
            else:
                choice.lines.append(f"from: {_quote(column)}")
            choice.source = column
            choice.confidence = "high" if score >= 0.8 else "medium"
            choice.note(f"column '{column}' ~ '{contract_field.name}' (name score {score:.2f})",
                        f"colonne « {column} » ~ « {contract_field.name} » (ressemblance des noms {score:.2f})",
                        first=True)
            _transforms(values, contract_field, choice)
        elif contract_field.enum and len(contract_field.enum) == 1:
            choice.lines.append(f"constant: {_quote(contract_field.enum[0])}")
            choice.note("the contract allows a single code", "le contrat ne permet qu'un code")
        else:
            choice.confidence = "none"
            choice.note(f"TODO: no column found for '{contract_field.name}'"
                        + (" (required by the contract)" if contract_field.required else ""),
                        f"À FAIRE : aucune colonne trouvée pour « {contract_field.name} »"
                        + (" (obligatoire dans le contrat)" if contract_field.required else ""))
        choices.append(choice)
    lines = [f"# Draft mapping suggested by accord from {file.name}. Review every TODO before use.",
             "mapping_version: 1", f"agency: {agency}", f"contract: {contract.id}",
             f"contract_version: {contract.major}", *_source_block(file, raw, source, contract), "fields:"]
    for choice in choices:
        if not choice.lines:
            lines.append(f"  # {choice.name}: " + "; ".join(choice.notes))
            continue
        lines.append(f"  {choice.name}:  # confidence: {choice.confidence}; " + "; ".join(choice.notes))
        lines += [f"    {line}" for line in choice.lines]
    return "\n".join(lines) + "\n", choices


def draft_findings(text: str, contract_registry: ContractRegistry, agency: str, contract: Contract) -> list[Finding]:
    """Lint the draft as if it were ``mappings/<agency>/<contract>.yaml``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / agency / f"{contract.id}.yaml"
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        return [dataclasses.replace(f, file=f"<draft {agency}/{contract.id}.yaml>")
                for f in lint_mapping(path, contract_registry)]


def default_major(contracts: ContractRegistry, mappings_dir: Path, contract_id: str) -> int:
    """The contract major a new mapping should target: the one most of the other agencies' mappings use (the
    newest of those in a tie), else the newest major whose latest version is active, else the newest."""
    from accord.mapping.loader import scan_mappings

    used = Counter(m.spec.contract_version for m in scan_mappings(mappings_dir, contracts).mappings
                   if m.spec.contract == contract_id) if mappings_dir.is_dir() else Counter()
    if used:
        return max(used, key=lambda major: (used[major], major))
    majors = sorted({c.major for c in contracts.contracts if c.id == contract_id})
    active = [m for m in majors if contracts.resolve(contract_id, m).status == "active"]
    return (active or majors)[-1]


def failing_fields(text: str, contract: Contract, file: Path, share: float = 0.5) -> dict[str, tuple[int, int]]:
    """The fields of a draft that fail on more than ``share`` of the sample rows (mapping errors and row rules):
    field -> (rows failing, rows). A draft that would quarantine most rows is not done."""
    try:
        [spec] = as_specs(yaml.safe_load(text))
    except Exception:  # a draft that does not validate: lint says why
        return {}
    draft = Mapping(spec=spec, contract=contract, file=file, sha256="")
    raw = read_extract(file, spec.source).frame
    if missing_columns(draft, raw) or raw.is_empty():
        return {}
    mapped = apply_mapping(draft, raw)
    from accord.validation import row_schema

    errors = pl.concat([mapped.errors, row_schema(contract).check(mapped.values)])
    counts = errors.filter(pl.col("column").is_not_null()).group_by("column").agg(pl.col(ROW).n_unique()).rows()
    return {name: (int(n), raw.height) for name, n in counts if n > share * raw.height and name in spec.fields}


def agreement(text: str, hand: Mapping, file: Path) -> dict[str, bool]:
    """For each field of the hand-written mapping: does the draft produce the same values and the same
    errors on ``file``? (Used to measure how well suggestions reproduce a mapping an analyst wrote.)"""
    [spec] = as_specs(yaml.safe_load(text))
    draft = Mapping(spec=spec, contract=hand.contract, file=file, sha256="")
    results = {}
    hand_out = apply_mapping(hand, read_extract(file, hand.spec.source).frame)
    draft_raw = read_extract(file, draft.spec.source).frame
    for name in hand.spec.fields:
        if name not in draft.spec.fields or missing_columns(_only(draft, name), draft_raw):
            results[name] = False
            continue
        draft_out = apply_mapping(_only(draft, name), draft_raw)
        same_values = draft_out.values[name].equals(hand_out.values[name])
        rules = [m.errors.filter(pl.col("column") == name).select(ROW, "rule").rows() for m in (draft_out, hand_out)]
        results[name] = same_values and rules[0] == rules[1]
    return results


def _only(mapping: Mapping, name: str) -> Mapping:
    spec = mapping.spec.model_copy(update={"fields": {name: mapping.spec.fields[name]}})
    return Mapping(spec=spec, contract=mapping.contract, file=mapping.file, sha256="")
