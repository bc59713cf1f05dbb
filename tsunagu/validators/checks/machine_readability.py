"""``machine-readability``: the 機械判読 rules for tables (rule ids in :mod:`..rules`).

Most of these files were made to be printed: titles above the table, notes below it, merged
cells, blank rows for spacing, 「50人」 in a number column, three phone numbers in one cell. The
readers already worked around the layout (and recorded what they saw in ``report.facts``); this
check tells the department what to change so the next upload needs no workaround. All findings
are warnings: the normalized table is still usable, the source file is what needs fixing.
機種依存文字 are found by the readers and only tagged with their rule (``RULE_FOR_CODE``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from tsunagu.errors import Problem, Severity
from tsunagu.validators.check import (
    SPACES,
    CheckContext,
    DistinctValues,
    blank_texts,
    rows_of,
    text_matches,
)
from tsunagu.validators.rules import RULE_FOR_CODE

MAX_ROWS = 10
MAX_EXAMPLES = 3
FACT_CODES = {
    "merged_cells": "merged-cells",
    "title_rows": "title-rows",
    "notes_below": "notes-below-table",
    "hidden_sheets": "hidden-content",
    "hidden_columns": "hidden-content",
    "hidden_rows": "hidden-content",
    "formula_cells": "formula-cells",
}
WHAT_HIDDEN = {
    "hidden_sheets": ("シート", "sheets"),
    "hidden_columns": ("列", "columns"),
    "hidden_rows": ("行", "rows"),
}
LINE_BREAK = r"[\r\n]"
PHONE = r"0[0-9]{1,4}-?[0-9]{1,4}-?[0-9]{4}"
TWO_PHONES = rf"{PHONE}\D+{PHONE}"
WEEKDAY_LIST = r"[月火水木金土日](?:曜日?)?(?:\s*[・、,/／]\s*[月火水木金土日](?:曜日?)?)+"
LISTED_VALUES = r"[^、,・／]+[、,・／][^、,・／]+.*"
NUMBER_WITH_UNIT = r"[-+]?[0-9][0-9,]*(?:\.[0-9]+)?\s*[^\s0-9.,+-][^0-9]*"
NUMBER_WITH_SEPARATOR = r"[-+]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?"
LAYOUT_SPACES = r"(?s)\s+\S.*|.*\S\s+"  # NFKC text (全角スペース is " "); (?s): line breaks inside
# For each pattern, what every text it matches contains, in RE2 (SPACES: Python's ``\s``):
# RE2 finds the few candidates column-wise and Python's ``re`` decides on them.
SEPARATORS = "[、,・／]"
CANDIDATES = {
    TWO_PHONES: "(?s)0[0-9].*0[0-9]",
    WEEKDAY_LIST: "(?s)[月火水木金土日].*[・、,/／]",
    LISTED_VALUES: SEPARATORS,
    NUMBER_WITH_UNIT: r"[^0-9.,+\-]",
    NUMBER_WITH_SEPARATOR: ",",
    LAYOUT_SPACES: f"^[{SPACES}]|[{SPACES}]$",
}


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, list | tuple | set | dict):
        return len(value)
    return 1 if value else 0


def _examples(value: Any) -> list[str]:
    if isinstance(value, list | tuple | set | dict):
        return [str(v) for v in list(value)[:MAX_EXAMPLES]]
    return []


class MachineReadabilityCheck:
    type: ClassVar[str] = "machine-readability"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        yield from self._facts(ctx)
        table = ctx.table
        for column in table.columns:
            distinct = ctx.distinct(column)
            for code, mask in self._cell_findings(ctx, column, distinct.values):
                yield self._column_problem(ctx, column, code, distinct.spread(mask), table[column])
        yield from self._layout(ctx)

    def _facts(self, ctx: CheckContext) -> Iterator[Problem]:
        facts = ctx.draft.report.facts
        for fact, code in FACT_CODES.items():
            count = _count(facts.get(fact))
            if not count:
                continue
            what = WHAT_HIDDEN.get(fact, ("", ""))
            yield Problem(
                code=code,
                severity=Severity.WARNING,
                location=ctx.draft.location(),
                params={
                    "count": count,
                    "examples": "、".join(_examples(facts[fact])),
                    "what_ja": what[0],
                    "what_en": what[1],
                },
                rule=RULE_FOR_CODE[code],
            )

    @staticmethod
    def _cell_findings(
        ctx: CheckContext, column: str, text: pd.Series
    ) -> Iterator[tuple[str, np.ndarray]]:
        field_type = ctx.field_type(column)

        def full(pattern: str) -> np.ndarray:
            return text_matches(text, pattern, full=True, candidates=CANDIDATES[pattern])

        multiple = text_matches(text, LINE_BREAK, candidates=LINE_BREAK)
        if ctx.kind(column) == "phone" or any(w in str(column) for w in ("電話", "FAX")):
            multiple |= text_matches(text, TWO_PHONES, candidates=CANDIDATES[TWO_PHONES])
        if "曜日" not in str(column):
            multiple |= full(WEEKDAY_LIST)
        if field_type in ("date", "time", "datetime"):
            multiple |= full(LISTED_VALUES)
        if multiple.any():
            yield "multiple-values-in-cell", multiple
        if field_type in ("integer", "number"):
            unit = full(NUMBER_WITH_UNIT)
            separator = full(NUMBER_WITH_SEPARATOR) & ~unit
            if unit.any():
                yield "number-with-unit", unit
            if separator.any():
                yield "number-with-separator", separator

    def _layout(self, ctx: CheckContext) -> Iterator[Problem]:
        """Blank rows, unnamed blank columns and space-padding in the table as read."""
        raw = ctx.draft.raw_table if ctx.draft.raw_table is not None else ctx.table
        columns = []
        blank_rows = pd.Series(True, index=raw.index)
        for position in range(raw.shape[1]):
            distinct = DistinctValues.of(raw.iloc[:, position])
            empty = distinct.spread(blank_texts(distinct.values))
            blank_rows &= empty
            columns.append((position, distinct, empty))
        if len(raw.index) and blank_rows.any():
            yield self._problem(ctx, None, "layout-blank-rows", rows_of(blank_rows), [])
        for position, distinct, empty in columns:
            header = raw.columns[position]
            if _is_unnamed(header) and empty.all():
                problem = self._problem(ctx, str(header), "layout-blank-columns", [], [])
                problem.params["position"] = position + 1
                yield problem
                continue
            padded = distinct.spread(
                text_matches(
                    distinct.values, LAYOUT_SPACES, full=True, candidates=CANDIDATES[LAYOUT_SPACES]
                )
            )
            padded &= ~blank_rows
            if padded.any():
                rows = rows_of(padded)
                values = raw.iloc[:, position]
                examples = [repr(values.at[r]) for r in rows[:MAX_EXAMPLES]]
                yield self._problem(ctx, str(header), "layout-spaces", rows, examples)

    def _column_problem(
        self, ctx: CheckContext, column: str, code: str, mask: pd.Series, values: pd.Series
    ) -> Problem:
        # Examples by position: a long-form statistics table repeats a file row's label.
        rows = list(dict.fromkeys(rows_of(mask)))
        examples = [str(v) for v in values[mask.to_numpy(dtype=bool)].head(MAX_EXAMPLES)]
        return self._problem(ctx, column, code, rows, examples)

    @staticmethod
    def _problem(
        ctx: CheckContext, column: str | None, code: str, rows: list[int], examples: list[str]
    ) -> Problem:
        return Problem(
            code=code,
            severity=Severity.WARNING,
            location=ctx.draft.location(rows[0] if rows else None, column),
            params={"count": len(rows), "rows": rows[:MAX_ROWS], "examples": "、".join(examples)},
            rule=RULE_FOR_CODE[code],
        )


def _is_unnamed(header: object) -> bool:
    text = "" if header is None else str(header).strip()
    return text == "" or text.startswith("Unnamed") or text.lower() == "nan"
