"""Old 推奨データセット tables become current-layout tables, driven by each schema's x-upgrade."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tsunagu.config import Settings
from tsunagu.errors import ConfigError
from tsunagu.model import Report
from tsunagu.normalize.layout import complete_lg_code, lg_check_digit, upgrade_table
from tsunagu.standards import SchemaRegistry, load_registry


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return load_registry(Settings().schemas_dir)


def read_table(path: Path) -> pd.DataFrame:
    """As the readers hand tables on: str cells, "" for empty, index = line in the file."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table.index = range(2, len(table) + 2)
    return table


@pytest.mark.parametrize(
    ("code5", "check"),
    [("12217", "3"), ("01100", "2"), ("13101", "6"), ("09201", "1"), ("47201", "8")],
)
def test_lg_check_digit_matches_published_codes(code5: str, check: str) -> None:
    assert lg_check_digit(code5) == check


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12217", ("122173", "completed")),
        ("１２２１７", ("122173", "completed")),  # full-width digits
        ("122173", ("122173", "kept")),
        ("1100", ("011002", "completed")),  # 01100 after Excel dropped the zero
        ("12", ("120006", "completed")),  # 都道府県コード (千葉県)
        ("122174", ("122174", "bad-check")),
        ("柏市", ("柏市", "invalid")),
        ("122", ("122", "invalid")),
        ("", ("", "kept")),
    ],
)
def test_complete_lg_code(value: str, expected: tuple[str, str]) -> None:
    assert complete_lg_code(value) == expected


def test_upgrade_old_aed_table(registry: SchemaRegistry, data_path) -> None:
    table = read_table(data_path("schemas/aed_suisho2020.csv"))
    old = registry.get("aed-installations", "suisho2020")
    report = Report()
    new, origin = upgrade_table(table, old, registry, report, "aed.csv")

    current = registry.get("aed-installations")
    assert list(new.columns) == [c for c in current.field_names if c in new.columns]
    assert list(new.index) == [2, 3, 4, 5]
    assert list(new["全国地方公共団体コード"]) == ["122173", "122173", "122174", "柏"]
    assert list(new["ID"]) == ["1", "2", "3", "4"]
    assert list(new["地方公共団体名"]) == ["千葉県柏市"] * 4
    assert new.loc[2, "所在地_連結表記"] == "千葉県柏市柏五丁目10番1号 本庁舎1階"
    assert new.loc[3, "所在地_連結表記"] == "千葉県柏市大島田48番地1"
    assert new.loc[2, "建物名等(方書)"] == "本庁舎1階"
    assert new.loc[3, "小児対応設備の有無"] == "無"
    assert all(isinstance(v, str) for v in new.to_numpy().ravel())
    assert "住所" not in new.columns and "管理課" not in new.columns

    assert origin["全国地方公共団体コード"] == "都道府県コード又は市区町村コード"
    assert origin["所在地_連結表記"] == "住所+方書"
    assert origin["地方公共団体名"] == "都道府県名+市区町村名"
    assert origin["設置位置"] == "設置位置"

    assert report.changes == {
        "layout-upgraded": 1,
        "layout-lg-code-completed": 1,
        "layout-cells-combined": 6,  # 4 × 都道府県名+市区町村名, 2 × 住所+方書
    }
    assert report.flatten("row", "column", "code", "severity") == [
        (None, "管理課", "layout-column-unmapped", "warning"),
        (4, "都道府県コード又は市区町村コード", "layout-lg-code-check-digit", "warning"),
        (5, "都道府県コード又は市区町村コード", "layout-lg-code-invalid", "warning"),
    ]
    unmapped, bad_check, _ = report.problems
    assert unmapped.params["filled"] == 2
    assert bad_check.params["expected"] == "122173"
    assert "122173" in bad_check.message("ja") and "aed.csv" in bad_check.message("en")
    assert report.facts["layout_upgrade"] == {
        "from": "aed-installations/suisho2020",
        "to": "aed-installations",
    }


def test_upgrade_old_toilet_table(registry: SchemaRegistry, data_path) -> None:
    table = read_table(data_path("schemas/toilets_suisho2020.csv"))
    report = Report()
    new, origin = upgrade_table(
        table, registry.get("public-toilets", "suisho2020"), registry, report, "toilets.csv"
    )
    assert list(new["全国地方公共団体コード"]) == ["122173", "120006"]
    assert list(new["バリアフリートイレ数"]) == ["1", "1"]
    assert origin["バリアフリートイレ数"] == "多機能トイレ数"
    assert list(new["所在地_連結表記"]) == ["千葉県柏市末広町1番1号", "千葉県柏市手賀 手賀沼公園内"]
    assert new.loc[3, "名称_英語"] == ""
    assert report.changes["layout-lg-code-completed"] == 2
    assert report.changes["layout-cells-combined"] == 3
    assert report.problems == []


def test_upgraded_table_validates_against_the_current_schema(
    registry: SchemaRegistry, data_path
) -> None:
    import frictionless

    table = read_table(data_path("schemas/toilets_suisho2020.csv"))
    new, _ = upgrade_table(
        table, registry.get("public-toilets", "suisho2020"), registry, Report(), "toilets.csv"
    )
    current = registry.get("public-toilets")
    descriptor = dict(current.frictionless_descriptor())
    descriptor["fields"] = [f for f in descriptor["fields"] if f["name"] in new.columns]
    rows = [list(new.columns), *new.to_numpy().tolist()]
    resource = frictionless.Resource(
        data=rows, schema=frictionless.Schema.from_descriptor(descriptor)
    )
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])


def test_origin_maps_back_to_the_departments_headers(registry: SchemaRegistry) -> None:
    table = pd.DataFrame(
        {"名称": ["柏市役所"], "住所": ["千葉県柏市柏五丁目10番1号"], "設置位置": ["1階"]},
        index=[7],
    )
    report = Report()
    new, origin = upgrade_table(
        table,
        registry.get("aed-installations", "suisho2020"),
        registry,
        report,
        "aed.xlsx",
        origin={"名称": "施設名", "住所": "所在地", "設置位置": "設置場所"},
    )
    assert origin == {"名称": "施設名", "所在地_連結表記": "所在地", "設置位置": "設置場所"}
    assert list(new.columns) == ["名称", "所在地_連結表記", "設置位置"]
    assert report.changes == {"layout-upgraded": 1}


def test_upgrade_of_an_empty_table_keeps_the_columns(registry: SchemaRegistry) -> None:
    table = pd.DataFrame({"NO": [], "住所": [], "方書": []}, dtype=object)
    report = Report()
    new, origin = upgrade_table(
        table, registry.get("public-toilets", "suisho2020"), registry, report, "empty.csv"
    )
    assert list(new.columns) == ["ID", "所在地_連結表記", "建物名等(方書)"]
    assert len(new) == 0
    assert origin["所在地_連結表記"] == "住所+方書"
    assert report.changes == {"layout-upgraded": 1}


def test_dropped_standard_column_is_warned(registry: SchemaRegistry) -> None:
    old = registry.get("aed-installations", "suisho2020")
    descriptor = dict(old.descriptor)
    upgrade = dict(descriptor["x-upgrade"])
    upgrade["columns"] = {**upgrade["columns"], "団体名": None}
    descriptor["x-upgrade"] = upgrade
    from dataclasses import replace

    edited = replace(old, descriptor=descriptor)
    table = pd.DataFrame({"名称": ["A", "B"], "団体名": ["柏市", ""]}, index=[2, 3])
    report = Report()
    new, _ = upgrade_table(table, edited, registry, report, "aed.csv")
    assert "団体名" not in new.columns
    assert report.flatten("column", "code") == [("団体名", "layout-column-dropped")]
    assert report.problems[0].params == {
        "column": "団体名",
        "filled": 1,
        "target": "aed-installations",
    }


def test_upgrade_of_a_current_schema_is_a_program_fault(registry: SchemaRegistry) -> None:
    with pytest.raises(ConfigError, match="no x-upgrade"):
        upgrade_table(pd.DataFrame(), registry.get("public-toilets"), registry, Report(), "x.csv")


def test_every_counter_and_problem_code_has_both_texts() -> None:
    from tsunagu.messages import catalogue

    codes = [
        "layout-upgraded", "layout-lg-code-completed", "layout-cells-combined",
        "layout-column-dropped", "layout-column-unmapped", "layout-lg-code-check-digit",
        "layout-lg-code-invalid",
    ]  # fmt: skip
    for code in codes:
        assert set(catalogue()[code]) == {"ja", "en", "title"}
    for code in codes[:3]:
        assert "{count}" in catalogue()[code]["ja"] and "{count}" in catalogue()[code]["en"]
