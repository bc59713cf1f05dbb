"""Rows API values typed per the published Table Schema (issue 13).

The rows store keeps every cell as text (``"0012"`` must stay ``"0012"`` for filters and the CSV
download). A developer reading JSON wants numbers as numbers, booleans as booleans, dates and
times as ISO 8601 strings and an empty cell as ``null``; ``?raw=1`` keeps the text form. The
types come from the dataset's own published ``datapackage.json`` (the schema the CSV was
validated against, formats and ``trueValues`` included), not from guessing at the cells.

A cell that does not parse as its type (impossible for a validated file, but the file is on
disk and may be older than a schema change) stays text rather than failing the request.
Frictionless' own cell readers would work too, but they cost ~20 µs a cell through its field
objects; a page of 1000 rows × 40 fields must stay well under a second, so the few type rules
are written here (the same rules: Table Schema v1 types, formats and default true/false values).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Table Schema v1 defaults.
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")

Converter = Callable[[str], Any]


def _integer(_field: Mapping[str, Any]) -> Converter:
    return int


def _number(field: Mapping[str, Any]) -> Converter:
    group = field.get("groupChar")
    decimal = field.get("decimalChar")

    def convert(text: str) -> float | int:
        if group:
            text = text.replace(group, "")
        if decimal and decimal != ".":
            text = text.replace(decimal, ".")
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(text)  # JSON has no NaN/Infinity: keep the text
        return value

    return convert


def _boolean(field: Mapping[str, Any]) -> Converter:
    true = set(field.get("trueValues", TRUE_VALUES))
    false = set(field.get("falseValues", FALSE_VALUES))

    def convert(text: str) -> bool:
        if text in true:
            return True
        if text in false:
            return False
        raise ValueError(text)

    return convert


def _strptime(field: Mapping[str, Any], default: str) -> Callable[[str], datetime]:
    pattern = field.get("format") or "default"
    if pattern in ("default", "any"):
        return datetime.fromisoformat if pattern == "any" else _iso(default)
    return lambda text: datetime.strptime(text, pattern)


def _iso(kind: str) -> Callable[[str], datetime]:
    if kind == "date":
        return lambda text: datetime.combine(date.fromisoformat(text), time())
    if kind == "time":
        return lambda text: datetime.combine(date.min, time.fromisoformat(text))
    return lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))


def _date(field: Mapping[str, Any]) -> Converter:
    read = _strptime(field, "date")
    return lambda text: read(text).date().isoformat()


def _time(field: Mapping[str, Any]) -> Converter:
    read = _strptime(field, "time")
    return lambda text: read(text).time().isoformat()


def _datetime(field: Mapping[str, Any]) -> Converter:
    read = _strptime(field, "datetime")
    return lambda text: read(text).isoformat()


def _year(_field: Mapping[str, Any]) -> Converter:
    return int


#: Table Schema type → converter factory; every other type (string, any, geopoint …) is text.
CONVERTERS: dict[str, Callable[[Mapping[str, Any]], Converter]] = {
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "date": _date,
    "time": _time,
    "datetime": _datetime,
    "year": _year,
}


def _text(text: str) -> str:
    return text


class RowTyper:
    """Turns text rows into typed JSON values for one schema."""

    def __init__(self, fields: Sequence[Mapping[str, Any]]) -> None:
        self.types = {f["name"]: f.get("type", "string") for f in fields if "name" in f}
        self._convert: dict[str, Converter] = {
            f["name"]: CONVERTERS.get(f.get("type", "string"), lambda _f: _text)(f)
            for f in fields
            if "name" in f
        }

    def cell(self, name: str, text: Any) -> Any:
        if text is None or text == "":
            return None
        convert = self._convert.get(name, _text)
        try:
            return convert(text)
        except (ValueError, TypeError, OverflowError):
            return text

    def rows(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [{name: self.cell(name, value) for name, value in row.items()} for row in records]


def schema_fields(datapackage: Mapping[str, Any], resource: str = "csv") -> list[dict[str, Any]]:
    """The fields of ``resource`` (by name; else the first resource with a schema)."""
    resources = [r for r in datapackage.get("resources", []) if isinstance(r, dict)]
    chosen = [r for r in resources if r.get("name") == resource] or resources
    for entry in chosen:
        schema = entry.get("schema")
        if isinstance(schema, dict) and isinstance(schema.get("fields"), list):
            return [f for f in schema["fields"] if isinstance(f, dict)]
    return []


@lru_cache(maxsize=64)
def typer_for(path: Path, sha256: str) -> RowTyper:
    """The typer of a published ``datapackage.json`` (cached per version by its checksum)."""
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        package = {}
    return RowTyper(schema_fields(package if isinstance(package, dict) else {}))
