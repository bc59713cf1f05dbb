"""A department's own columns (not in the standard) are kept, typed and validated.

Dropping them by default lost data silently (a 保育 file's 認可年月日, 待機児童数) and let
impossible values (令和2年13月1日) pass unseen. Columns the standard does not define are therefore
published after the standard's columns under their own header, with a type inferred from the
header and the values, normalized like standard fields of that type (和暦 → ISO), and validated;
a manifest drops a column only on purpose (``columns: {列名: null}``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from tsunagu.errors import Location
from tsunagu.normalize.values import NORMALIZERS
from tsunagu.normalize.wareki import to_iso_date

if TYPE_CHECKING:
    from tsunagu.model import Report

DATE_HEADER = re.compile(r"(年月日|日付|期日|指定日|開設日|設立日|認可日)$|(^|[_\s])date$", re.I)
DATE_SHARE = 0.9  # a column this much made of dates is a date column
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def infer_field(name: str, values: pd.Series) -> dict[str, Any]:
    """A Table Schema field for an extra column (``x-normalize`` says how to normalize it).

    Integers and numbers only when every value is one (nothing to report, only to type); dates
    when the header names a date or nearly every value is one, so the odd impossible date is
    reported rather than hiding the column's type.
    """
    filled = [v for v in values.astype(str).str.strip() if v]
    field: dict[str, Any] = {"name": name, "type": "string", "x-normalize": "text", "x-extra": True}
    if not filled:
        return field
    numbers = [NORMALIZERS["number"](v).value for v in filled]
    if all(_INTEGER.fullmatch(v) for v in numbers):
        return {**field, "type": "integer", "x-normalize": "integer"}
    if all(_NUMBER.fullmatch(v) for v in numbers):
        return {**field, "type": "number", "x-normalize": "number"}
    dates = sum(to_iso_date(v).kind is not None for v in filled)
    if DATE_HEADER.search(name) or dates >= DATE_SHARE * len(filled):
        return {**field, "type": "date", "x-normalize": "date"}
    return field


def extra_columns(
    columns: list[str], used: set[str], excluded: set[str], standard: list[str]
) -> list[str]:
    """File columns no standard field took and the manifest did not drop, in file order."""
    return [c for c in columns if c not in used and c not in excluded and c not in standard]


def keep_extra_columns(
    table: pd.DataFrame,
    source: pd.DataFrame,
    extras: list[str],
    report: Report,
    file_name: str,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """``table`` with the extra columns appended (trimmed, normalized by their inferred type),
    and their field descriptors. Their ``column-unmapped`` warnings become one info each."""
    from tsunagu.normalize.values import normalize_column, trim_column

    fields: list[dict[str, Any]] = []
    out = table.copy()
    for column in extras:
        cells = trim_column(source[column].astype(object).where(source[column].notna(), ""), report)
        field = infer_field(column, cells)
        normalized, _ = normalize_column(
            cells.rename(column), field["x-normalize"], report, file_name
        )
        out[column] = normalized.reindex(out.index).fillna("")
        fields.append(field)
    kept = set(extras)
    report.problems[:] = [
        p
        for p in report.problems
        if not (p.code == "column-unmapped" and p.location.column in kept)
    ]
    for field in fields:
        location = Location(file=file_name, column=field["name"])
        report.add("column-kept", "info", location, type=field["type"])
    report.facts["extra_columns"] = fields
    return out, fields
