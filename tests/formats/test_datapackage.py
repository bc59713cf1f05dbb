"""datapackage.json describes every published file and validates with Frictionless."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from frictionless import Package

from tsunagu.errors import PublishError
from tsunagu.formats import WRITERS
from tsunagu.formats.csv_writer import write_excel_csv
from tsunagu.formats.datapackage import DataPackageWriter
from tsunagu.manifest import load_manifest
from tsunagu.model import Draft, Source

CREATED = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)


@pytest.fixture
def outputs_settings(settings, data_path):
    return settings.replace(schemas_dir=data_path("outputs/schemas"))


@pytest.fixture
def published(data_path, tmp_path, outputs_settings) -> tuple[Draft, Path]:
    """CSV + GeoJSON + Excel CSV written by the real writers, as the convert step would."""
    table = pd.read_csv(data_path("outputs/facilities.csv"), dtype=str, keep_default_na=False)
    table.index = range(2, len(table) + 2)
    table = table[table["経度"] != "不明"]  # validation would have stopped this row
    manifest = load_manifest(data_path("outputs/kashiwa/kikikanri/aed/dataset.yaml"))
    original = manifest.sources[0].path
    source = Source(original, sha256=hashlib.sha256(original.read_bytes()).hexdigest())
    draft = Draft(source=source, table=table, schema="test-facilities", manifest=manifest)
    out = tmp_path / "published"
    for key in ("csv", "geojson"):
        path = WRITERS.load(key)().write(draft, out, outputs_settings, stem="kashiwa-aed")
        draft = draft.evolve(artifacts={**draft.artifacts, key: path})
    excel = write_excel_csv(table, out / "kashiwa-aed.excel.csv")
    return draft.evolve(artifacts={**draft.artifacts, "excel-csv": excel}), out


def _package(draft: Draft, out: Path, settings) -> tuple[Path, dict]:
    path = DataPackageWriter(now=lambda: CREATED).write(draft, out, settings, stem="kashiwa-aed")
    assert path == out / "datapackage.json"
    return path, json.loads(path.read_text(encoding="utf-8"))


def test_registry_key_datapackage_is_data_package_writer():
    assert WRITERS.load("datapackage") is DataPackageWriter


def test_package_validates_with_frictionless(published, outputs_settings):
    draft, out = published
    path, _ = _package(draft, out, outputs_settings)
    package = Package(str(path.name), basepath=str(out))
    report = package.validate()
    assert report.valid, report.flatten(["type", "note"])
    assert [r.name for r in package.resources] == ["csv", "geojson", "excel-csv"]


def test_package_metadata(published, outputs_settings, data_path):
    draft, out = published
    _, doc = _package(draft, out, outputs_settings)
    assert doc["name"] == "kashiwa-aed"
    assert doc["title"] == "柏市 AED設置箇所一覧"
    assert doc["description"] == "市内の公共施設に設置された AED の一覧です。"
    assert doc["keywords"] == ["AED", "防災"]
    assert doc["created"] == "2026-11-24T20:30:00Z"
    assert doc["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "title": "Creative Commons Attribution 4.0 International",
            "path": "https://creativecommons.org/licenses/by/4.0/",
        }
    ]
    original = data_path("outputs/kashiwa/kikikanri/aed/aed_source.xlsx.txt")
    assert doc["sources"] == [
        {
            "title": "aed_source.xlsx.txt",
            "x-sha256": hashlib.sha256(original.read_bytes()).hexdigest(),
        },
        {
            "title": "デジタル庁 自治体標準オープンデータセット「テスト施設一覧」 テスト版 1",
            "path": "https://www.digital.go.jp/resources/open_data/municipal-standard-data-set-test",
        },
    ]
    assert doc["x-municipality"] == {"code": "122173", "name": "千葉県柏市"}
    assert doc["x-department"]["id"] == "kikikanri"
    assert doc["x-department"]["name"] == "防災安全課"
    assert doc["x-standard"] == {
        "slug": "test-facilities",
        "version": "テスト版 1",
        "title": {"ja": "テスト施設一覧", "en": "Test facilities"},
    }


def test_resources_have_relative_paths_sizes_hashes_and_formats(published, outputs_settings):
    draft, out = published
    _, doc = _package(draft, out, outputs_settings)
    csv_res, geo_res, excel_res = doc["resources"]
    for resource in (csv_res, geo_res, excel_res):
        data = (out / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert csv_res["path"] == "kashiwa-aed.csv"
    assert csv_res["encoding"] == "utf-8"
    assert [f["name"] for f in csv_res["schema"]["fields"]] == [
        "ID", "名称", "所在地_連結表記", "緯度", "経度", "電話番号", "備考"
    ]  # fmt: skip
    assert not any(k.startswith("x-") for f in csv_res["schema"]["fields"] for k in f)
    assert geo_res["path"] == "kashiwa-aed.geojson"
    assert (geo_res["format"], geo_res["mediatype"]) == ("geojson", "application/geo+json")
    assert excel_res["encoding"] == "utf-8-sig"
    assert "schema" not in excel_res


def test_tampered_file_fails_validation(published, outputs_settings):
    draft, out = published
    path, _ = _package(draft, out, outputs_settings)
    csv_path = out / "kashiwa-aed.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace("柏市役所".encode(), "柏市役場".encode()))
    report = Package(str(path.name), basepath=str(out)).validate()
    assert not report.valid
    assert "hash-count" in [error[0] for error in report.flatten(["type"])]


def test_artifact_outside_package_directory_is_refused(published, outputs_settings, tmp_path):
    draft, out = published
    stray = tmp_path / "elsewhere.geojson"
    stray.write_text("{}", encoding="utf-8")
    draft = draft.evolve(artifacts={**draft.artifacts, "stray": stray})
    with pytest.raises(PublishError) as caught:
        _package(draft, out, outputs_settings)
    assert caught.value.code == "datapackage-artifact-outside"


def test_single_file_without_manifest_is_named_after_the_file(tmp_path, settings):
    """``tsunagu convert FILE --out DIR`` has no manifest: the package still gets written."""
    draft = Draft(source=Source(Path("AED 一覧.csv")), table=pd.DataFrame())
    path = DataPackageWriter().write(draft, tmp_path, settings, stem="aed")
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    assert descriptor["name"] == "aed"  # Frictionless names are lower-case ASCII
    assert descriptor["title"] == "AED 一覧"
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert "x-department" not in descriptor


def test_republishing_the_same_files_keeps_the_package_byte_identical(published, outputs_settings):
    draft, out = published
    path, _ = _package(draft, out, outputs_settings)
    first = path.read_bytes()
    later = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    DataPackageWriter(now=lambda: later).write(draft, out, outputs_settings, stem="kashiwa-aed")
    assert path.read_bytes() == first  # nothing changed, so neither does "created"
    (out / "kashiwa-aed.geojson").write_text('{"type":"FeatureCollection","features":[]}\n')
    DataPackageWriter(now=lambda: later).write(draft, out, outputs_settings, stem="kashiwa-aed")
    assert json.loads(path.read_text(encoding="utf-8"))["created"] == "2026-12-01T09:00:00Z"
