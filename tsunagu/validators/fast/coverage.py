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
    if "missingValues" in descriptor and not _plain_missing(descriptor["missingValues"]):
        return "the schema declares labelled missing values"
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


def sniff_dialect(lines: Iterable[str]) -> type[csv.Dialect] | csv.Dialect:
    """The dialect Frictionless' CSV parser sniffs from these first lines."""
    try:
        return csv.Sniffer().sniff("".join(lines), SNIFF_DELIMITERS)
    except csv.Error:
        return csv.excel  # what Frictionless falls back to


def dialect_reason(dialect: type[csv.Dialect] | csv.Dialect, cells: Iterable[str]) -> str | None:
    """Why Frictionless would not read our comma-separated text back cell for cell, or None.

    Frictionless sniffs the dialect from the first 100 lines: a column of ``a;b`` values can
    make it pick another delimiter, and an ordinary table makes the sniffer guess
    ``doublequote=False`` — harmless unless a cell holds a ``"``. ``cells`` are the texts to
    look for such hazards in (call it lazily: it may scan the whole table).
    """
    quote = '"' if dialect.quotechar == "'" else dialect.quotechar
    if dialect.delimiter != "," or quote != '"' or dialect.escapechar is not None:
        return f'Frictionless would sniff the CSV dialect as "{dialect.delimiter}" ({quote})'
    if dialect.doublequote and not dialect.skipinitialspace:
        return None
    for cell in cells:
        if not dialect.doublequote and '"' in cell:
            return "a cell holds a double quote, which Frictionless' sniffed dialect misreads"
        if dialect.skipinitialspace and cell.startswith(" "):
            return "a cell starts with a space, which Frictionless' sniffed dialect drops"
    return None
