"""Frictionless on the normalized table: every error, in the department's rows and headers."""

from __future__ import annotations

from pathlib import Path

import frictionless
import pytest

from tests.validators.conftest import draft_of, frame
from tsunagu.errors import ConfigError
from tsunagu.validators.frictionless_run import safe_descriptor, validate_csv, validate_table

BASE = {"ID": "0001", "名称": "柏市役所", "住所": "千葉県柏市柏五丁目10番1号"}


def _flat(problems):
    return [(p.location.row, p.location.column, p.code) for p in problems]


def test_clean_rows_give_no_problem_and_a_valid_report(facilities_schema):
    draft = draft_of(frame([BASE, dict(BASE, ID="0002")]))
    problems, report = validate_table(draft, facilities_schema)
    assert problems == []
    assert report["valid"] is True
    assert report["tasks"][0]["place"] == "table.csv"


def test_rows_and_headers_are_the_departments_own(facilities_schema):
    rows = [
        dict(BASE, 開設日="2024-04-01"),
        dict(BASE, ID="0002", 開設日="令和6年4月1日", 緯度="95"),
        dict(BASE, ID="0003", 名称=""),
    ]
    origin = {"開設日": "開設年月日", "名称": "施設名"}
    draft = draft_of(frame(rows, first_row=5), column_origin=origin)  # 3 title rows + header
    problems, _ = validate_table(draft, facilities_schema)
    assert _flat(problems) == [
        (6, "開設年月日", "type-error"),
        (6, "緯度", "constraint-error"),
        (7, "施設名", "constraint-error"),
    ]
    assert {p.rule for p in problems} == {"type-error", "constraint-error"}
    assert {p.severity.value for p in problems} == {"error"}
    date, latitude, required = problems
    assert date.params["cell"] == "令和6年4月1日"
    assert date.params["field_type"] == "date"
    assert "日付は 2024-04-01 の形式で書いてください" in date.message("ja")
    assert "2024-04-01 (Western year" in date.message("en")
    assert (latitude.params["constraint"], latitude.params["note"]) == (
        "maximum",
        'constraint "maximum" is "90"',
    )
    assert "90 以下の値にしてください" in latitude.message("ja")
    assert required.params["constraint"] == "required"
    assert "必須" in required.message("ja")


def test_every_error_is_reported_beyond_frictionless_default_limit(facilities_schema):
    rows = [dict(BASE, ID=f"{i:05d}", 収容人数="多数") for i in range(1100)]
    problems, report = validate_table(draft_of(frame(rows)), facilities_schema)
    assert len(problems) == 1100
    assert problems[-1].location.row == 1101
    assert report["stats"]["errors"] == 1100


def test_duplicate_key_names_the_other_row_even_after_a_multiline_cell(facilities_schema):
    rows = [dict(BASE, 備考="1階\n2階"), dict(BASE, 名称="柏市立図書館")]
    draft = draft_of(frame(rows))
    draft.table.index = [7, 9]
    problems, _ = validate_table(draft, facilities_schema)
    assert _flat(problems) == [(9, "ID", "primary-key")]
    assert problems[0].params["other_row"] == 7
    assert "7 行目と重複" in problems[0].message("ja")


def test_missing_required_column_is_a_missing_label_on_the_header_row(facilities_schema):
    table = frame([{"ID": "0001", "名称": "柏市役所"}], first_row=3)  # 住所 required, 経度 optional
    problems, _ = validate_table(draft_of(table), facilities_schema)
    assert _flat(problems) == [(2, "住所", "missing-label")]
    assert "必須の列「住所」がありません" in problems[0].message("ja")


def test_duplicate_headers_are_named_and_the_rest_still_validated(facilities_schema):
    table = frame([dict(BASE, 収容人数="x")])
    table.insert(1, "名称", "柏市役所", allow_duplicates=True)
    problems, _ = validate_table(draft_of(table), facilities_schema)
    assert _flat(problems) == [(1, "名称", "duplicate-label"), (2, "収容人数", "type-error")]


def test_blank_row_is_reported(facilities_schema):
    blank = dict.fromkeys(BASE, "")
    problems, _ = validate_table(draft_of(frame([BASE, blank])), facilities_schema)
    assert ("blank-row" in [p.code for p in problems]) and problems[0].location.row == 3


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "../outside.csv",
        "sub/../../x.csv",
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.csv",
    ],
)
def test_names_outside_the_working_directory_are_refused(tmp_path: Path, name: str):
    with pytest.raises(ConfigError) as info:
        validate_csv(tmp_path, name, {"fields": [{"name": "a", "type": "string"}]})
    assert info.value.code == "validation-path-unsafe"


@pytest.mark.parametrize(
    "descriptor",
    [
        "/etc/tsunagu/schema.json",
        {"fields": [{"name": "a", "type": "string"}], "path": "/etc/passwd"},
        {"fields": [{"name": "a", "type": "string", "$ref": "https://example.com/f.json"}]},
    ],
)
def test_descriptors_pointing_outside_are_refused(descriptor):
    with pytest.raises(ConfigError) as info:
        safe_descriptor(descriptor)
    assert info.value.code == "schema-descriptor-unsafe"


def test_frictionless_stays_untrusted_and_still_refuses_absolute_paths(tmp_path, facilities_schema):
    validate_table(draft_of(frame([BASE])), facilities_schema)
    assert frictionless.system.trusted is False
    (tmp_path / "t.csv").write_text("a\n1\n", encoding="utf-8")
    report = frictionless.Resource(path=str(tmp_path / "t.csv")).validate()
    assert [e.type for e in report.tasks[0].errors] == ["resource-error"]


def test_a_broken_schema_is_a_config_error(tmp_path):
    (tmp_path / "t.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        validate_csv(tmp_path, "t.csv", {"fields": [{"name": "a", "type": "no-such-type"}]})
    assert info.value.code == "schema-invalid"


def test_geometry_is_left_out_of_the_attribute_table(facilities_schema):
    import geopandas as gpd
    from shapely.geometry import Point

    table = gpd.GeoDataFrame(frame([BASE]), geometry=[Point(139.9757, 35.8676)], crs=4326)
    problems, report = validate_table(draft_of(table), facilities_schema)
    assert problems == []
    assert report["tasks"][0]["labels"] == ["ID", "名称", "住所"]


def test_errors_outside_the_table_keep_their_type(facilities_schema):
    from tsunagu.validators.frictionless_run import problem_from_error

    error = {"type": "source-error", "note": "the source is empty"}
    problem = problem_from_error(error, draft_of(frame([BASE])), facilities_schema)
    assert (problem.code, problem.rule, problem.severity.value) == (
        "frictionless-error",
        "source-error",
        "error",
    )
    assert "source-error: the source is empty" in problem.message("en")


def test_report_descriptor_has_no_wall_clock_timings():
    from tsunagu.validators.frictionless_run import without_timings

    raw = {
        "valid": True,
        "stats": {"seconds": 0.03, "rows": 2},
        "tasks": [{"stats": {"seconds": 1}}],
    }
    assert without_timings(raw) == {"valid": True, "stats": {"rows": 2}, "tasks": [{"stats": {}}]}
