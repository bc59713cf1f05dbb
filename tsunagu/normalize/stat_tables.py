"""Tables as statistics sections make them: two-row headers, 合計/小計 rows, ``-``/``…``/``x``.

A statistics sheet is laid out for print: ``男``/``女`` over age bands, a 合計 row, ``-`` for
"none", ``…`` for "not available", ``x`` for "secret" (秘匿), footnote marks such as ``※1``
after a figure. Each of these is recognised, reported and handled as the manifest's
``statistics:`` says; a placeholder is never silently turned into a number (an emptied cell
keeps its reason in the report), and a total row is dropped only when the manifest asks.
With ``shape: long`` the flattened table is then melted into tidy rows (see :func:`to_long`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from tsunagu.errors import Location, Severity
from tsunagu.manifest import StatisticsSpec
from tsunagu.model import Report

#: What a placeholder means, by how it is written (after NFKC: － → -, ｘ → x).
PLACEHOLDERS = {
    "-": "none",
    "―": "none",
    "‐": "none",
    "−": "none",
    "…": "not-available",
    "...": "not-available",
    "x": "secret",
    "X": "secret",
    "χ": "secret",
    "*": "secret",
    "***": "secret",
}
TOTAL_LABELS = {"合計", "小計", "総計", "計", "総数", "総人口"}
# 1,234※1 / 567＊ / 89*2 / 12注1: a figure with a footnote mark after it.
_FOOTNOTE = re.compile(r"(?P<value>.*?\d)\s*(?P<mark>(?:※|\*|注)\d*)")
_UNNAMED = re.compile(r"(?:Unnamed: \d+|列\d+|column_\d+)?")


def _key(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def header_pairs(table: pd.DataFrame) -> list[tuple[str, str]]:
    """Each column's (upper, lower) header of a two-row header: the upper row is carried right
    over merged (empty) cells, as Excel shows a merged ``男`` over ``0-4歳``/``5-9歳``."""
    if table.empty:
        return []
    upper, pairs = "", []
    lower = table.loc[table.index[0]].astype(str).tolist()
    for top, sub in zip([str(c) for c in table.columns], lower, strict=True):
        top = "" if _UNNAMED.fullmatch(top.strip()) else top.strip()
        upper = top or upper
        pairs.append((upper, sub.strip()))
    return pairs


def is_group(pair: tuple[str, str]) -> bool:
    """A column under a group header (``男`` over ``0-4歳``), not a label such as 町丁目 (one
    header only, or the same text in both rows)."""
    upper, lower = pair
    return bool(upper and lower and upper != lower)


def flatten_header(table: pd.DataFrame, report: Report, file_name: str) -> pd.DataFrame:
    """Two header rows → one: the upper row is carried right over merged (empty) cells and
    joined to the lower with ``_`` (``男`` over ``0-4歳`` → ``男_0-4歳``)."""
    if table.empty:
        return table
    first = table.index[0]
    names = [f"{u}_{s}" if is_group((u, s)) else u or s for u, s in header_pairs(table)]
    out = table.drop(index=first)
    out.columns = names
    # The upper row's blanks were merged cells, now filled: no longer missing headers.
    filled = {str(i + 1) for i, n in enumerate(names) if n}
    report.problems[:] = [
        p
        for p in report.problems
        if not (p.code == "header-empty" and str(p.location.column) in filled)
    ]
    report.add(
        "statistics-header-flattened",
        Severity.INFO,
        Location(file=file_name, row=int(first)),
        example="、".join(n for n in names if "_" in n)[:80] or "-",
    )
    return out


def to_long(
    table: pd.DataFrame,
    pairs: list[tuple[str, str]],
    spec: StatisticsSpec,
    report: Report,
    file_name: str,
) -> pd.DataFrame:
    """The flattened table in tidy long form: one row per (labels, upper, lower, value).

    Which column is a label and which a value is decided by the header, as flatten_header
    decides whether to join: a column with a pair of different upper and lower headers is a
    value column (``男`` over ``0-4歳``); any other (``町丁目`` with nothing under or over it)
    is a label column, repeated on each long row. Rows come in file order, a file row's cells
    left to right, and each long row keeps the file row as its index label, so a problem the
    validation finds later is still reported at the row of the department's file. Every cell
    becomes a row, an emptied placeholder too (its value empty, its reason in the report):
    nothing is dropped in the melt.
    """
    upper_name, lower_name, value_name = spec.names
    groups = [is_group(p) for p in pairs]
    labels = [i for i, grouped in enumerate(groups) if not grouped]
    values = [i for i, grouped in enumerate(groups) if grouped]
    label_names = [str(table.columns[i]) for i in labels]
    taken = sorted(set(spec.names) & set(label_names))
    if not values or taken:
        # Melting would mix a label with a header column, or there is nothing to melt: the
        # table stays wide, and the error says why (it blocks, so nothing is half-published).
        report.add(
            "statistics-long-impossible",
            Severity.ERROR,
            Location(file=file_name, column=taken[0] if taken else None),
            names="、".join(taken) or "-",
        )
        return table
    width = len(values)
    out = table.iloc[np.repeat(np.arange(len(table)), width), labels].copy()
    out.columns = label_names
    out[upper_name] = np.tile([pairs[i][0] for i in values], len(table))
    out[lower_name] = np.tile([pairs[i][1] for i in values], len(table))
    out[value_name] = table.iloc[:, values].to_numpy(dtype=object).reshape(-1)
    out.index = table.index.repeat(width)
    report.add(
        "statistics-long-form",
        Severity.INFO,
        Location(file=file_name),
        columns=width,
        rows=len(out),
        names="、".join(spec.names),
    )
    return out


def total_rows(table: pd.DataFrame) -> list[int]:
    """Rows labelled 合計/小計/総計 … in one of their first two cells."""
    head = table.iloc[:, :2].map(_key)
    return [int(i) for i in table.index[head.isin(TOTAL_LABELS).any(axis=1).to_numpy()]]


def apply_statistics(
    table: pd.DataFrame, spec: StatisticsSpec, report: Report, file_name: str
) -> pd.DataFrame:
    """Header, totals, footnote marks and placeholders, each reported with where it was; then
    the long form when the manifest asks for it (``shape: long``)."""
    pairs: list[tuple[str, str]] = []
    if spec.header_rows == 2:
        pairs = header_pairs(table)
        table = flatten_header(table, report, file_name)
    totals = total_rows(table)
    if totals:
        report.add(
            "statistics-total-rows",
            Severity.INFO if spec.totals == "drop" else Severity.WARNING,
            Location(file=file_name, row=totals[0]),
            rows=", ".join(map(str, totals)),
            action=spec.totals,
        )
        if spec.totals == "drop":
            table = table.drop(index=totals)
    table = table.copy()
    emptied: list[dict[str, Any]] = []
    for column in table.columns:
        values = table[column].astype(str)
        keys = values.map(lambda v: unicodedata.normalize("NFKC", v).strip())
        marked = keys.str.fullmatch(_FOOTNOTE.pattern)
        if marked.any():
            table.loc[marked, column] = keys[marked].str.replace(
                _FOOTNOTE, r"\g<value>", regex=True
            )
            report.add(
                "statistics-footnote-marks",
                Severity.INFO,
                Location(file=file_name, row=int(str(marked.idxmax())), column=str(column)),
                count=int(marked.sum()),
            )
        meaning = keys.map(PLACEHOLDERS)
        found = meaning.notna()
        if not found.any():
            continue
        kinds = "、".join(sorted(set(meaning[found])))
        report.add(
            "statistics-placeholders",
            Severity.INFO,
            Location(file=file_name, row=int(str(found.idxmax())), column=str(column)),
            count=int(found.sum()),
            meanings=kinds,
            action=spec.placeholders,
        )
        if spec.placeholders == "empty":
            emptied += [
                {"row": int(i), "column": str(column), "value": values[i], "meaning": meaning[i]}
                for i in table.index[found.to_numpy()]
            ]
            table.loc[found, column] = ""
    if emptied:
        report.facts["placeholders_emptied"] = emptied
    if spec.shape == "long" and pairs:
        table = to_long(table, pairs, spec, report, file_name)
    return table
