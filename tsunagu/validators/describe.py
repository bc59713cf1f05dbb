"""Infer a Table Schema from a department's table (``tsunagu describe``), and tell when a later
file no longer fits it (schema drift).

The schema is inferred from the *normalised* values, the way the pipeline will see them: a
column of 令和6年4月1日 / R6.4.1 is a ``date`` (the pipeline converts 和暦), １，２３４ is an
``integer``. Frictionless' own ``describe`` sees only the text as written and would call both
``string``; hence this small inference over :data:`tsunagu.normalize.values.NORMALIZERS`
instead of the library's. Once written, the schema is the dataset's contract: the same
inference on a later file, compared with :func:`fits`, finds a type that no longer fits.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: A short closed list becomes an enum: at most this many distinct values, each short, and each
#: used on average at least twice (a list of names is not a category).
ENUM_MAX_VALUES = 12
ENUM_MAX_LENGTH = 20
ENUM_MIN_REPEAT = 2
#: A type no longer fits when more than this share of a column's filled cells breaks it; fewer
#: are typos, reported cell by cell by validation, not a change of the file's shape.
DRIFT_SHARE = 0.5
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HHMM = re.compile(r"\d{2}:\d{2}(?::\d{2})?")
# 人口（人）, 面積(㎢), 金額（千円）: a unit in brackets at the end of a numeric column's header.
_UNIT = re.compile(r"(?P<base>.+?)\s*[（(](?P<unit>[^（）()]{1,8})[）)]\s*")
#: contract type → inferred types that still fit it (a string holds anything).
_FITS = {
    "integer": {"integer"},
    "number": {"integer", "number"},
    "date": {"date"},
    "time": {"time"},
}


def _normalised(kind: str, value: str) -> str:
    from tsunagu.normalize.values import NORMALIZERS

    return NORMALIZERS[kind](value).value


_CODE = re.compile(r"[+-]?0\d")  # 0012 is a code, not a count: a number type would drop zeros


def _is_integer(value: str) -> bool:
    text = _normalised("integer", value)
    return bool(_INTEGER.fullmatch(text)) and not _CODE.match(text)


def _is_number(value: str) -> bool:
    text = _normalised("number", value)
    return bool(_NUMBER.fullmatch(text)) and not _CODE.match(text)


def _date_kind(value: str) -> str | None:
    """The notation a date was written in (``wareki``, ``western``, ``iso``), None if no date."""
    from tsunagu.normalize.wareki import to_iso_date

    result = to_iso_date(value)
    if result.value is not None and _ISO_DATE.fullmatch(result.value):
        return result.kind
    return None


def _is_time(value: str) -> bool:
    return bool(_HHMM.fullmatch(_normalised("time", value)))


_TESTS = (
    ("integer", _is_integer),
    ("number", _is_number),
    ("date", lambda v: _date_kind(v) is not None),
    ("time", _is_time),
)


def value_type(value: str) -> str:
    """The narrowest Table Schema type one filled cell normalises to."""
    for name, test in _TESTS:
        if test(value):
            return name
    return "string"


def column_type(values: Iterable[str]) -> str:
    """The narrowest type every value fits (integer ⊂ number; anything else falls to string)."""
    seen = {value_type(v) for v in values}
    if not seen:
        return "string"
    if len(seen) == 1:
        return seen.pop()
    return "number" if seen <= {"integer", "number"} else "string"


def _filled(series: pd.Series) -> pd.Series:
    text = series.astype(str).str.strip()
    return text[text != ""]


def infer_field(name: str, series: pd.Series) -> dict[str, Any]:
    """One Table Schema field for a column: type, required, enum, unit and date notation."""
    filled = _filled(series)
    distinct = list(dict.fromkeys(filled.tolist()))
    kind = column_type(distinct)
    field: dict[str, Any] = {"name": name, "type": kind}
    constraints: dict[str, Any] = {}
    if len(series) and len(filled) == len(series):
        constraints["required"] = True
    if kind == "string":
        spelled = list(dict.fromkeys(_normalised("text", v) for v in distinct))
        closed = (
            1 < len(spelled) <= ENUM_MAX_VALUES
            and len(filled) >= ENUM_MIN_REPEAT * len(spelled)
            and all(len(v) <= ENUM_MAX_LENGTH for v in spelled)
        )
        if closed:
            constraints["enum"] = spelled
    if kind in ("integer", "number"):
        unit = _UNIT.fullmatch(unicodedata.normalize("NFC", name))
        if unit:
            field["title"] = unit["base"]
            field["x-unit"] = unit["unit"]
    if kind == "date":
        notations = Counter(_date_kind(v) for v in distinct)
        field["x-written"] = sorted(k for k in notations if k)
    if constraints:
        field["constraints"] = constraints
    return field


def infer_schema(table: pd.DataFrame, source_name: str = "") -> dict[str, Any]:
    """A Table Schema descriptor for every column of ``table``, in the file's order."""
    fields = [infer_field(str(c), table[c]) for c in table.columns if str(c) != "geometry"]
    if _points(table) and not {"緯度", "経度"} & {f["name"] for f in fields}:
        # A point layer's attribute CSV carries its position: filled from the geometry by
        # normalize, so these two are no columns the department's file must have.
        fields += [
            {"name": name, "type": "number", "x-from-geometry": True} for name in ("緯度", "経度")
        ]
    descriptor: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if source_name:
        descriptor["x-described-from"] = {"file": source_name, "rows": len(table)}
    return descriptor


def _points(table: pd.DataFrame) -> bool:
    if "geometry" not in table.columns or not hasattr(table, "geom_type"):
        return False
    kinds = set(table.geom_type.dropna())
    return bool(kinds) and kinds <= {"Point"}


def fits(contract_type: str, series: pd.Series) -> bool:
    """Whether a column still fits its contract type (at most DRIFT_SHARE of it breaking it)."""
    allowed = _FITS.get(contract_type)
    filled = _filled(series)
    if allowed is None or filled.empty:
        return True
    codes, uniques = pd.factorize(filled)
    bad_unique = [value_type(v) not in allowed for v in uniques]
    bad = sum(bad_unique[c] for c in codes)
    return bad <= DRIFT_SHARE * len(filled)


@dataclass(frozen=True)
class Drift:
    """One change of shape against the contract: ``added``, ``removed``, ``renamed``, ``type``."""

    change: str
    column: str
    detail: str = ""


def compare(contract: dict[str, Any], columns: list[str], table: pd.DataFrame) -> list[Drift]:
    """How a file's header and columns differ from its contract (headers compared as people do:
    width, case and spaces do not count)."""
    from tsunagu.standards import header_key

    fields = {
        header_key(f["name"]): f for f in contract.get("fields", []) if not f.get("x-from-geometry")
    }
    present = {header_key(c): c for c in columns}
    removed = [f["name"] for k, f in fields.items() if k not in present]
    added = [c for k, c in present.items() if k not in fields]
    drifts: list[Drift] = []
    # A column gone and a new one at the same place is most likely the same column renamed.
    order = [f["name"] for f in fields.values()]
    for old in list(removed):
        position = order.index(old)
        new = columns[position] if position < len(columns) else None
        if new in added:
            drifts.append(Drift("renamed", new, old))
            removed.remove(old)
            added.remove(new)
    drifts += [Drift("removed", name) for name in removed]
    drifts += [Drift("added", name) for name in added]
    for key, column in present.items():
        field = fields.get(key)
        if field is None or column not in table.columns:
            continue
        if not fits(field.get("type", "string"), table[column]):
            found = column_type(_filled(table[column]).unique().tolist())
            drifts.append(Drift("type", column, f"{field.get('type')} → {found}"))
    return drifts


def merge(contract: dict[str, Any], inferred: dict[str, Any]) -> dict[str, Any]:
    """The schema a department accepts after a drift: the new file's columns, each keeping the
    contract's own field (titles, constraints written by hand) wherever its type still fits."""
    from tsunagu.standards import header_key

    old = {header_key(f["name"]): f for f in contract.get("fields", [])}
    fields = []
    for new in inferred["fields"]:
        kept = old.get(header_key(new["name"]))
        fits_old = kept is not None and new["type"] in _FITS.get(kept.get("type", "string"), {})
        if kept is not None and (kept.get("type", "string") == "string" or fits_old):
            fields.append(kept)
        else:
            fields.append(new)
    return {**contract, **{k: v for k, v in inferred.items() if k != "fields"}, "fields": fields}
