"""The standard schemas: every file loads in Frictionless, its examples validate, the registry
covers every dataset, and headers are recognised as the right dataset and layout."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pytest

from tsunagu.config import Settings
from tsunagu.errors import SchemaNotFound
from tsunagu.standards import SchemaRegistry, header_key, load_registry

REQUIRED_SLUGS = {
    "public-facilities",
    "designated-emergency-evacuation-sites",
    "designated-evacuation-shelters",
    "aed-installations",
    "public-wireless-lan",
    "public-toilets",
    "child-care-facilities",
    "medical-institutions",
    "cultural-properties",
    "tourism-facilities",
    "events",
    "population-by-area-and-age",
    "care-service-offices",
}
NO_OLD_LAYOUT = {"designated-evacuation-shelters"}
NORMALIZE_KINDS = {
    "date", "time", "datetime", "phone", "postal-code", "number", "integer", "kana",
    "lg-code", "corporate-number", "url", "text",
}  # fmt: skip


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return load_registry(Settings().schemas_dir)


def schema_ids() -> list[str]:
    return sorted(p.name for p in Settings().schemas_dir.glob("*.schema.json"))


def example_resource(descriptor: dict) -> frictionless.Resource:
    header = [f["name"] for f in descriptor["fields"]]
    row = [f["example"] for f in descriptor["fields"]]
    schema = frictionless.Schema.from_descriptor(descriptor)
    return frictionless.Resource(data=[header, row], schema=schema)


@pytest.mark.parametrize("file_name", schema_ids())
def test_schema_file_loads_and_its_examples_validate(file_name: str) -> None:
    descriptor = json.loads((Settings().schemas_dir / file_name).read_text(encoding="utf-8"))
    metadata = frictionless.Schema.validate_descriptor(descriptor)
    assert metadata.valid, metadata.flatten(["type", "note"])  # x- members are no metadata error
    schema = frictionless.Schema.from_descriptor(descriptor)
    assert [f.name for f in schema.fields] == [f["name"] for f in descriptor["fields"]]
    assert descriptor["missingValues"] == [""]
    report = example_resource(descriptor).validate()
    assert report.valid, report.flatten(["fieldName", "type", "note"])


@pytest.mark.parametrize("file_name", schema_ids())
def test_schema_fields_carry_kubun_normalize_and_distinct_aliases(file_name: str) -> None:
    descriptor = json.loads((Settings().schemas_dir / file_name).read_text(encoding="utf-8"))
    seen: dict[str, str] = {}
    for field in descriptor["fields"]:
        assert field["x-kubun"] in ("必須", "推奨", "任意"), field["name"]
        assert field["x-normalize"] in NORMALIZE_KINDS, field["name"]
        for name in [field["name"], *field.get("x-aliases", [])]:
            key = header_key(name)
            assert seen.setdefault(key, field["name"]) == field["name"], (name, seen[key])
    assert "x-standard" in descriptor


def test_bad_example_is_caught_so_the_example_test_can_fail(registry: SchemaRegistry) -> None:
    descriptor = dict(registry.get("public-toilets").descriptor)
    descriptor["fields"] = [dict(f) for f in descriptor["fields"]]
    lat = next(f for f in descriptor["fields"] if f["name"] == "緯度")
    lat["example"] = "0"  # outside Japan: 20–46
    report = example_resource(descriptor).validate()
    assert report.flatten(["fieldName", "type"]) == [["緯度", "constraint-error"]]


def test_frictionless_ignores_x_members(registry: SchemaRegistry) -> None:
    aed = registry.get("aed-installations", "suisho2020")
    with_x = frictionless.Schema.from_descriptor(aed.descriptor)
    without_x = frictionless.Schema.from_descriptor(aed.frictionless_descriptor())
    assert with_x.to_descriptor()["fields"][4]["name"] == "名称"
    assert "x-upgrade" not in aed.frictionless_descriptor()
    assert all(not k.startswith("x-") for f in aed.frictionless_descriptor()["fields"] for k in f)
    assert [f.name for f in with_x.fields] == [f.name for f in without_x.fields]
    rows = [aed.field_names, [aed.field(n)["example"] for n in aed.field_names]]
    assert frictionless.Resource(data=rows, schema=with_x).validate().valid


def test_registry_covers_every_required_slug_in_both_layouts(registry: SchemaRegistry) -> None:
    assert set(registry.slugs()) >= REQUIRED_SLUGS
    for slug in REQUIRED_SLUGS:
        assert registry.get(slug).layout == "current"
        if slug not in NO_OLD_LAYOUT:
            old = registry.get(slug, "suisho2020")
            assert old.upgrade is not None and old.upgrade["to"] == slug
    assert {(s.slug, s.layout) for s in registry.all()} == {
        (p.name.split(".")[0], "suisho2020" if ".suisho2020." in p.name else "current")
        for p in Settings().schemas_dir.glob("*.schema.json")
    }
    assert len(registry.current()) == len(REQUIRED_SLUGS)


def test_upgrade_targets_exist_in_the_current_layout(registry: SchemaRegistry) -> None:
    for old in registry.all():
        if old.layout != "suisho2020":
            continue
        target = registry.get(old.upgrade["to"])
        for source, name in old.upgrade["columns"].items():
            assert source in old.field_names
            assert name is None or name in target.field_names, (old.slug, name)
        for rule in old.upgrade["combine"]:
            assert rule["into"] in target.field_names
            assert set(rule["from"]) <= set(old.field_names)


def test_standard_schema_accessors(registry: SchemaRegistry) -> None:
    toilets = registry.get("public-toilets")
    assert toilets.title_ja == "公衆トイレ一覧" and toilets.number == "13"
    assert toilets.required_fields == ["名称", "所在地_連結表記", "設置位置"]
    assert toilets.field("緯度")["constraints"] == {"minimum": 20, "maximum": 46}
    assert toilets.normalize_kind("全国地方公共団体コード") == "lg-code"
    assert toilets.normalize_kind("利用開始時間") == "time"
    assert toilets.normalize_kind("名称_カナ") == "kana"
    assert "住所" in toilets.aliases()["所在地_連結表記"]
    assert "Y座標" in toilets.aliases()["緯度"]
    assert toilets.upgrade is None
    with pytest.raises(KeyError, match="住所"):
        toilets.field("住所")


def test_rows_list_each_dataset_once(registry: SchemaRegistry) -> None:
    rows = {r["slug"]: r for r in registry.rows()}
    assert rows["aed-installations"]["layouts"] == "current, suisho2020"
    assert (
        rows["aed-installations"]["ja"]
        == rows["aed-installations"]["title_ja"]
        == "AED設置箇所一覧"
    )
    assert rows["designated-evacuation-shelters"]["layouts"] == "current"
    assert rows["public-toilets"]["en"] == "Public toilets"


def test_get_unknown_slug_names_the_known_ones(registry: SchemaRegistry) -> None:
    with pytest.raises(SchemaNotFound) as info:
        registry.get("parking-lots")
    assert "parking-lots" in info.value.message_en
    assert "aed-installations" in info.value.message_en
    assert "public-toilets" in info.value.message_ja
    with pytest.raises(SchemaNotFound):
        registry.get("designated-evacuation-shelters", "suisho2020")


def test_load_registry_is_cached_per_directory(settings: Settings, tmp_path: Path) -> None:
    assert load_registry(settings.schemas_dir) is load_registry(settings.schemas_dir)
    (tmp_path / "registry.yaml").write_text("schemas: []\n", encoding="utf-8")
    assert load_registry(tmp_path).all() == []


OLD_AED = (
    "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,住所,方書,緯度,経度,"
    "設置位置,電話番号,内線番号,法人番号,団体名,利用可能曜日,開始時間,終了時間,利用可能日時特記事項,"
    "小児対応設備の有無,URL,備考"
)
NEW_TOILETS = (
    "全国地方公共団体コード,ID,地方公共団体名,名称,名称_カナ,所在地_連結表記,設置位置,緯度,経度,"
    "男性トイレ総数,女性トイレ総数,バリアフリートイレ数,車椅子使用者用トイレ有無,オストメイト設置トイレ有無"
)


@pytest.mark.parametrize(
    ("header", "slug", "layout"),
    [
        (OLD_AED, "aed-installations", "suisho2020"),
        (NEW_TOILETS, "public-toilets", "current"),
        (
            "都道府県コード又は市区町村コード,NO,名称,名称_カナ,住所,方書,設置位置,緯度,経度,"
            "多機能トイレ数,車椅子使用者用トイレ有無,乳幼児用設備設置トイレ有無,オストメイト設置トイレ有無",
            "public-toilets",
            "suisho2020",
        ),
        (
            "全国地方公共団体コード,ID,地方公共団体名,名称,名称_カナ,所在地_連結表記,緯度,経度,設置位置,"
            "小児対応設備の有無",
            "aed-installations",
            "current",
        ),
        # local names only: 施設名, 設置場所, 緯度（世界測地系）… are aliases
        ("番号,施設名,所在地,設置場所,緯度（世界測地系）,経度（世界測地系）,電話,小児対応",
         "aed-installations", "current"),
        ("NO,名称,名称_カナ,住所,電話番号,市区町村コード,災害種別_洪水,災害種別_地震,指定避難所との重複",
         "designated-emergency-evacuation-sites", "suisho2020"),
        ("介護サービス事業所名称,実施サービス,住所,電話番号,ＦＡＸ番号,事業所番号,定員",
         "care-service-offices", "suisho2020"),
        ("イベント名,開始日,終了日,開始時間,終了時間,説明,場所名称,所在地_連結表記",
         "events", "current"),
    ],
)  # fmt: skip
def test_recognise_picks_dataset_and_layout(
    registry: SchemaRegistry, header: str, slug: str, layout: str
) -> None:
    best = registry.recognise(header.split(","))[0]
    assert (best.slug, best.layout) == (slug, layout)
    assert 0 < best.score <= 1


def test_recognise_reports_matched_columns_through_aliases(registry: SchemaRegistry) -> None:
    matches = registry.recognise(["施設名", "所在地", "設置場所", "北緯", "東経", "備考欄"])
    best = matches[0]
    assert (best.slug, best.layout) == ("aed-installations", "current")
    assert best.matched == {
        "施設名": "名称",
        "所在地": "所在地_連結表記",
        "設置場所": "設置位置",
        "北緯": "緯度",
        "東経": "経度",
        "備考欄": "備考",
    }
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_recognise_exact_old_header_scores_one(registry: SchemaRegistry) -> None:
    best = registry.recognise(OLD_AED.split(","))[0]
    assert best.score == 1.0
    assert len(best.matched) == 22


def test_recognise_nothing_for_an_unrelated_header(registry: SchemaRegistry) -> None:
    assert registry.recognise(["売上", "数量", ""]) == []
    assert registry.recognise([]) == []
