"""The fast engine against Frictionless, on generated tables and schemas: same answers, same order.

Every example runs both engines on the same Draft and compares the Frictionless-shaped errors
(type, row, field, cell, note, message, cells) in order, the summary statistics, and the Problems
made from them. A difference is a bug in the fast engine, never a reason to change this file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from tests.validators.conftest import JsonSchema, draft_of, frame
from tsunagu.errors import ConfigError
from tsunagu.model import Draft, Source
from tsunagu.validators.fast import validate_draft_table
from tsunagu.validators.fast.engine import BATCH_ROWS
from tsunagu.validators.frictionless_run import validate_table

NASTY = [
    "",
    " ",
    "1",
    "01",
    "-0",
    "+5",
    "1e3",
    "1.5",
    "1.50",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "１２",
    "٣",
    "1_000",
    "1,000",
    " 12 ",
    "12.",
    ".5",
    "9999999999999999999",
    "0.1000000000000000001",
    "123456789.123456",
    "2024-02-30",
    "2024-02-29",
    "2023-02-29",
    "2024-1-5",
    "2024-01-05",
    "0999-01-01",
    "2024/04/01",
    "令和6年4月1日",
    "R6.4.1",
    "24:00",
    "23:59:60",
    "12:30:00",
    "2024-01-05T10:00:00",
    "2024-01-05T10:00:00Z",
    "2024",
    "2024-05",
    "TRUE",
    "yes",
    "true",
    "0",
    "False",
    "はい",
    "x" * 300,
    "東京都柏市",
    "ｶｼﾜ",
    "カシワ",
    "a;b",
    "a\nb",
    '"q"',
    "35.86,139.97",
    "user@example.jp",
    "https://example.jp/a",
    "javascript:alert(1)",
    "00000000-0000-0000-0000-000000000000",
    "04-7167-1111",
    "90",
    "-90.5",
    "abc",
]
FIELD_KINDS: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "string", "format": "email"},
    {"type": "string", "format": "uri"},
    {"type": "string", "format": "uuid"},
    {"type": "integer"},
    {"type": "integer", "bareNumber": False},
    {"type": "number"},
    {"type": "number", "groupChar": ","},
    {"type": "number", "decimalChar": ","},
    {"type": "boolean"},
    {"type": "boolean", "trueValues": ["はい", "yes"], "falseValues": ["いいえ", "no"]},
    {"type": "date"},
    {"type": "date", "format": "%Y/%m/%d"},
    {"type": "time"},
    {"type": "datetime"},
    {"type": "year"},
    {"type": "yearmonth"},
    {"type": "geopoint"},
    {"type": "any"},
]
BOUNDS = {
    "integer": [0, 1, -1, 100, "5"],
    "number": [0, 1.5, -90, 90, "0.5"],
    "date": ["2024-01-01", "2024-12-31"],
    "year": [2000, 2024],
}
PATTERNS = [
    "[0-9]+",
    "[a-z]{1,3}",
    "[ァ-ヶー]+",
    r"\d+",
    "a|b",
    ".*",
    "[0-9]{2}-[0-9]{4}-[0-9]{4}",
    "(ab)+",
    "[^,]+",
    r"\w+",
    "1?",
    "東京都.*",
]
CELLS = st.one_of(st.sampled_from(NASTY), st.text(max_size=6))


@st.composite
def field_specs(draw: st.DrawFn, name: str) -> dict[str, Any]:
    spec = dict(draw(st.sampled_from(FIELD_KINDS)), name=name)
    kind = spec["type"]
    constraints: dict[str, Any] = {}
    if draw(st.booleans()):
        constraints["required"] = True
    if draw(st.integers(0, 3)) == 0:
        constraints["unique"] = True
    if kind in BOUNDS:
        for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if draw(st.integers(0, 3)) == 0:
                constraints[bound] = draw(st.sampled_from(BOUNDS[kind]))
    if kind == "string":
        if draw(st.booleans()):
            constraints["pattern"] = draw(st.sampled_from(PATTERNS))
        if draw(st.integers(0, 3)) == 0:
            constraints["minLength"] = draw(st.integers(0, 3))
        if draw(st.integers(0, 3)) == 0:
            constraints["maxLength"] = draw(st.integers(0, 5))
    if kind in ("string", "integer", "date", "boolean", "number") and draw(st.integers(0, 3)) == 0:
        constraints["enum"] = draw(st.lists(st.sampled_from(NASTY[:30]), min_size=1, max_size=3))
    if constraints:
        spec["constraints"] = constraints
    return spec


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], list[str], list[list[str]]]:
    names = draw(st.lists(st.sampled_from(["ID", "名称", "定員", "開設日", "緯度", "備考"]),
                          min_size=1, max_size=4, unique=True))  # fmt: skip
    fields = [draw(field_specs(n)) for n in names]
    descriptor: dict[str, Any] = {"fields": fields}
    if draw(st.integers(0, 3)):  # exclusiveMinimum/Maximum need a v2 schema, else ConfigError
        descriptor["$schema"] = "https://datapackage.org/profiles/2.0/tableschema.json"
    if draw(st.integers(0, 2)) == 0:
        descriptor["primaryKey"] = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2,
                                                 unique=True))  # fmt: skip
    labels = [n for n in names if draw(st.integers(0, 5))]  # now and then a field is missing
    if draw(st.integers(0, 4)) == 0:
        labels.append("余分な列")
    labels = draw(st.permutations(labels)) if labels else ["名称"]
    rows = draw(st.lists(st.lists(CELLS, min_size=len(labels), max_size=len(labels)),
                         max_size=12))  # fmt: skip
    if rows and draw(st.integers(0, 3)) == 0:
        rows.append(list(rows[0]))  # an exact duplicate row
    return descriptor, labels, rows


def _run_both(descriptor, labels, rows, batch_rows=BATCH_ROWS):
    table = frame([dict(zip(labels, r, strict=True)) for r in rows]) if rows else None
    if table is None:
        import pandas as pd

        table = pd.DataFrame({label: pd.Series([], dtype=str) for label in labels})
    table.columns = labels
    draft = draft_of(table) if rows else Draft(Source(Path("空.csv"), "csv", header_row=1), table)
    schema = JsonSchema("generated", descriptor)
    try:
        reference = validate_table(draft, schema)
    except (ConfigError, TypeError) as exc:
        # The reference refuses the schema, or crashes on it (a bound its own reader cannot
        # read): the fast engine must fail the same way, not invent an answer.
        with pytest.raises(type(exc)):
            validate_draft_table(draft, schema, batch_rows=batch_rows)
        return exc, None, None
    return reference, validate_draft_table(draft, schema, batch_rows=batch_rows), draft


def error_view(descriptor: dict[str, Any]) -> list[tuple[Any, ...]]:
    keys = ("type", "rowNumber", "fieldName", "cell", "note", "message", "cells", "label")
    return [
        tuple(str(e.get(k)) for k in keys) for task in descriptor["tasks"] for e in task["errors"]
    ]


def problem_view(problems) -> list[tuple[Any, ...]]:
    return [
        (p.code, p.location.row, p.location.column, p.params.get("cell"), p.params.get("note"))
        for p in problems
    ]


def assert_same(reference, fast) -> None:
    ref_problems, ref_report = reference
    fast_problems, fast_report, used = fast
    if currently_in_test_context():
        event(f"engine used: {used['used']} {used.get('reason', '')}")
    assert error_view(fast_report) == error_view(ref_report)
    assert problem_view(fast_problems) == problem_view(ref_problems)
    assert fast_report["valid"] == ref_report["valid"]
    ref_stats, fast_stats = ref_report["tasks"][0]["stats"], fast_report["tasks"][0]["stats"]
    for key in ("errors", "rows", "fields", "warnings"):
        assert fast_stats.get(key) == ref_stats.get(key), key


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from([1, 2, 3, 5, BATCH_ROWS]))
def test_fast_engine_matches_frictionless_on_generated_tables(case, batch_rows) -> None:
    """Also with tiny batches: duplicates, notes and caches must hold across batches."""
    reference, fast, _ = _run_both(*case, batch_rows=batch_rows)
    if fast is not None:
        assert_same(reference, fast)


def test_an_enum_value_past_int64_matches_nothing_and_breaks_nothing():
    schema = {
        "fields": [
            {"name": "ID", "type": "integer",
             "constraints": {"minimum": 0, "enum": ["9999999999999999999", "3"]}},
        ],
        "primaryKey": ["ID"],
    }  # fmt: skip
    for rows in ([[""], [""]], [["3"], ["4"], ["9999999999999999999"]]):
        for batch_rows in (1, BATCH_ROWS):
            reference, fast, _ = _run_both(schema, ["ID"], rows, batch_rows=batch_rows)
            assert fast is not None
            assert_same(reference, fast)
