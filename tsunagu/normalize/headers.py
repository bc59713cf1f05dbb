"""Departmental column names → the standard's field names.

Departments rename columns freely (緯度（世界測地系）, ＴＥＬ, ごみの分別方法_品目).
``propose_mapping`` suggests a mapping with a confidence and the method that found it, for a
person to confirm in the dataset manifest; ``apply_mapping`` applies the confirmed mapping and
reports every column it did not carry over, so nothing is dropped silently.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from tsunagu.errors import Location, ManifestError
from tsunagu.standards import LONG_VOWEL

if TYPE_CHECKING:
    import pandas as pd

    from tsunagu.model import Report

Method = Literal["exact", "alias", "normalized", "prefix-stripped", "fuzzy"]
Found = tuple[str | None, Method | None, float]  # (target, method, confidence)
Tables = dict[str, dict[str, str]]
FUZZY_THRESHOLD = 0.8
CONFIDENCE: dict[str, float] = {
    "exact": 1.0,
    "alias": 0.95,
    "normalized": 0.9,
    "prefix-stripped": 0.85,
}
_SEPARATORS = "_・:："
# Every bracket style → ( ): NFKC already turns （）［］｛｝ into ASCII; 「」【】 etc. it keeps.
_BRACKETS = str.maketrans(
    dict.fromkeys("[{<「『【〔〈《", "(") | dict.fromkeys("]}>」』】〕〉》", ")")
)
_BRACKETED = re.compile(r"\(.*?\)")
# A reading written as a bracketed note is the _カナ field: 施設名（カナ）, 名称(ふりがな).
_KANA_NOTE = re.compile(r"\((?:カナ|かな|フリガナ|ふりがな|ヨミガナ|よみがな|よみ|読み)\)$")
_NOISE = re.compile(r"[\s_・:\-]")


class SchemaLike(Protocol):
    """What normalize needs from a standard schema (tsunagu.standards.StandardSchema).

    A Protocol, not an import: normalize sits below validators in the layer order. Members are
    read-only properties so frozen dataclasses and computed properties both satisfy it.
    ``normalize_kind`` may return None; :func:`tsunagu.normalize.values.field_kind` then derives
    the kind from the field type.
    """

    @property
    def slug(self) -> str: ...

    @property
    def descriptor(self) -> dict[str, Any]: ...

    @property
    def field_names(self) -> list[str]: ...

    @property
    def required_fields(self) -> list[str]: ...

    def field(self, name: str) -> dict[str, Any]: ...

    def aliases(self) -> dict[str, list[str]]: ...

    def normalize_kind(self, name: str) -> str | None: ...


@dataclass(frozen=True)
class ColumnProposal:
    """One column's suggested standard field. ``rejected_target`` is set when another column
    matched the same field better, so the manifest editor can show why this one has none."""

    source: str
    target: str | None
    confidence: float
    method: Method | None
    rejected_target: str | None = None


def header_key(name: str) -> str:
    """Comparison key: NFKC (for matching only), case-folded, no spaces or separators, brackets
    unified; 建物名等（方書） and 建物名等(方書) give the same key."""
    folded = unicodedata.normalize("NFKC", name).casefold().translate(_BRACKETS)
    folded = _KANA_NOTE.sub("カナ", folded.translate(LONG_VOWEL).strip())
    return _NOISE.sub("", folded)


def bare_key(name: str) -> str:
    """header_key without bracketed notes: 緯度（世界測地系） → 緯度."""
    return header_key(_BRACKETED.sub("", header_key(name))) or header_key(name)


def common_prefix(columns: list[str]) -> str:
    """The prefix every column shares, cut back to its last separator (ごみの分別方法_).

    Only a prefix ending in a separator counts, so 名称 and 名称_カナ share nothing.
    """
    if len(columns) < 2:
        return ""
    prefix = columns[0]
    for column in columns[1:]:
        while not column.startswith(prefix):
            prefix = prefix[:-1]
    cut = max(prefix.rfind(sep) for sep in _SEPARATORS)
    return prefix[: cut + 1] if cut >= 0 else ""


def _lookup_tables(schema: SchemaLike) -> Tables:
    from tsunagu.vocabulary import vocabulary_aliases

    aliases = {name: list(labels) for name, labels in schema.aliases().items()}
    for name, labels in vocabulary_aliases(schema.field_names, schema.field).items():
        aliases.setdefault(name, []).extend(labels)
    normalized: dict[str, str] = {}
    bare: dict[str, str] = {}
    alias_exact: dict[str, str] = {}
    for name in schema.field_names:
        for label in [name, *aliases.get(name, [])]:
            if label != name:
                alias_exact.setdefault(label, name)
            normalized.setdefault(header_key(label), name)
            bare.setdefault(bare_key(label), name)
    return {"alias": alias_exact, "normalized": normalized, "bare": bare}


def _match_one(column: str, schema: SchemaLike, tables: Tables) -> Found:
    if column in schema.field_names:
        return column, "exact", CONFIDENCE["exact"]
    if column in tables["alias"]:
        return tables["alias"][column], "alias", CONFIDENCE["alias"]
    for key, table in ((header_key(column), "normalized"), (bare_key(column), "bare")):
        if key in tables[table]:
            return tables[table][key], "normalized", CONFIDENCE["normalized"]
    return None, None, 0.0


def _match_fuzzy(column: str, tables: Tables) -> Found:
    key = header_key(column)
    best = difflib.get_close_matches(key, list(tables["normalized"]), n=1, cutoff=FUZZY_THRESHOLD)
    if not best:
        return None, None, 0.0
    ratio = difflib.SequenceMatcher(None, key, best[0]).ratio()
    return tables["normalized"][best[0]], "fuzzy", round(ratio * 0.8, 3)


def _candidate(column: str, prefix: str, schema: SchemaLike, tables: Tables) -> Found:
    target: str | None
    method: Method | None
    target, method, confidence = _match_one(column, schema, tables)
    if target is None and prefix and column.startswith(prefix) and len(column) > len(prefix):
        target, method, confidence = _match_one(column[len(prefix) :], schema, tables)
        if target is not None:
            method, confidence = "prefix-stripped", CONFIDENCE["prefix-stripped"]
    if target is None:
        stripped = column[len(prefix) :] if prefix and column.startswith(prefix) else column
        target, method, confidence = _match_fuzzy(stripped or column, tables)
    return target, method, confidence


def propose_mapping(columns: list[str], schema: SchemaLike) -> list[ColumnProposal]:
    """One proposal per column, in column order; no two columns get the same target.

    Order of trust: exact name, a listed alias (``x-aliases``), the same name up to width,
    spaces and brackets, the same after removing a prefix common to every column, then a close
    spelling. When two columns want one field, the higher confidence (then the earlier column)
    keeps it and the other gets ``target=None`` with ``rejected_target`` set.
    """
    tables = _lookup_tables(schema)
    prefix = common_prefix(columns)
    found = [(column, *_candidate(column, prefix, schema, tables)) for column in columns]
    ranked = sorted(range(len(found)), key=lambda i: (-found[i][3], i))
    taken: set[str] = set()
    proposals: dict[int, ColumnProposal] = {}
    for i in ranked:
        column, target, method, confidence = found[i]
        if target is not None and target in taken:
            proposals[i] = ColumnProposal(column, None, 0.0, method, rejected_target=target)
            continue
        if target is not None:
            taken.add(target)
        proposals[i] = ColumnProposal(column, target, confidence, method)
    return [proposals[i] for i in range(len(found))]


def _resolve(
    columns: list[str], mapping: dict[str, str | None], schema: SchemaLike
) -> dict[str, str | None]:
    """The mapping completed with identity for columns already named as the standard, checked."""
    resolved: dict[str, str | None] = {}
    for column in columns:
        if column in mapping:
            resolved[column] = mapping[column]
        elif column in schema.field_names and column not in mapping.values():
            resolved[column] = column
    targets = [t for t in resolved.values() if t is not None]
    unknown = sorted(set(targets) - set(schema.field_names))
    if unknown:
        raise ManifestError(
            f"column mapping names fields not in schema {schema.slug!r}: {', '.join(unknown)}",
            message_ja=f"列の対応表に標準「{schema.slug}」にない項目があります: "
            + "、".join(unknown),
        )
    doubled = sorted({t for t in targets if targets.count(t) > 1})
    if doubled:
        raise ManifestError(
            f"column mapping maps several columns to: {', '.join(doubled)}",
            message_ja=f"列の対応表で複数の列が同じ項目に対応しています: {'、'.join(doubled)}",
        )
    return resolved


def apply_mapping(
    table: pd.DataFrame,
    mapping: dict[str, str | None],
    schema: SchemaLike,
    report: Report,
    file_name: str,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename to the standard, in the standard's column order; returns (table, column_origin).

    A file column named exactly as a standard field maps to it unless the mapping says otherwise.
    Columns with no mapping are left out and warned about (``column-unmapped``); columns mapped
    to None are left out with an info (``column-excluded``). A missing required field is an error
    (``required-column-missing``); a missing optional one is added empty.
    """
    columns = [str(c) for c in table.columns]
    resolved = _resolve(columns, mapping, schema)
    for column in columns:
        if column not in resolved:
            report.add("column-unmapped", "warning", Location(file=file_name, column=column))
        elif resolved[column] is None:
            report.add("column-excluded", "info", Location(file=file_name, column=column))
    origin = {target: source for source, target in resolved.items() if target is not None}
    for name in schema.required_fields:
        if name not in origin:
            report.add("required-column-missing", "error", Location(file=file_name, column=name))
    report.facts["columns_left_out"] = [c for c in columns if resolved.get(c) is None]
    report.count("column-renamed", sum(1 for s, t in origin.items() if s != t))
    out = table.loc[:, [origin[name] for name in schema.field_names if name in origin]].copy()
    out.columns = [name for name in schema.field_names if name in origin]
    for position, name in enumerate(schema.field_names):
        if name not in origin:
            out.insert(position, name, "")
    return out, origin
