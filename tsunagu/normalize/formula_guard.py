"""Normalisation never makes a formula, and every formula-like cell is named at ingest.

Width folding turns ``＝1+1`` into ``=1+1`` and trimming turns ``\\t=1+1`` into ``=1+1``: text a
spreadsheet ignored became text it evaluates, in the canonical CSV and in ``rows.csv`` (issue
16). The canonical CSV stays byte-exact open data (no ``'`` prefix; the "for Excel" exports
neutralise), so the rule here is narrower: a value whose first character normalisation *turned
into* a formula trigger keeps the department's original text, unless it is a plain number in a
numeric column (``－５`` → ``-5`` is a number, never evaluated). Then every cell that still
starts like a formula (``= + - @``, TAB, CR and the full-width ``＝＋－＠``, after any spaces)
gets one warning per column naming its rows, so the department confirms them (security notes
§2.4, table row 16).
"""

from __future__ import annotations

import re
from collections.abc import Collection

import numpy as np
import pandas as pd

from tsunagu.errors import Location
from tsunagu.formats.spreadsheet_safety import FORMULA_TRIGGERS, FULL_WIDTH_TRIGGERS
from tsunagu.model import Report

MAX_ROWS_NAMED = 10
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_LIVE = "^[" + re.escape("".join(FORMULA_TRIGGERS)) + "]"
# Leading spaces too: some spreadsheets trim them on import, and then the trigger leads.
_LIKE = r"^[\s\u3000]*[" + re.escape("".join(FORMULA_TRIGGERS + FULL_WIDTH_TRIGGERS)) + "]"


# Every character ``[\s\u3000]`` matches: a cell can only look like a formula when its first
# character is one of these or a trigger, so the regex runs on those few cells only (issue 17:
# the regex over every cell of every column was 14 s of a 100k-row validate). Listed, not
# computed: scanning all of Unicode took 1.4 s of every command's start-up; a test checks the
# list against ``re``.
_SPACES = frozenset(
    map(chr, (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680))
) | frozenset(map(chr, (*range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)))
_LIKE_FIRST = _SPACES | frozenset(FORMULA_TRIGGERS + FULL_WIDTH_TRIGGERS)
_LIVE_FIRST = frozenset(FORMULA_TRIGGERS)


def _candidates(values: pd.Series, first: frozenset[str]) -> np.ndarray:
    """Where the cell's first character is in ``first`` (column-wise, through Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    heads = pc.utf8_slice_codeunits(pa.array(values.to_numpy(object), type=pa.large_string()), 0, 1)
    return pc.is_in(heads, value_set=pa.array(sorted(first), type=pa.large_string())).to_numpy(
        zero_copy_only=False
    )


def _matching(values: pd.Series, pattern: str, first: frozenset[str]) -> pd.Series:
    """``values.str.contains(pattern)`` for a pattern anchored at a character of ``first``."""
    found = np.zeros(len(values), dtype=bool)
    maybe = _candidates(values, first)
    if maybe.any():
        found[maybe] = values[maybe].str.contains(pattern, regex=True).to_numpy(bool)
    return pd.Series(found, index=values.index)


def _text_columns(table: pd.DataFrame) -> list[str]:
    return [
        c
        for c in table.columns
        if table[c].dtype == object or pd.api.types.is_string_dtype(table[c])
    ]


def keep_formulas_dead(
    before: pd.DataFrame,
    after: pd.DataFrame,
    numeric_columns: Collection[str],
    report: Report,
) -> pd.DataFrame:
    """``after`` with every cell normalisation turned into a live formula set back to
    ``before``'s text (same index and columns expected); counted as ``formula-not-created``."""
    out = after
    for column in _text_columns(after):
        if column not in before.columns:
            continue
        new = after[column].astype(str)
        old = before[column].reindex(after.index).fillna("").astype(str)
        created = _matching(new, _LIVE, _LIVE_FIRST)
        if not created.any():
            continue
        created &= new.str[:1] != old.str[:1]
        if column in numeric_columns:
            created &= ~new.str.fullmatch(_NUMBER)
        if created.any():
            if out is after:
                out = after.copy()
            out.loc[created, column] = old[created]
            report.count("formula-not-created", int(created.sum()))
    return out


def warn_formula_like(
    table: pd.DataFrame,
    numeric_columns: Collection[str],
    report: Report,
    file_name: str,
    origin: dict[str, str] | None = None,
) -> None:
    """One ``formula-like-cells`` warning per column whose cells start like a formula."""
    for column in _text_columns(table):
        values = table[column].astype(str)
        like = _matching(values, _LIKE, _LIKE_FIRST)
        if not like.any():
            continue
        if column in numeric_columns:
            like &= ~values.str.fullmatch(_NUMBER)
        if not like.any():
            continue
        rows = [int(r) for r in values.index[like.to_numpy(bool)]]
        named = (origin or {}).get(column, column)
        shown = ", ".join(str(r) for r in rows[:MAX_ROWS_NAMED])
        more = len(rows) - MAX_ROWS_NAMED
        report.add(
            "formula-like-cells",
            "warning",
            Location(file=file_name, row=rows[0], column=str(named)),
            count=len(rows),
            rows=shown + (f" (+{more})" if more > 0 else ""),
        )
