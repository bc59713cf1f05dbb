"""Typed rows: the Table Schema rules of :mod:`tsunagu.services.rows_types`, one by one."""

from __future__ import annotations

import json

from tsunagu.services.rows_types import RowTyper, schema_fields, typer_for

FIELDS = [
    {"name": "n", "type": "integer"},
    {"name": "x", "type": "number"},
    {"name": "yen", "type": "number", "groupChar": ",", "decimalChar": "."},
    {"name": "ok", "type": "boolean"},
    {"name": "有無", "type": "boolean", "trueValues": ["有"], "falseValues": ["無"]},
    {"name": "day", "type": "date"},
    {"name": "jp_day", "type": "date", "format": "%Y/%m/%d"},
    {"name": "at", "type": "time", "format": "%H:%M"},
    {"name": "when", "type": "datetime"},
    {"name": "year", "type": "year"},
    {"name": "code", "type": "string"},
]


def test_cells_become_json_values_of_their_type():
    typer = RowTyper(FIELDS)
    row = {"n": "0012", "x": "35.8676", "yen": "1,200", "ok": "TRUE", "有無": "無",
           "day": "2024-04-01", "jp_day": "2024/04/01", "at": "09:00",
           "when": "2024-04-01T09:30:00", "year": "2024", "code": "0012"}  # fmt: skip
    assert typer.rows([row]) == [
        {
            "n": 12,
            "x": 35.8676,
            "yen": 1200.0,
            "ok": True,
            "有無": False,
            "day": "2024-04-01",
            "jp_day": "2024-04-01",
            "at": "09:00:00",
            "when": "2024-04-01T09:30:00",
            "year": 2024,
            "code": "0012",
        }
    ]


def test_empty_is_null_and_a_cell_that_does_not_parse_stays_text():
    typer = RowTyper(FIELDS)
    assert typer.cell("n", "") is None and typer.cell("code", "") is None
    assert typer.cell("n", "十二") == "十二"
    assert typer.cell("x", "nan") == "nan"  # JSON has no NaN
    assert typer.cell("ok", "maybe") == "maybe"
    assert typer.cell("unknown", "7") == "7"


def test_schema_fields_picks_the_csv_resource_and_typer_reads_the_package(tmp_path):
    package = {"resources": [{"name": "geojson"}, {"name": "csv", "schema": {"fields": FIELDS}}]}
    assert schema_fields(package) == FIELDS
    path = tmp_path / "datapackage.json"
    path.write_text(json.dumps(package), encoding="utf-8")
    assert typer_for(path, "sha-1").types["n"] == "integer"
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert typer_for(broken, "sha-2").types == {}
