"""Files from other cities: the municipality comes from municipality.yaml, never from a default.

Each test sets up a small deployment as the README describes (``datasets/<municipality>/…``) and
runs ``tsunagu`` as a child process in the dataset folder, as a department does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

TSUNAGU = Path(sys.executable).with_name("tsunagu")
AED_HEADER = (
    "名称,名称_カナ,住所,設置位置,緯度,経度,開始時間,終了時間,都道府県コード又は市区町村コード\n"
)


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(TSUNAGU.parent), "HOME": str(cwd), "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(TSUNAGU), "--lang", "en", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def _deployment(root: Path, rows: str, manifest_extra: dict | None = None) -> Path:
    city = root / "datasets" / "yaizu"
    folder = city / "kenko" / "aed"
    folder.mkdir(parents=True)
    (city / "municipality.yaml").write_text(
        yaml.safe_dump(
            {
                "code": "222127",
                "name": "静岡県焼津市",
                "area": [138.20, 34.77, 138.37, 34.95],
                "departments": {"kenko": {"ja": "健康づくり課", "en": "Health"}},
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    (folder / "aed.csv").write_text(AED_HEADER + rows, encoding="utf-8")
    manifest = {
        "id": "yaizu-aed",
        "title": "焼津市AED",
        "department": "kenko",
        "standard": "aed-installations",
        "layout": "suisho2020",
        "sources": [{"path": "aed.csv"}],
        **(manifest_extra or {}),
    }
    (folder / "dataset.yaml").write_text(
        yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8"
    )
    return folder


def _report(folder: Path, *extra: str) -> tuple[int, dict]:
    result = _run(folder, "validate", "dataset.yaml", "--report-json", "report.json", *extra)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return result.returncode, json.loads((folder / "report.json").read_text(encoding="utf-8"))


def _codes(report: dict) -> set[tuple[str, str | None]]:
    return {(g["code"], g["column"]) for g in report["groups"] if g["severity"] != "info"}


ROW = (
    "市役所本館,シヤクショホンカン,静岡県焼津市本町2-16-32,2階,"
    "34.866918,138.323171,08:30,24:00,222127\n"
)


def test_municipality_yaml_gives_code_name_and_area(tmp_path):
    folder = _deployment(tmp_path, ROW)
    code, report = _report(folder)
    assert (code, _codes(report)) == (0, set())  # 24:00 closes; the point is inside 焼津市
    assert report["facts"]["municipality"]["code"] == "222127"
    convert = _run(folder, "convert", "dataset.yaml", "--out", "out")
    assert convert.returncode == 0, convert.stderr[-2000:]
    published = (folder / "out" / "yaizu-aed" / "yaizu-aed.csv").read_text(encoding="utf-8")
    assert "222127" in published and "静岡県焼津市" in published and "柏市" not in published


def test_a_code_in_the_data_from_another_city_is_an_error_naming_both(tmp_path):
    folder = _deployment(tmp_path, ROW.replace(",222127\n", ",131083\n"))
    code, report = _report(folder)
    assert code == 1
    group = next(g for g in report["groups"] if g["code"] == "municipality-code-mismatch")
    assert group["column"] == "都道府県コード又は市区町村コード" and group["rows"] == [2]
    assert "131083" in group["message"]["en"] and "222127" in group["message"]["en"]


def test_a_point_outside_the_city_area_is_warned_with_the_city_name(tmp_path):
    kashiwa = ROW.replace("34.866918,138.323171", "35.8676,139.9757")
    code, report = _report(_deployment(tmp_path, kashiwa))
    assert code == 0
    group = next(g for g in report["groups"] if g["code"] == "coordinate-outside-municipality")
    assert "静岡県焼津市" in group["message"]["en"]


def test_without_a_municipality_nothing_is_filled_and_the_report_says_so(tmp_path):
    (tmp_path / "aed.csv").write_text(AED_HEADER + ROW.replace(",222127\n", ",\n"), "utf-8")
    result = _run(
        tmp_path, "validate", "aed.csv", "--schema", "aed-installations",
        "--layout", "suisho2020", "--report-json", "report.json",
    )  # fmt: skip
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert result.returncode == 0
    assert report["facts"]["municipality"] is None
    assert ("municipality-unknown", None) in _codes(report)
    convert = _run(
        tmp_path, "convert", "aed.csv", "--schema", "aed-installations",
        "--layout", "suisho2020", "--out", "out",
    )  # fmt: skip
    assert convert.returncode == 0, convert.stderr[-2000:]
    assert {p.suffix for p in (tmp_path / "out").rglob("*")} >= {".csv", ".json"}
    written = "".join(p.read_text("utf-8") for p in (tmp_path / "out").rglob("*.csv"))
    assert "122173" not in written and "柏市" not in written


def test_value_mappings_from_the_manifest_are_applied_and_validated(tmp_path):
    header = "名称,住所,地震,津波,電話番号,市区町村コード,名称_カナ,NO\n"
    rows = "中港タワー,焼津市中港5-463,○,×,054-625-0128,222127,ナカミナトタワー,1\n"
    folder = tmp_path / "datasets" / "yaizu" / "bousai" / "sites"
    folder.mkdir(parents=True)
    (folder.parents[1] / "municipality.yaml").write_text(
        'code: "222127"\nname: 静岡県焼津市\n', encoding="utf-8"
    )
    (folder / "sites.csv").write_text(header + rows, encoding="utf-8")
    manifest = {
        "id": "yaizu-sites",
        "title": "焼津市指定緊急避難場所",
        "department": "bousai",
        "standard": "designated-emergency-evacuation-sites",
        "layout": "suisho2020",
        "sources": ["sites.csv"],
        "columns": {"地震": "災害種別_地震", "津波": "災害種別_津波"},
    }
    (folder / "dataset.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    code, report = _report(folder)
    assert code == 1 and ("constraint-error", "地震") in _codes(report)
    manifest["values"] = {"地震": {"○": "1"}, "津波": {"×": None}}
    (folder / "dataset.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    code, report = _report(folder)
    assert (code, _codes(report)) == (0, set())


def test_map_proposes_value_mappings_and_save_creates_the_manifest(tmp_path):
    folder = tmp_path / "datasets" / "yaizu" / "bousai" / "sites"
    folder.mkdir(parents=True)
    (folder.parents[1] / "municipality.yaml").write_text(
        'code: "222127"\nname: 静岡県焼津市\ndepartments: {bousai: 地域防災課}\n', "utf-8"
    )
    header = "NO,名称,名称_カナ,住所,電話番号,市区町村コード,災害種別_地震\n"
    rows = "".join(f"{i},タワー{i},タワー,焼津市{i},054-625-0128,222127,○\n" for i in range(3))
    (folder / "sites.csv").write_text(header + rows, encoding="utf-8")
    result = _run(
        folder, "map", "sites.csv", "--schema", "designated-emergency-evacuation-sites",
        "--layout", "suisho2020", "--save",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "○" in result.stdout and "3" in result.stdout
    saved = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    assert saved["department"] == "bousai" and saved["sources"] == [{"path": "sites.csv"}]
    assert saved["values"] == {"災害種別_地震": {"○": "1"}}
    code, report = _report(folder)
    assert (code, _codes(report)) == (0, set())


def test_weak_detection_stops_with_distinct_candidates_and_scores(tmp_path):
    """A 避難所 list scores the same as 公衆無線LAN: no guess, exit 2, each standard once."""
    header = "NO,市区町村コード,名称,名称_カナ,住所,緯度,経度,電話番号,備考\n"
    row = "1,222127,二区防災センター,ニク,静岡県焼津市本町5-9-1,34.86,138.32,(054)628-3359,\n"
    (tmp_path / "hinanjo.csv").write_text(header + row, encoding="utf-8")
    result = _run(tmp_path, "validate", "hinanjo.csv", "--report-json", "report.json")
    assert result.returncode == 2, result.stdout[-2000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    candidates = report["facts"]["schema_undecided"]
    slugs = [c["slug"] for c in candidates]
    assert len(slugs) == len(set(slugs)) >= 2
    assert all(0 < c["score"] <= 1 for c in candidates)
    message = next(g for g in report["groups"] if g["code"] == "schema-unrecognised")["message"]
    assert all(slug in message["en"] for slug in slugs)
    named = _run(tmp_path, "validate", "hinanjo.csv", "--schema", "designated-evacuation-shelters")
    assert named.returncode in (0, 1)


def test_combined_coordinates_are_hinted_proposed_and_split_through_the_manifest(tmp_path):
    folder = tmp_path / "datasets" / "takamatsu" / "kenko" / "aed"
    folder.mkdir(parents=True)
    (folder.parents[1] / "municipality.yaml").write_text(
        'code: "372013"\nname: 香川県高松市\narea: [133.85, 34.10, 134.25, 34.45]\n'
        "departments: {kenko: 保健所}\n",
        "utf-8",
    )
    header = "名称,名称_カナ,住所,設置位置,location\n"
    rows = "".join(
        f'施設{i},シセツ,高松市番町1-8-15,1階,"34.3409205{i},134.0452297{i}"\n' for i in range(3)
    )
    (folder / "aed.csv").write_text(header + rows, encoding="utf-8")
    mapped = _run(
        folder, "map", "aed.csv", "--schema", "aed-installations", "--layout", "suisho2020"
    )
    assert "location → [緯度, 経度]" in mapped.stdout
    manifest = {
        "id": "takamatsu-aed", "title": "高松市AED", "department": "kenko",
        "standard": "aed-installations", "layout": "suisho2020", "sources": ["aed.csv"],
    }  # fmt: skip
    (folder / "dataset.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    code, report = _report(folder)
    assert ("coordinates-combined-column", "location") in _codes(report)
    manifest["columns"] = {"location": ["緯度", "経度"]}
    (folder / "dataset.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    code, report = _report(folder)
    assert (code, _codes(report)) == (0, set())
    converted = _run(folder, "convert", "dataset.yaml", "--out", "out")
    assert converted.returncode == 0, converted.stdout[-2000:]
    geojson = json.loads(next((folder / "out").rglob("*.geojson")).read_text("utf-8"))
    assert geojson["features"][0]["geometry"]["coordinates"] == [134.0452297, 34.3409205]
