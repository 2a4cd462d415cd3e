"""A contract's ``pattern`` in plain words, for an analyst who does not read regular expressions:
``^[0-9]{9}$`` is "9 digits" / "9 chiffres"; ``^[A-Z][0-9][A-Z] [0-9][A-Z][0-9]$`` is "a letter, a digit, a
letter, a space, a digit, a letter, a digit". Only simple patterns are described (character classes, literal
characters, counts); anything else (alternatives, groups, look-arounds) gets None, and the report shows the
contract's example alone."""

from __future__ import annotations

import re

# token -> (singular en, plural en, singular fr, plural fr)
KINDS = {
    "digit": ("a digit", "digits", "un chiffre", "chiffres"),
    "upper": ("a capital letter", "capital letters", "une lettre majuscule", "lettres majuscules"),
    "lower": ("a lower-case letter", "lower-case letters", "une lettre minuscule", "lettres minuscules"),
    "letter": ("a letter", "letters", "une lettre", "lettres"),
    "alnum": ("a letter or digit", "letters or digits", "une lettre ou un chiffre", "lettres ou chiffres"),
    "space": ("a space", "spaces", "une espace", "espaces"),
}
_TOKEN = re.compile(r"(\\d|\[[^\]]+\]|\\.|[^\\\[\]{}()|*+?.^$])(\{(\d+)(?:,(\d+))?\}|\+|\?)?")


def _kind(token: str) -> str | None:
    """The kind of one character class or character; a literal character stands for itself (``literal:x``)."""
    if token in (r"\d", "[0-9]"):
        return "digit"
    if token.startswith("["):
        inner = token[1:-1]
        if inner.startswith("^"):
            return None
        has_upper, has_lower, has_digit = (bool(re.search(p, inner)) for p in ("[A-Z]", "[a-z]", "[0-9]"))
        if re.fullmatch(r"[A-Za-z0-9\-]+", inner) is None:
            return None
        if has_digit:
            return "alnum" if has_upper or has_lower else "digit"
        return "letter" if has_upper and has_lower else "upper" if has_upper else "lower" if has_lower else None
    if token.isspace():
        return "space"
    literal = token[1:] if token.startswith("\\") else token
    return f"literal:{literal}" if len(literal) == 1 else None


def _count(quantifier: str | None, low: str | None, high: str | None) -> tuple[int, int | None] | None:
    if not quantifier:
        return 1, 1
    if quantifier == "?":
        return 0, 1
    if quantifier == "+":
        return 1, None
    return int(low or 0), int(high) if high else int(low or 0)


def _words(kind: str, count: tuple[int, int | None], lang: str) -> str:
    if kind.startswith("literal:"):
        text = kind.removeprefix("literal:")
        return f"« {text} »" if lang == "fr" else f"'{text}'"
    one_en, many_en, one_fr, many_fr = KINDS[kind]
    one, many = (one_en, many_en) if lang == "en" else (one_fr, many_fr)
    low, high = count
    if (low, high) == (1, 1):
        return one
    if high is None:
        return f"{'un ou plusieurs' if lang == 'fr' else 'one or more'} {many}"
    if low == high:
        return f"{low} {many}"
    if low == 0 and high == 1:
        return f"{one} ({'facultatif' if lang == 'fr' else 'optional'})"
    return f"{low} {'à' if lang == 'fr' else 'to'} {high} {many}"


def describe_pattern(pattern: str, lang: str) -> str | None:
    """``pattern`` in words in ``lang`` (``en``/``fr``), or None when it is not simple enough to say."""
    body = pattern.removeprefix("^").removesuffix("$")
    parts: list[tuple[str, tuple[int, int | None]]] = []
    at = 0
    while at < len(body):
        found = _TOKEN.match(body, at)
        if found is None:
            return None
        kind = _kind(found.group(1))
        count = _count(found.group(2), found.group(3), found.group(4))
        if kind is None or count is None:
            return None
        if parts and kind.startswith("literal:") and parts[-1][0].startswith("literal:") and count == (1, 1) \
                and parts[-1][1] == (1, 1):  # literal text: 'RRN-'
            parts[-1] = (parts[-1][0] + kind.removeprefix("literal:"), (1, 1))
        elif parts and parts[-1][0] == kind and not kind.startswith("literal:") and count == (1, 1) \
                and parts[-1][1][0] == parts[-1][1][1]:
            low = parts[-1][1][0] + 1
            parts[-1] = (kind, (low, low))
        else:
            parts.append((kind, count))
        at = found.end()
    if not parts or len(parts) > 12:
        return None
    return ", ".join(_words(kind, count, lang) for kind, count in parts)
