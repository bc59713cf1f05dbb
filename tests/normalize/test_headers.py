"""Column mapping: proposals with method and confidence; applying reports what is left out."""

from __future__ import annotations

import pandas as pd
import pytest

from tsunagu.errors import ManifestError
from tsunagu.normalize.headers import (
    ColumnProposal,
    apply_mapping,
    bare_key,
    common_prefix,
    header_key,
    propose_mapping,
)


def _by_source(proposals: list[ColumnProposal]) -> dict[str, tuple]:
    return {p.source: (p.target, p.method) for p in proposals}


def test_header_key_ignores_width_case_spaces_and_bracket_style():
    assert header_key("建物名等（方書）") == header_key("建物名等(方書)")
    assert header_key("ＴＥＬ") == header_key("tel") == "tel"
    assert header_key("所在地 _連結表記") == header_key("所在地連結表記")


def test_bare_key_drops_bracketed_notes():
    assert bare_key("緯度（世界測地系）") == "緯度"
    assert bare_key("（注）") == header_key("（注）")  # nothing left: keep the brackets


def test_common_prefix_cuts_at_a_separator():
    assert common_prefix(["ごみの分別方法_品目", "ごみの分別方法_分別区分"]) == "ごみの分別方法_"
    assert common_prefix(["名称", "名称_カナ"]) == ""
    assert common_prefix(["名称"]) == ""


def test_propose_mapping_on_a_departmental_file(aed_schema, load_table):
    columns = list(load_table("normalize/aed_kashiwa_messy.csv").columns)
    proposals = propose_mapping(columns, aed_schema)
    assert [p.source for p in proposals] == columns
    assert _by_source(proposals) == {
        "施設名": ("名称", "alias"),
        "施設名カナ": ("名称_カナ", "alias"),
        "住所": ("所在地_連結表記", "alias"),
        "緯度（世界測地系）": ("緯度", "normalized"),
        "経度（世界測地系）": ("経度", "normalized"),
        "設置場所": ("設置位置", "alias"),
        "ＴＥＬ": ("電話番号", "normalized"),
        "設置日": ("設置開始日", "alias"),
        "利用開始時間": ("開始時間", "alias"),
        "利用終了時間": ("終了時間", "alias"),
        "備考": ("備考", "exact"),
        "担当課": (None, None),
    }
    confidence = {p.source: p.confidence for p in proposals}
    assert confidence["備考"] == 1.0
    assert confidence["施設名"] == 0.95
    assert confidence["ＴＥＬ"] == 0.9
    assert confidence["担当課"] == 0.0


def test_propose_mapping_strips_a_prefix_common_to_every_column(aed_schema):
    columns = ["AED一覧_名称", "AED一覧_住所", "AED一覧_電話番号"]
    proposals = propose_mapping(columns, aed_schema)
    assert [(p.target, p.method, p.confidence) for p in proposals] == [
        ("名称", "prefix-stripped", 0.85),
        ("所在地_連結表記", "prefix-stripped", 0.85),
        ("電話番号", "prefix-stripped", 0.85),
    ]


def test_propose_mapping_fuzzy_match_has_lower_confidence(aed_schema):
    (proposal,) = propose_mapping(["設置開始年月日"], aed_schema)
    assert (proposal.target, proposal.method) == ("設置開始日", "fuzzy")
    assert 0.6 < proposal.confidence < 0.8


def test_propose_mapping_never_maps_two_columns_to_one_field(aed_schema):
    proposals = propose_mapping(["施設名", "名称", "緯度（世界測地系）", "緯度"], aed_schema)
    assert proposals == [
        ColumnProposal("施設名", None, 0.0, "alias", rejected_target="名称"),
        ColumnProposal("名称", "名称", 1.0, "exact"),
        ColumnProposal("緯度（世界測地系）", None, 0.0, "normalized", rejected_target="緯度"),
        ColumnProposal("緯度", "緯度", 1.0, "exact"),
    ]


def test_equal_confidence_keeps_the_earlier_column(aed_schema):
    proposals = propose_mapping(["住所", "所在地"], aed_schema)
    assert [(p.target, p.rejected_target) for p in proposals] == [
        ("所在地_連結表記", None),
        (None, "所在地_連結表記"),
    ]


@pytest.fixture
def mapped(aed_schema, load_table, report):
    table = load_table("normalize/aed_kashiwa_messy.csv")
    mapping = {
        p.source: p.target
        for p in propose_mapping(list(table.columns), aed_schema)
        if p.target is not None
    }
    mapping["設置場所"] = None  # the manifest excludes it
    return apply_mapping(table, mapping, aed_schema, report, "aed.csv")


def test_apply_mapping_gives_the_standard_columns_in_order(mapped, aed_schema):
    table, _ = mapped
    assert list(table.columns) == aed_schema.field_names
    assert list(table.index) == [2, 3, 4, 5, 6]
    assert table.loc[2, "名称"] == "柏市役所本庁舎"
    assert table.loc[3, "緯度"] == "35.8651"
    assert (table["名称_英字"] == "").all()
    assert (table["設置位置"] == "").all()


def test_apply_mapping_returns_column_origin(mapped):
    _, origin = mapped
    assert origin["緯度"] == "緯度（世界測地系）"
    assert origin["電話番号"] == "ＴＥＬ"
    assert origin["備考"] == "備考"
    assert "設置位置" not in origin


def test_apply_mapping_problems_exactly(mapped, report):
    assert report.flatten("column", "code", "severity") == [
        ("設置場所", "column-excluded", "info"),
        ("担当課", "column-unmapped", "warning"),
        ("全国地方公共団体コード", "required-column-missing", "error"),
        ("ID", "required-column-missing", "error"),
        ("地方公共団体名", "required-column-missing", "error"),
    ]
    assert report.facts["columns_left_out"] == ["設置場所", "担当課"]
    assert report.changes["column-renamed"] == 9


def test_apply_mapping_keeps_columns_already_named_as_the_standard(aed_schema, report):
    table = pd.DataFrame({"名称": ["柏市役所"], "緯度": ["35.8676"]}, index=[2])
    out, origin = apply_mapping(table, {}, aed_schema, report, "aed.csv")
    assert origin == {"名称": "名称", "緯度": "緯度"}
    assert out.loc[2, "名称"] == "柏市役所"
    assert "column-renamed" not in report.changes


def test_apply_mapping_refuses_unknown_or_doubled_targets(aed_schema, report):
    table = pd.DataFrame({"施設名": ["柏市役所"], "名前": ["柏市役所"]}, index=[2])
    with pytest.raises(ManifestError, match="施設種別"):
        apply_mapping(table, {"施設名": "施設種別"}, aed_schema, report, "aed.csv")
    with pytest.raises(ManifestError, match="名称"):
        apply_mapping(table, {"施設名": "名称", "名前": "名称"}, aed_schema, report, "aed.csv")


def _registry():
    from tsunagu.config import Settings
    from tsunagu.standards import load_registry

    return load_registry(Settings().schemas_dir)


def test_header_vocabularies_cities_really_use():
    """IMI-style English names, the national 指定緊急避難場所 format and bracketed readings."""
    registry = _registry()
    aed = registry.get("aed-installations")
    columns = ["identification", "name", "fullNameInKana", "installationPosition", "startTime"]
    found = {p.source: p.target for p in propose_mapping(columns, aed)}
    assert found == {
        "identification": "ID",
        "name": "名称",
        "fullNameInKana": "名称_カナ",
        "installationPosition": "設置位置",
        "startTime": "開始時間",
    }
    toilets = registry.get("public-toilets")
    assert propose_mapping(["startTime"], toilets)[0].target == "利用開始時間"
    sites = registry.get("designated-emergency-evacuation-sites")
    national = ["施設・場所名", "住所", "洪水", "崖崩れ、土石流及び地滑り", "津波"]
    targets = [p.target for p in propose_mapping(national, sites)]
    assert targets == [
        "名称", "所在地_連結表記", "災害種別_洪水",
        "災害種別_崖崩れ、土石流及び地滑り", "災害種別_津波",
    ]  # fmt: skip


def test_reading_in_brackets_and_dash_lookalikes_in_headers():
    old = _registry().get("child-care-facilities", "suisho2020")
    columns = ["施設名（カナ）", "都道府県コ―ド又は市区町村コ―ド"]  # U+2015 as the long vowel
    assert [p.target for p in propose_mapping(columns, old)] == [
        "名称_カナ",
        "都道府県コード又は市区町村コード",
    ]
