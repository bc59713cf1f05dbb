"""``machine-readability``: layout left in the file is reported as warnings with its rule id."""

from __future__ import annotations

from tests.validators.conftest import draft_of, frame
from tsunagu.validators.checks.machine_readability import MachineReadabilityCheck
from tsunagu.validators.rules import RULE_FOR_CODE, RULES


def _flat(problems):
    return [(p.location.row, p.location.column, p.code, p.severity.value, p.rule) for p in problems]


def test_every_rule_for_code_names_a_known_rule():
    assert set(RULE_FOR_CODE.values()) <= set(RULES)
    assert all(set(text) == {"ja", "en"} for text in RULES.values())
    assert RULE_FOR_CODE["platform-dependent-char"] == "1-10"
    assert RULE_FOR_CODE["cp932-unicode-mismatch"] == "1-10"


def test_clean_table_has_no_findings(run_check):
    table = frame([{"名称": "柏市役所", "電話番号": "04-7167-1111", "収容人数": "300"}])
    assert run_check(MachineReadabilityCheck, draft_of(table, raw_table=table)) == []


def test_reader_facts_become_warnings(run_check):
    facts = {
        "merged_cells": ["A1:C1", "B5:B6"],
        "title_rows": 2,
        "notes_below": ["※令和6年4月1日現在"],
        "hidden_columns": ["F"],
        "hidden_rows": [],
        "formula_cells": 3,
        "encoding": "cp932",
    }
    table = frame([{"名称": "柏市役所"}])
    problems = run_check(MachineReadabilityCheck, draft_of(table, facts=facts))
    assert _flat(problems) == [
        (None, None, "merged-cells", "warning", "1-4"),
        (None, None, "title-rows", "warning", "cas-outside-notes"),
        (None, None, "notes-below-table", "warning", "cas-outside-notes"),
        (None, None, "hidden-content", "warning", "cas-hidden"),
        (None, None, "formula-cells", "warning", "1-7"),
    ]
    assert problems[0].params["count"] == 2
    assert problems[0].params["examples"] == "A1:C1、B5:B6"
    assert "非表示の列" in problems[3].message("ja")
    assert all("{" not in p.message("ja") + p.message("en") for p in problems)


def test_several_values_in_one_cell(run_check):
    rows = [
        {"電話番号": "04-7167-1111", "備考": "月・水・金", "利用可能曜日": "月・水・金"},
        {"電話番号": "04-7167-1111、04-7167-1112", "備考": "", "利用可能曜日": "月"},
        {"電話番号": "04-7164-3346", "備考": "1階\n2階", "利用可能曜日": ""},
    ]
    draft = draft_of(frame(rows), column_origin={"備考": "メモ"})
    problems = run_check(MachineReadabilityCheck, draft)
    assert _flat(problems) == [
        (3, "電話番号", "multiple-values-in-cell", "warning", "1-2"),
        (2, "メモ", "multiple-values-in-cell", "warning", "1-2"),
    ]
    assert problems[1].params["rows"] == [2, 4]


def test_dates_listed_in_one_cell(run_check):
    rows = [{"開設日": "2024-04-01"}, {"開設日": "2024-04-01、2024-05-01"}]
    problems = run_check(MachineReadabilityCheck, draft_of(frame(rows)))
    assert _flat(problems) == [(3, "開設日", "multiple-values-in-cell", "warning", "1-2")]


def test_units_and_thousands_separators_in_numbers(run_check):
    values = ("300", "50人", "1,000", "1,000人", "", "約20")
    rows = [{"名称": "柏市役所", "収容人数": v} for v in values]
    problems = run_check(MachineReadabilityCheck, draft_of(frame(rows)))
    assert _flat(problems) == [
        (3, "収容人数", "number-with-unit", "warning", "1-3"),
        (4, "収容人数", "number-with-separator", "warning", "1-3"),
    ]
    assert problems[0].params["rows"] == [3, 5]
    assert problems[0].params["examples"] == "50人、1,000人"


def test_units_in_text_columns_are_fine(run_check):
    table = frame([{"備考": "定員50人"}, {"名称": "1,000本桜の丘"}])
    assert run_check(MachineReadabilityCheck, draft_of(table)) == []


def test_blank_rows_blank_columns_and_padding_in_the_raw_table(run_check):
    raw = frame(
        [
            {"施設名": "柏市役所", "": "", "住所": "柏五丁目10番1号"},
            {"施設名": "", "": "", "住所": ""},
            {"施設名": "　沼南支所", "": "", "住所": "大島田48番地1"},
        ],
        first_row=3,
    )
    table = raw.drop(index=[4]).drop(columns=[""]).rename(columns={"施設名": "名称"})
    table["名称"] = table["名称"].str.strip()
    draft = draft_of(table, raw_table=raw, column_origin={"名称": "施設名", "住所": "住所"})
    problems = run_check(MachineReadabilityCheck, draft)
    assert _flat(problems) == [
        (4, None, "layout-blank-rows", "warning", "1-5"),
        (5, "施設名", "layout-spaces", "warning", "1-5"),
        (None, None, "layout-blank-columns", "warning", "1-5"),
    ]
    assert (
        problems[2]
        .message("ja")
        .endswith("左から 2 列目は見出しも値もない空の列です。列ごと削除してください。")
    )
