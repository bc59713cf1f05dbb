"""Old 推奨データセット (2020) tables → the current 自治体標準オープンデータセット layout.

Many municipalities still publish, and departments still keep, files in the old layout
(都道府県コード又は市区町村コード, NO, 住所, 方書 …). What changed is described as data, in each old
schema's ``x-upgrade`` member (see ``datasets/schemas/SOURCES.md``), so this module knows no
dataset by name: it renames, combines and completes the 全国地方公共団体コード check digit, and
reports — never silently drops — what has no place in the new layout.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

import pandas as pd

from tsunagu.errors import ConfigError, Location, Severity

if TYPE_CHECKING:
    from tsunagu.model import Report
    from tsunagu.standards import SchemaRegistry, StandardSchema

LG_CODE_WEIGHTS = (6, 5, 4, 3, 2)


def lg_check_digit(code5: str) -> str:
    """Check digit of a 5-digit 全国地方公共団体コード (JIS X 0402: weights 6,5,4,3,2, mod 11)."""
    total = sum(int(d) * w for d, w in zip(code5, LG_CODE_WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def complete_lg_code(value: str) -> tuple[str, str]:
    """Turn an old-layout code into the 6-digit code; returns ``(code, status)``.

    Status is ``"kept"`` (already right, or empty), ``"completed"`` (check digit added; a 1–2
    digit prefecture code or a 4-digit code that lost its leading zero is padded first),
    ``"bad-check"`` (6 digits whose last digit is not the check digit) or ``"invalid"``.
    A 5-digit value is read as a code without check digit, the old layout's usual form.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return "", "kept"
    if not text.isascii() or not text.isdigit() or len(text) > 6 or len(text) == 3:
        return value, "invalid"
    if len(text) <= 2:
        base = text.zfill(2) + "000"
        return base + lg_check_digit(base), "completed"
    if len(text) <= 5:
        base = text.zfill(5)
        return base + lg_check_digit(base), "completed"
    if lg_check_digit(text[:5]) != text[5]:
        return text, "bad-check"
    return text, "kept"


def upgrade_table(
    table: pd.DataFrame,
    old: StandardSchema,
    registry: SchemaRegistry,
    report: Report,
    file_name: str,
    *,
    origin: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Convert ``table`` (headers already renamed to ``old``'s standard names) to the new layout.

    Returns the new table (same index, ``str`` cells, columns in the current schema's order)
    and ``column_origin``: new column → the department's header(s) it came from, joined with
    ``+`` when several were combined. ``origin`` maps old standard names back to the
    department's own headers when an earlier step renamed them.
    """
    upgrade = old.upgrade
    if not upgrade:
        raise ConfigError(
            f"schema {old.slug} ({old.layout}) has no x-upgrade; it is not an old layout"
        )
    target = registry.get(upgrade["to"], "current")
    origin = origin or {}
    written = {col: origin.get(col, col) for col in table.columns}
    cells = table.fillna("").astype(str)
    columns: dict[str, pd.Series] = {}
    column_origin: dict[str, str] = {}

    _rename(cells, upgrade, columns, column_origin, written)
    _combine(cells, upgrade, columns, column_origin, written, report)
    _report_leftovers(cells, upgrade, written, report, file_name)
    for name in upgrade.get("lg_code", []):
        if name in columns:
            columns[name] = _complete_codes(columns[name], column_origin[name], report, file_name)

    order = [f for f in target.field_names if f in columns]
    upgraded = pd.DataFrame({name: columns[name] for name in order}, index=table.index)
    report.count("layout-upgraded", 1)
    report.facts["layout_upgrade"] = {"from": f"{old.slug}/{old.layout}", "to": target.slug}
    return upgraded, {name: column_origin[name] for name in order}


def _rename(
    cells: pd.DataFrame,
    upgrade: dict[str, Any],
    columns: dict[str, pd.Series],
    column_origin: dict[str, str],
    written: dict[str, str],
) -> None:
    for old_name, new_name in upgrade.get("columns", {}).items():
        if new_name and old_name in cells.columns:
            columns[new_name] = cells[old_name]
            column_origin[new_name] = written[old_name]


def _combine(
    cells: pd.DataFrame,
    upgrade: dict[str, Any],
    columns: dict[str, pd.Series],
    column_origin: dict[str, str],
    written: dict[str, str],
    report: Report,
) -> None:
    """Join parts (住所 + 方書) with the rule's separator, skipping empty parts."""
    for rule in upgrade.get("combine", []):
        parts = [p for p in rule["from"] if p in cells.columns]
        if not parts or rule["into"] in columns:
            continue
        frame = cells[parts].apply(lambda col: col.str.strip())
        columns[rule["into"]] = _join(frame, rule.get("sep", ""))
        column_origin[rule["into"]] = "+".join(written[p] for p in parts)
        joined = int((frame != "").sum(axis=1).gt(1).sum())
        report.count("layout-cells-combined", joined)


def _join(frame: pd.DataFrame, sep: str) -> pd.Series:
    joined = [sep.join(v for v in row if v) for row in frame.itertuples(index=False)]
    return pd.Series(joined, index=frame.index, dtype=object)


def _report_leftovers(
    cells: pd.DataFrame,
    upgrade: dict[str, Any],
    written: dict[str, str],
    report: Report,
    file_name: str,
) -> None:
    """Warn about each column that does not reach the new layout, with how much it held."""
    mapping = upgrade.get("columns", {})
    combined = {p for rule in upgrade.get("combine", []) for p in rule["from"]}
    for col in cells.columns:
        if (mapping.get(col) is not None) or col in combined:
            continue
        code = "layout-column-dropped" if col in mapping else "layout-column-unmapped"
        filled = int((cells[col].str.strip() != "").sum())
        report.add(
            code,
            Severity.WARNING,
            Location(file=file_name, column=written[col]),
            column=written[col],
            filled=filled,
            target=upgrade["to"],
        )


def _complete_codes(values: pd.Series, written: str, report: Report, file_name: str) -> pd.Series:
    out = []
    completed = 0
    for row, value in values.items():
        code, status = complete_lg_code(value)
        out.append(code)
        if status == "completed":
            completed += 1
        elif status in ("bad-check", "invalid"):
            report.add(
                "layout-lg-code-check-digit" if status == "bad-check" else "layout-lg-code-invalid",
                Severity.WARNING,
                Location(file=file_name, row=int(row), column=written),  # type: ignore[call-overload]  # pandas-stubs: labels are Hashable; Draft index = row number
                value=value,
                expected=code[:5] + lg_check_digit(code[:5]) if status == "bad-check" else "",
            )
    report.count("layout-lg-code-completed", completed)
    return pd.Series(out, index=values.index, dtype=object)
