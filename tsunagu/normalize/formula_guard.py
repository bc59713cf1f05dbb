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
import pyarrow as pa
import pyarrow.compute as pc

from tsunagu.errors import Location
from tsunagu.formats.spreadsheet_safety import FORMULA_TRIGGERS, FULL_WIDTH_TRIGGERS
from tsunagu.model import Report
from tsunagu.normalize.arrow_text import (
    PY_WHITESPACE,
    arrow_text_of_str,
    first_chars,
    flags,
    matches,
    re2_chars,
)

MAX_ROWS_NAMED = 10
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"

# Leading spaces too (``[\s\u3000]``: Python's whitespace, U+3000 included): some spreadsheets
# trim them on import, and then the trigger leads. Patterns in RE2 over Arrow columns, so no
# Python string is made per cell (issue 17: 5.5 s of a 100k-row validate). The list of spaces
# is checked against ``re`` by a test.
_SPACES = PY_WHITESPACE
_LIVE_RE2 = f"^[{re2_chars(FORMULA_TRIGGERS)}]"
_LIKE_RE2 = f"^[{re2_chars(_SPACES)}]*[{re2_chars(FORMULA_TRIGGERS + FULL_WIDTH_TRIGGERS)}]"
_NUMBER_RE = re.compile(_NUMBER)
_LIVE_FIRST = np.array(sorted(map(ord, FORMULA_TRIGGERS)))
_LIKE_FIRST = np.array(sorted(map(ord, _SPACES | set(FORMULA_TRIGGERS + FULL_WIDTH_TRIGGERS))))


def _starting(values: pa.Array, first: np.ndarray, pattern: str) -> np.ndarray:
    """Cells matching ``pattern``, which can only match a cell starting with a character of
    ``first``: the regex runs on those few cells only."""
    maybe = np.isin(first_chars(values), first)
    if maybe.any():
        maybe[maybe] = matches(values.filter(pa.array(maybe)), pattern)
    return maybe


def _numbers(values: pa.Array, cells: np.ndarray) -> np.ndarray:
    """Which of ``cells`` are plain numbers (``_NUMBER``: Python's ``\\d`` takes every script's
    digits, RE2's only ASCII, so the few candidates are asked in Python)."""
    out = np.zeros(len(values), dtype=bool)
    at = np.flatnonzero(cells)
    texts = values.filter(pa.array(cells)).to_pylist()
    out[at] = [t is not None and _NUMBER_RE.fullmatch(t) is not None for t in texts]
    return out


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
        new = arrow_text_of_str(after[column])
        created = _starting(new, _LIVE_FIRST, _LIVE_RE2)
        if not created.any():
            continue
        old_column = before[column].reindex(after.index).fillna("")
        old = arrow_text_of_str(old_column)
        heads = [pc.utf8_slice_codeunits(v, 0, 1) for v in (new, old)]
        created &= flags(pc.not_equal(*heads))
        if column in numeric_columns:
            created &= ~_numbers(new, created)
        if created.any():
            if out is after:
                out = after.copy()
            out.loc[created, column] = old_column.astype(str)[created]
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
        values = arrow_text_of_str(table[column])
        like = _starting(values, _LIKE_FIRST, _LIKE_RE2)
        if not like.any():
            continue
        if column in numeric_columns:
            like &= ~_numbers(values, like)
        if not like.any():
            continue
        rows = [int(r) for r in table.index[like]]
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
