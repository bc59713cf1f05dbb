"""Schema inference on normalised values, and the drift comparison against a contract."""

from __future__ import annotations

import pandas as pd

from tsunagu.validators.describe import compare, infer_schema, merge


def _table(**columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns, dtype=str)


def test_types_follow_the_normalised_values_wareki_and_thousands_included():
    table = _table(
        開始日=["令和6年4月1日", "R6.4.1", "2024/04/05", "平成31年4月30日"],
        人口=["1,200", "１３", "0", "-5"],
        面積=["1.5", "2", "3.25", "4"],
        コード=["0012", "0013", "0100", "1000"],
        区域=["柏1丁目", "柏2丁目", "", "柏4丁目"],
    )
    fields = {f["name"]: f for f in infer_schema(table)["fields"]}
    assert fields["開始日"]["type"] == "date"
    assert fields["開始日"]["x-written"] == ["western", "wareki"] or set(
        fields["開始日"]["x-written"]
    ) == {"wareki", "western"}
    assert fields["人口"]["type"] == "integer" and fields["面積"]["type"] == "number"
    assert fields["コード"]["type"] == "string"  # leading zeros: a code, not a count
    assert fields["人口"]["constraints"] == {"required": True}
    assert "constraints" not in fields["区域"]  # one empty cell: not required


def test_short_closed_lists_become_enums_and_headers_give_units():
    table = _table(
        品目=["可燃ごみ", "資源品", "可燃ごみ", "資源品", "不燃ごみ", "可燃ごみ"],
        名称=["柏小学校", "柏中学校", "柏高校", "柏第二小", "柏第三小", "柏第四小"],
        **{"人口（人）": ["1", "2", "3", "4", "5", "6"]},
    )
    fields = {f["name"]: f for f in infer_schema(table)["fields"]}
    assert fields["品目"]["constraints"]["enum"] == ["可燃ごみ", "資源品", "不燃ごみ"]
    assert "enum" not in fields["名称"].get("constraints", {})  # names do not repeat
    assert (fields["人口（人）"]["x-unit"], fields["人口（人）"]["title"]) == ("人", "人口")


def test_compare_names_added_removed_renamed_and_type_changes():
    contract = infer_schema(_table(区域=["a", "b"], 回数=["1", "2"], 日=["R6.4.1", "R6.4.2"]))
    same = _table(区域=["c"], 回数=["３"], 日=["2024-04-03"])
    assert compare(contract, list(same.columns), same) == []
    changed = _table(区域=["c", "d"], 回数の値=["1", "2"], 日=["毎週", "隔週"], 備考=["", ""])
    found = {(d.change, d.column) for d in compare(contract, list(changed.columns), changed)}
    assert found == {("renamed", "回数の値"), ("type", "日"), ("added", "備考")}
    fewer = _table(区域=["c"])
    found = {(d.change, d.column) for d in compare(contract, ["区域"], fewer)}
    assert found == {("removed", "回数"), ("removed", "日")}


def test_one_typo_is_a_cell_error_not_a_drift():
    contract = infer_schema(_table(回数=["1", "2", "3"]))
    typo = _table(回数=["1", "二", "3"])
    assert compare(contract, ["回数"], typo) == []


def test_accepting_keeps_hand_written_fields_whose_type_still_fits():
    contract = {
        "fields": [
            {"name": "区域", "type": "string", "title": "収集区域"},
            {"name": "回数", "type": "integer"},
        ]
    }
    inferred = infer_schema(_table(区域=["a"], 回数=["毎週"], 備考=["x"]))
    merged = {f["name"]: f for f in merge(contract, inferred)["fields"]}
    assert merged["区域"]["title"] == "収集区域"
    assert merged["回数"]["type"] == "string" and "備考" in merged
