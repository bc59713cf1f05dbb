"""Value normalization by kind, with change counts and problems at the file's row."""

from __future__ import annotations

import pandas as pd
import pytest

from tsunagu.errors import ConfigError
from tsunagu.model import Report
from tsunagu.normalize.headers import apply_mapping, propose_mapping
from tsunagu.normalize.values import field_kind, normalize_values


@pytest.fixture
def aed(aed_schema, load_table, report):
    table = load_table("normalize/aed_kashiwa_messy.csv")
    mapping = {p.source: p.target for p in propose_mapping(list(table.columns), aed_schema)}
    table, _ = apply_mapping(table, mapping, aed_schema, report, "aed.csv")
    report.problems.clear()  # mapping problems are tested in test_headers
    report.changes.clear()
    return normalize_values(table, aed_schema, report, "aed.csv")


@pytest.fixture
def facility(facility_schema, load_table, report):
    table = load_table("normalize/public_facility_messy.csv")
    return normalize_values(table, facility_schema, report, "facility.csv")


def test_dates_times_and_phones_in_an_aed_list(aed):
    assert list(aed["設置開始日"]) == [
        "2019-05-01",
        "2019-04-30",
        "平成31年5月1日",  # out of era: left as written
        "2024/2/30",  # impossible: left as written
        "2024-04-01",
    ]
    assert list(aed["開始時間"]) == ["08:30", "08:00", "09:00", "08:30", "09:00"]
    assert list(aed["終了時間"]) == ["17:15", "17:00", "21:00", "17:15", "25:00"]
    assert list(aed["電話番号"]) == [
        "04-7167-1111",
        "04-7163-2201",
        "04-7134-3000",
        "7191-1111",
        "04-7164-1171",
    ]
    assert list(aed["内線番号"]) == ["234", "", "", "", ""]


def test_text_width_kana_and_padding(aed):
    assert aed.loc[2, "所在地_連結表記"] == "千葉県柏市柏五丁目10番1号"
    assert aed.loc[2, "名称_カナ"] == "カシワシヤクショホンチョウシャ"
    assert aed.loc[3, "名称_カナ"] == "カシワシリツカシワダイイチショウガッコウ"  # hiragana too
    assert aed.loc[4, "設置位置"] == "正面玄関"
    assert aed.loc[2, "設置位置"] == "1階　市民課前"


def test_problems_at_the_department_row(aed, report):
    assert report.flatten("row", "column", "code", "severity") == [
        (5, "電話番号", "phone-area-code-missing", "warning"),
        (4, "設置開始日", "wareki-out-of-era", "error"),
        (5, "設置開始日", "date-invalid", "error"),
        (6, "終了時間", "time-invalid", "error"),
    ]
    assert report.problems[1].params == {"value": "平成31年5月1日"}
    assert report.problems[1].location.file == "aed.csv"


def test_every_kind_of_change_is_counted(aed, report):
    assert dict(report.changes) == {
        "normalized-whitespace": 1,
        "normalized-width": 2,
        "normalized-kana": 5,
        "normalized-phone": 3,
        "normalized-phone-extension": 1,
        "normalized-wareki-date": 2,
        "normalized-western-date": 1,
        "normalized-time": 7,
    }


def test_counts_render_in_both_languages(aed, report):
    changes = {c["code"]: c["message"] for c in report.to_dict()["changes"]}
    assert changes["normalized-wareki-date"] == {
        "ja": "和暦の日付 2 件を西暦（YYYY-MM-DD）にしました。",
        "en": "Converted 2 dates from 和暦 to YYYY-MM-DD.",
    }


def test_postal_codes_numbers_and_datetimes(facility):
    assert list(facility["郵便番号"]) == ["277-0005", "277-0921", "277-0005"]
    assert list(facility["収容人数"]) == ["1200", "50人", "-1000"]  # a unit stays for the validator
    assert list(facility["延床面積"]) == ["12345.6", "980", "-"]
    assert list(facility["開設日"]) == ["1981-10-01", "1987-04-01", "2024-04-01"]
    assert list(facility["更新日時"]) == [
        "2024-04-01T09:00:00",
        "2024-04-01T17:30:00",
        "2024-04-01T09:00:00",
    ]
    assert facility.loc[4, "説明"] == "CD・DVDも貸出"
    assert facility.loc[3, "名称_カナ"] == "ショウナンコウミンカン"


def test_extension_that_cannot_be_placed_keeps_the_phone(facility, report):
    assert list(facility["電話番号"]) == ["04-7164-5252", "04-7191-7400(内線3)", "04-7164-8011"]
    assert list(facility["内線番号"]) == ["12", "5", ""]
    assert report.flatten("row", "column", "code") == [(3, "電話番号", "phone-extension-unplaced")]


def test_facility_counts(facility, report):
    assert dict(report.changes) == {
        "normalized-kana": 3,
        "normalized-postal-code": 3,
        "normalized-phone": 1,
        "normalized-phone-extension": 1,
        "normalized-width": 3,
        "normalized-number": 3,
        "normalized-wareki-date": 2,
        "normalized-western-date": 1,
        "normalized-datetime": 2,
    }


def test_columns_outside_the_schema_are_only_trimmed(aed_schema, report):
    table = pd.DataFrame({"名称": ["　柏市役所 "], "担当課": [" ｶﾞｲﾄﾞ "]}, index=[7])
    out = normalize_values(table, aed_schema, report, "aed.csv")
    assert out.loc[7, "名称"] == "柏市役所"
    assert out.loc[7, "担当課"] == "ｶﾞｲﾄﾞ"
    assert report.changes["normalized-whitespace"] == 2


def test_large_column_is_mapped_once_per_distinct_value(aed_schema):
    report = Report()
    n = 100_000
    table = pd.DataFrame(
        {"設置開始日": ["令和6年4月1日", "2024/4/1", "2024-04-01"] * n},
        index=range(2, 3 * n + 2),
    )
    out = normalize_values(table, aed_schema, report, "big.csv")
    assert (out["設置開始日"] == "2024-04-01").all()
    assert report.changes == {"normalized-wareki-date": n, "normalized-western-date": n}
    assert report.problems == []


def test_field_kind_is_derived_from_type_when_not_given(aed_schema, facility_schema):
    assert field_kind(aed_schema, "設置開始日") == "date"
    assert field_kind(aed_schema, "開始時間") == "time"
    assert field_kind(aed_schema, "緯度") == "number"
    assert field_kind(aed_schema, "URL") == "url"
    assert field_kind(aed_schema, "名称") == "text"
    assert field_kind(aed_schema, "電話番号") == "phone"
    assert field_kind(facility_schema, "収容人数") == "integer"
    assert field_kind(facility_schema, "更新日時") == "datetime"


def test_unknown_normalize_kind_is_a_schema_fault(aed_schema):
    class Broken(type(aed_schema)):
        def normalize_kind(self, name: str) -> str | None:
            return "zip"

    broken = Broken(aed_schema.slug, aed_schema.descriptor)
    with pytest.raises(ConfigError, match='field "名称" has unknown x-normalize'):
        field_kind(broken, "名称")


def test_spreadsheet_midnight_in_a_date_field_becomes_a_date(aed_schema, report):
    cells = ["2024-04-01 00:00:00", "2024-04-01 09:00:00"]
    table = pd.DataFrame({"設置開始日": cells}, index=[2, 3])
    out = normalize_values(table, aed_schema, report, "aed.xlsx")
    assert list(out["設置開始日"]) == ["2024-04-01", "2024-04-01 09:00:00"]
    assert dict(report.changes) == {"normalized-western-date": 1}


def test_extension_matching_a_full_width_extension_cell_is_placed(aed_schema, report):
    table = pd.DataFrame({"電話番号": ["04-7167-1111 内線5"], "内線番号": ["５"]}, index=[2])
    out = normalize_values(table, aed_schema, report, "aed.csv")
    assert (out.loc[2, "電話番号"], out.loc[2, "内線番号"]) == ("04-7167-1111", "5")
    assert report.problems == []


def test_non_text_columns_are_left_alone(aed_schema, report):
    table = pd.DataFrame({"名称": [" 柏市役所 "], "緯度": [35.8676]}, index=[2])
    out = normalize_values(table, aed_schema, report, "aed.csv")
    assert out.loc[2, "名称"] == "柏市役所"
    assert out.loc[2, "緯度"] == 35.8676


def test_a_value_that_already_meets_the_constraint_is_left_alone():
    """認定こども園（保育所型） is the enum's spelling; （） in kana is what the pattern allows."""
    from tsunagu.config import Settings
    from tsunagu.model import Report
    from tsunagu.normalize.values import normalize_values
    from tsunagu.standards import load_registry

    schema = load_registry(Settings().schemas_dir).get("child-care-facilities")
    table = pd.DataFrame(
        {"種別": ["認定こども園（保育所型）", "認定こども園(幼稚園型)"],
         "名称_カナ": ["カシワ（ホンテン）", "ｶｼﾜ"]},
        index=[2, 3],
    )  # fmt: skip
    out = normalize_values(table, schema, Report(), "f.csv")
    assert out["種別"].tolist() == ["認定こども園（保育所型）", "認定こども園（幼稚園型）"]
    assert out["名称_カナ"].tolist() == ["カシワ（ホンテン）", "カシワ"]


def test_kana_with_latin_letters_and_spaces_is_written_as_the_pattern_wants():
    from tsunagu.config import Settings
    from tsunagu.model import Report
    from tsunagu.normalize.values import normalize_values
    from tsunagu.standards import load_registry

    schema = load_registry(Settings().schemas_dir).get("child-care-facilities")
    table = pd.DataFrame(
        {"名称_カナ": ["ホイクエンHOPPA2ゴウ", "スタジオ ピクチャーズ"]}, index=[2, 3]
    )
    out = normalize_values(table, schema, Report(), "f.csv")
    assert out["名称_カナ"].tolist() == ["ホイクエンＨＯＰＰＡ２ゴウ", "スタジオ　ピクチャーズ"]


def test_dash_lookalikes_after_kana_become_the_long_vowel():
    from tsunagu.normalize.values import NORMALIZERS

    assert NORMALIZERS["kana"]("ハ―トリンク").value == "ハートリンク"  # U+2015
    assert NORMALIZERS["kana"]("ホ-ム").value == "ホーム"
    assert NORMALIZERS["kana"]("-カシワ").value == "-カシワ"  # not after a kana: left alone
