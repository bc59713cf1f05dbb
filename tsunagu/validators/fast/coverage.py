"""Whether the fast engine can give Frictionless' exact answer for a table, or must hand over.

Coverage is decided *before* any work, per schema and table, and the reason is kept so the
report can say why the reference engine ran (``facts["validation_engine"]``). Anything outside
what :mod:`tsunagu.validators.fast` reproduces hands the whole table to Frictionless: answers
must not depend on which engine ran.

Types never need to be listed here: cells the vectorised readers do not recognise are read by
Frictionless' own cell reader (see :mod:`tsunagu.validators.fast.types`). What falls back is
what changes the *shape* of validation: foreign keys (another table), a declared
``fieldsMatch``, keys over values Frictionless cannot hash, and CSV dialects its sniffer would
detect differently from the comma-separated file it is given.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any

# Types whose read values are lists or dicts: Frictionless' unique memory cannot hold them.
UNHASHABLE_TYPES = frozenset({"array", "object", "geojson", "list"})
SNIFF_DELIMITERS = ",\t;|"  # frictionless.formats.csv.parser
SNIFF_LINES = 100


def unsupported_reason(descriptor: Mapping[str, Any], labels: list[str]) -> str | None:
    """Why this schema/table cannot be validated by the fast engine, or None if it can."""
    if not labels:
        return "the table has no columns"
    if descriptor.get("foreignKeys"):
        return "foreign keys need the referenced table"
    if "fieldsMatch" in descriptor:
        return f'fieldsMatch "{descriptor["fieldsMatch"]}" is declared'
    keyed = set(_names(descriptor.get("primaryKey")))
    for spec in descriptor.get("fields", []):
        reason = _field_reason(spec, keyed)
        if reason:
            return reason
    return None


def _names(key: Any) -> list[str]:
    if not key:
        return []
    return [key] if isinstance(key, str) else [str(k) for k in key]


def _field_reason(spec: Mapping[str, Any], keyed: set[str]) -> str | None:
    name = spec.get("name", "")
    kind = spec.get("type", "any")
    is_keyed = name in keyed or bool(spec.get("constraints", {}).get("unique"))
    if is_keyed and kind in UNHASHABLE_TYPES:
        return f'field "{name}" of type {kind} is a key or unique'
    if kind == "boolean":
        true_values = set(spec.get("trueValues", ()))
        if true_values & set(spec.get("falseValues", ())):
            return f'field "{name}" has a value that is both true and false'
    if "missingValues" in spec and not _plain_missing(spec["missingValues"]):
        return f'field "{name}" declares labelled missing values'
    return None


def _plain_missing(values: Any) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def dialect_reason(lines: Iterable[str]) -> str | None:
    """Why Frictionless would not read these first lines as a plain comma-separated file.

    Frictionless sniffs the dialect from the first 100 lines; a column of ``a;b`` values or
    cells starting with spaces can make it pick another delimiter or skip initial spaces.
    """
    sample = "".join(lines)
    try:
        dialect = csv.Sniffer().sniff(sample, SNIFF_DELIMITERS)
    except csv.Error:
        dialect = csv.excel  # what Frictionless falls back to
    quote = '"' if dialect.quotechar == "'" else dialect.quotechar
    plain = (
        dialect.delimiter == ","
        and quote == '"'
        and not dialect.skipinitialspace
        and dialect.doublequote
        and dialect.escapechar is None
    )
    return None if plain else f'Frictionless would sniff the CSV dialect as "{dialect.delimiter}"'
