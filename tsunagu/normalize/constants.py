"""Columns every row shares (全国地方公共団体コード, 地方公共団体名) and a stable ID.

Departments rarely type the city's code on every row, and many lists have no ID at all. Both are
required by the standard and both are known to us, so they are filled in, but only where the
department left the column wholly empty: a partly filled column is their data, so its gaps are
reported instead of papered over.

Generated IDs are derived from what identifies the row (名称 + 所在地 …), not from its position,
so re-uploading the list with rows added or sorted differently keeps every existing row's ID.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tsunagu.errors import ConfigError, Location, ManifestError
from tsunagu.normalize.headers import SchemaLike

if TYPE_CHECKING:
    from tsunagu.model import Report

CODE_FIELD = "全国地方公共団体コード"
NAME_FIELD = "地方公共団体名"
# What identifies a row in the standards' tables, most specific first. Coordinates are left out
# on purpose: a re-surveyed point must not change the ID.
IDENTIFYING_FIELDS = (
    "名称",
    "所在地_連結表記",
    "所在地_町字",
    "所在地_番地以下",
    "建物名等(方書)",
    "設置位置",
    "品目",
    "イベント名",
    "開始日",
)
ID_PATTERN = re.compile(r"[0-9A-Za-z]+")
ID_DIGEST_BYTES = 6  # 12 hex digits: collisions stay negligible at a city's scale


def _is_empty(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype(str).str.strip() == "")


def _fill_column(
    out: pd.DataFrame, name: str, value: str, report: Report, file_name: str | None
) -> None:
    """Fill ``name`` with ``value`` when missing or wholly empty; else report its gaps."""
    if name in out.columns and not _is_empty(out[name]).all():
        _report_gaps(out[name], "constant-cell-empty", report, file_name, value=value)
        return
    out[name] = value
    _record_fill(report, "constant-filled", len(out), column=name, value=value)


def _record_fill(report: Report, code: str, cells: int, **detail: object) -> None:
    """A filled column is a change, recorded once: counted (every report lists the changes)
    and described in ``facts["filled_columns"]`` (which column, with what). It is not also a
    problem note: that repeated the change line, and named a column the file does not have."""
    report.count(code, cells)
    filled = report.facts.setdefault("filled_columns", [])
    filled.append({"code": code, "cells": cells, **detail})


def _report_gaps(
    series: pd.Series, code: str, report: Report, file_name: str | None, **params: str
) -> None:
    for row in series.index[_is_empty(series)]:
        location = Location(file=file_name, row=int(row), column=str(series.name))
        report.add(code, "warning", location, **params)


def identifying_fields(table: pd.DataFrame, id_field: str) -> list[str]:
    """The columns that identify a row; every other column when none of the usual ones exist.

    Wholly empty columns are skipped (apply_mapping adds every optional standard column), so
    the ID depends only on what the department actually wrote. The trade-off, documented for
    departments: editing a 名称 or 所在地 (or filling a column that was empty) gives a new ID.
    """
    filled = [c for c in table.columns if c != id_field and not _is_empty(table[c]).all()]
    fields = [f for f in IDENTIFYING_FIELDS if f in filled]
    return fields or filled


def _occurrence(keys: np.ndarray) -> np.ndarray:
    """How many earlier rows have the same key (``groupby(keys).cumcount()``, through a stable
    sort of the key codes: the groupby took 1.3 s per 100k rows, issue 17)."""
    codes, _ = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    run = np.arange(len(keys)) - np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    occurrence = np.empty(len(keys), dtype=np.int64)
    occurrence[order] = run
    return occurrence


def generate_ids(table: pd.DataFrame, fields: list[str], salt: str, prefix: str = "") -> pd.Series:
    """One ID per row: ``prefix`` + 12 hex digits of a BLAKE2b hash of the identifying cells.

    Rows identical in those cells are told apart by their occurrence number (the second 柏市役所
    gets its own ID); the first occurrence hashes without it, so adding a duplicate later does not
    change the ID of the first.
    """
    if fields:
        # Column-wise: one list per field, joined per row by zip (a row-wise ``agg`` built a
        # Series per row: 94 s at 100k rows, issue 17).
        columns = [table[f].astype(str).tolist() for f in fields]
        keys = pd.Series(["\x1f".join(cells) for cells in zip(*columns, strict=True)],
                         index=table.index, dtype=object)  # fmt: skip
    else:
        keys = pd.Series(table.index.astype(str), index=table.index)
    occurrence = _occurrence(keys.to_numpy())
    blake2b, salted = hashlib.blake2b, f"{salt}\x1e"
    texts = (
        f"{salted}{key}\x1e{n}" if n else salted + key
        for key, n in zip(keys.tolist(), occurrence.tolist(), strict=True)
    )
    ids = [
        prefix + blake2b(text.encode("utf-8"), digest_size=ID_DIGEST_BYTES).hexdigest().upper()
        for text in texts
    ]
    return pd.Series(ids, index=table.index, dtype=object)


def _fill_ids(
    out: pd.DataFrame,
    id_field: str,
    id_prefix: str,
    salt: str,
    report: Report,
    file_name: str | None,
) -> None:
    if id_field in out.columns and not _is_empty(out[id_field]).all():
        _report_gaps(out[id_field], "id-cell-empty", report, file_name)
        return
    fields = identifying_fields(out, id_field)
    out[id_field] = generate_ids(out, fields, salt, id_prefix)
    _record_fill(report, "id-generated", len(out), column=id_field, fields=fields)


def fill_constants(
    table: pd.DataFrame,
    schema: SchemaLike,
    report: Report,
    *,
    municipality_code: str,
    municipality_name: str,
    constants: dict[str, str],
    id_field: str = "ID",
    id_prefix: str | None = None,
    file_name: str | None = None,
) -> pd.DataFrame:
    """A copy of ``table`` with the municipality columns, manifest constants and IDs filled.

    Only fields of the schema are filled; a manifest constant naming another field is a manifest
    mistake and raises :class:`ManifestError`. Column order follows the schema for standard
    fields, so filling a missing column does not move the others.
    """
    if id_prefix and not ID_PATTERN.fullmatch(id_prefix):
        raise ConfigError(f'id_prefix must be ASCII letters and digits, got "{id_prefix}"')
    unknown = sorted(set(constants) - set(schema.field_names))
    if unknown:
        raise ManifestError(
            f"constants name fields not in schema {schema.slug!r}: {', '.join(unknown)}",
            message_ja=f"固定値の項目が標準「{schema.slug}」にありません: " + "、".join(unknown),
        )
    out = table.copy()
    values = {CODE_FIELD: municipality_code, NAME_FIELD: municipality_name, **constants}
    for name, value in values.items():
        if name in schema.field_names and value:  # no municipality known: nothing to fill
            _fill_column(out, name, value, report, file_name)
    if id_field in schema.field_names:
        _fill_ids(out, id_field, id_prefix or "", municipality_code, report, file_name)
    standard = [c for c in schema.field_names if c in out.columns]
    return out[standard + [c for c in out.columns if c not in standard]]
