"""The fast engine's own contract: exact findings, the engine fact, fallbacks with reasons."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.validators.conftest import JsonSchema, draft_of, frame
from tsunagu.errors import ConfigError
from tsunagu.validators.engine import validate_draft
from tsunagu.validators.fast import validate_columns
from tsunagu.validators.fast.tables import validate_draft_table

SCHEMA = {
    "fields": [
        {"name": "ID", "type": "integer", "constraints": {"required": True}},
        {"name": "名称", "type": "string", "constraints": {"required": True, "maxLength": 6}},
        {"name": "開設日", "type": "date"},
        {"name": "定員", "type": "integer", "constraints": {"minimum": 0}},
    ],
    "primaryKey": ["ID"],
}
ROWS = [
    {"ID": "1", "名称": "柏市役所", "開設日": "2024-04-01", "定員": "10"},
    {"ID": "01", "名称": "", "開設日": "令和6年4月1日", "定員": "-1"},
    {"ID": "3", "名称": "沼南支所", "開設日": "2024-02-30", "定員": "50人"},
    {"ID": "", "名称": "", "開設日": "", "定員": ""},
]


def test_fast_engine_reports_exact_codes_rows_and_columns() -> None:
    draft = draft_of(frame(ROWS))
    problems, report, used = validate_draft_table(draft, JsonSchema("t", SCHEMA))
    assert used == {"used": "fast"}
    assert [(p.code, p.location.row, p.location.column, p.params["cell"]) for p in problems] == [
        ("constraint-error", 3, "名称", ""),
        ("type-error", 3, "開設日", "令和6年4月1日"),
        ("constraint-error", 3, "定員", "-1"),
        ("primary-key", 3, "ID", ""),
        ("type-error", 4, "開設日", "2024-02-30"),
        ("type-error", 4, "定員", "50人"),
        ("blank-row", 5, None, ""),
        ("primary-key", 5, "ID", ""),
    ]
    assert problems[3].params["other_row"] == 2  # "01" is the integer 1 of row 2
    assert report["valid"] is False
    assert report["tasks"][0]["stats"] == {"errors": 8, "warnings": 0, "fields": 4, "rows": 4}


def test_validate_draft_records_which_engine_ran(settings) -> None:
    draft = draft_of(frame(ROWS[:1]))
    fast = validate_draft(draft, JsonSchema("t", SCHEMA), settings, checks=[])
    reference = validate_draft(
        draft, JsonSchema("t", SCHEMA), settings, checks=[], engine="frictionless"
    )
    assert fast.report.facts["validation_engine"] == {"used": "fast"}
    assert reference.report.facts["validation_engine"] == {
        "used": "frictionless",
        "reason": "requested",
    }


def test_foreign_keys_fall_back_to_frictionless_with_the_reason() -> None:
    schema = dict(SCHEMA, foreignKeys=[{"fields": "ID", "reference": {"fields": "ID"}}])
    problems, _, used = validate_draft_table(draft_of(frame(ROWS[:2])), JsonSchema("t", schema))
    assert used == {"used": "frictionless", "reason": "foreign keys need the referenced table"}
    assert ("primary-key", 3) in [(p.code, p.location.row) for p in problems]


def test_a_semicolon_table_falls_back_because_frictionless_would_sniff_it() -> None:
    rows = [{"a;b": f"{i};{i + 1}"} for i in range(5)]
    _, _, used = validate_draft_table(draft_of(frame(rows)), JsonSchema("t", SCHEMA))
    assert used["used"] == "frictionless"
    assert "sniff" in used["reason"]


def test_unknown_engine_is_refused(settings) -> None:
    from tsunagu.errors import TsunaguError

    with pytest.raises(TsunaguError, match="unknown validation engine"):
        validate_draft(draft_of(frame(ROWS)), JsonSchema("t", SCHEMA), settings, engine="turbo")


def test_an_invalid_schema_is_a_config_error_like_the_reference() -> None:
    with pytest.raises(ConfigError, match="not a valid Table Schema"):
        validate_columns(["ID"], [pa.array(["1"])], {"fields": [{"name": "ID", "type": 5}]})


def test_chunked_columns_give_the_same_errors_as_contiguous_ones() -> None:
    cells = ["1", "x", "01", "", "2024", "-3"] * 50
    chunked = pa.chunked_array([cells[:100], cells[100:230], cells[230:]])
    schema = {
        "fields": [{"name": "n", "type": "integer", "constraints": {"minimum": 0, "unique": True}}]
    }
    whole = validate_columns(["n"], [pa.array(cells)], schema).errors
    assert validate_columns(["n"], [chunked], schema).errors == whole
    assert len(whole) > 250
