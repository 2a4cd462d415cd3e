"""A contract as a page an agency analyst can read: fields, types, rules, codes, examples, in EN and FR."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from accord.contracts.model import Contract, Field


def type_label(field: Field) -> str:
    if field.items is not None:
        return f"list of {type_label(field.items)}"
    unit = f", in {field.unit}" if field.unit else ""
    if field.is_decimal:
        return f"number ({field.precision} digits, {field.scale} decimals{unit})"
    return f"{field.logical_type} (in {field.unit})" if field.unit else field.logical_type


def rules(field: Field) -> list[str]:
    out = []
    if field.primary_key_position is not None:
        out.append("primary key")
    if field.unique:
        out.append("unique")
    if field.pattern:
        out.append(f"pattern {field.pattern}")
    if field.format:
        out.append(f"format {field.format}")
    if field.minimum is not None:
        out.append(f">= {field.minimum}")
    if field.maximum is not None:
        out.append(f"<= {field.maximum}")
    if field.min_length is not None or field.max_length is not None:
        out.append(f"length {field.min_length or 0}..{field.max_length if field.max_length is not None else ''}")
    if field.codes:
        out.append(f"codes: {', '.join(c.value for c in field.codes)}")
    if field.logical_type == "timestamp":
        out.append(f"local times in {field.default_timezone}")
    if field.items is not None:
        if field.min_items is not None or field.max_items is not None:
            most = field.max_items if field.max_items is not None else ""
            out.append(f"{field.min_items or 0}..{most} items")
        if field.unique_items:
            out.append("items all different")
        out += [f"each item: {rule}" for rule in rules(field.items)]
    return out


def _markdown_cell(value: object) -> str:
    return str(value).replace("|", r"\|").replace("\n", " ")


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("accord.contracts", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html.j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["md"] = _markdown_cell
    env.globals.update(type_label=type_label, rules=rules)
    return env


def render(contract: Contract, fmt: str) -> str:
    """``fmt``: ``md`` or ``html``. HTML is escaped (descriptions and codes are data, not markup)."""
    return _environment().get_template(f"contract.{fmt}.j2").render(c=contract)
