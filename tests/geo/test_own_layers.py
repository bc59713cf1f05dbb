"""GIS layers no standard covers (issue 15): a zipped shapefile of shelters with only 名称 and
収容人数, and hazard polygons as GeoPackage, each described and published through the CLI."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

from tests.validators.own_schema_support import MUNICIPALITY, download, tsunagu
from tsunagu.config import load_settings
from tsunagu.webapp import create_app

# Points near 柏市役所 in JGD2011 / Japan Plane Rectangular CS IX (EPSG:6677), metres.
SHELTERS_6677 = [(12342.9, -15523.9), (13244.4, -14413.1)]


def _dataset(tmp_path: Path, name: str, source: str) -> Path:
    root = tmp_path / "kashiwa"
    folder = root / "seiso" / name
    folder.mkdir(parents=True)
    (root / "municipality.yaml").write_text(MUNICIPALITY, encoding="utf-8")
    (folder / "dataset.yaml").write_text(
        f"id: kashiwa-{name}\ntitle: {{ja: {name}, en: {name}}}\ndepartment: seiso\n"
        f"sources: [{source}]\n",
        encoding="utf-8",
    )
    return folder


def _describe_and_publish(tmp_path: Path, folder: Path, source: str) -> str:
    described = tsunagu(tmp_path, "describe", str(folder / source), "--write")
    assert described.returncode == 0, described.stdout + described.stderr
    published = tsunagu(tmp_path, "publish", str(folder))
    assert published.returncode == 0, published.stdout + published.stderr
    assert "+geojson" in published.stdout
    return folder.name.join(("kashiwa-", ""))


def test_zipped_shapefile_of_shelters_without_a_standard_publishes(tmp_path):
    folder = _dataset(tmp_path, "shelters", "shelters.zip")
    layer = gpd.GeoDataFrame(
        {"名称": ["柏第一小学校", "柏中学校"], "収容人数": [500, 800]},
        geometry=[shapely.Point(x, y) for x, y in SHELTERS_6677],
        crs="EPSG:6677",
    )
    shp = tmp_path / "shp"
    shp.mkdir()
    layer.to_file(shp / "shelters.shp", encoding="cp932")
    with zipfile.ZipFile(folder / "shelters.zip", "w") as archive:
        for part in shp.iterdir():
            archive.write(part, part.name)
    dataset_id = _describe_and_publish(tmp_path, folder, "shelters.zip")

    geojson = json.loads(download(tmp_path, dataset_id, "geojson"))
    lon, lat = geojson["features"][0]["geometry"]["coordinates"]
    assert 139.85 < lon < 140.11 and 35.77 < lat < 35.95  # reprojected to WGS84 (RFC 7946)
    assert geojson["features"][0]["properties"]["名称"] == "柏第一小学校"
    header, first, _ = download(tmp_path, dataset_id, "csv").decode().splitlines()
    assert header == "名称,収容人数,緯度,経度" and first.startswith("柏第一小学校,500,35.")

    client = create_app(load_settings({"data_dir": tmp_path / "instance"}, env={})).test_client()
    features = client.get("/api/v1/datasets/kashiwa-shelters/features").get_json()
    assert len(features["features"]) == 2
    assert "kashiwa-shelters" in client.get("/map").get_data(as_text=True)


def test_hazard_polygons_as_geopackage_publish_with_their_attributes(tmp_path):
    folder = _dataset(tmp_path, "flood", "flood.gpkg")
    square = shapely.box(139.95, 35.85, 139.96, 35.86)
    gpd.GeoDataFrame(
        {"区域名": ["利根川沿い", "大堀川沿い"], "想定浸水深（m）": [3.0, 0.5]},
        geometry=[square, shapely.affinity.translate(square, 0.02)],
        crs="EPSG:4326",
    ).to_file(folder / "flood.gpkg", layer="flood", driver="GPKG")
    dataset_id = _describe_and_publish(tmp_path, folder, "flood.gpkg")
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in schema["fields"]] == ["区域名", "想定浸水深（m）"]
    assert schema["fields"][1]["x-unit"] == "m"
    geojson = json.loads(download(tmp_path, dataset_id, "geojson"))
    assert {f["geometry"]["type"] for f in geojson["features"]} == {"Polygon"}


def test_a_layers_contract_holds_drift_is_blocked_until_accepted(tmp_path):
    """describe → confirm → publish → re-upload with drift → blocked → accepted, for a layer:
    the attributes' schema is the contract, as for a table, and the geometry is not a column."""
    folder = _dataset(tmp_path, "flood", "flood.gpkg")
    square = shapely.box(139.95, 35.85, 139.96, 35.86)
    shapes = [square, shapely.affinity.translate(square, 0.02)]

    def write(attributes: dict) -> None:
        layer = gpd.GeoDataFrame(attributes, geometry=shapes, crs="EPSG:4326")
        layer.to_file(folder / "flood.gpkg", layer="flood", driver="GPKG")

    write({"区域名": ["利根川沿い", "大堀川沿い"], "想定浸水深（m）": [3.0, 0.5]})
    dataset_id = _describe_and_publish(tmp_path, folder, "flood.gpkg")
    contract = (folder / "schema.json").read_text(encoding="utf-8")

    (folder / "flood.gpkg").unlink()
    write(
        {
            "区域名": ["利根川沿い", "大堀川沿い"],
            "想定浸水深（m）": [3.0, 0.5],
            "河川": ["利根川", "大堀川"],
        }
    )
    report = tmp_path / "r.json"
    tsunagu(tmp_path, "validate", str(folder / "dataset.yaml"), "--report-json", str(report))
    problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
    drift = {(p["code"], p["location"].get("column")) for p in problems}
    assert ("schema-drift-added", "河川") in drift
    blocked = tsunagu(tmp_path, "publish", str(folder))
    assert blocked.returncode == 1 and "blocked" in blocked.stdout, blocked.stdout
    assert (folder / "schema.json").read_text(encoding="utf-8") == contract  # nothing drifted
    assert "河川" not in download(tmp_path, dataset_id, "geojson").decode("utf-8")

    accepted = tsunagu(tmp_path, "publish", str(folder), "--accept-schema")
    assert accepted.returncode == 0 and "updated" in accepted.stdout, accepted.stdout
    names = [f["name"] for f in json.loads((folder / "schema.json").read_text("utf-8"))["fields"]]
    assert names == ["区域名", "想定浸水深（m）", "河川"]
    assert len(list((folder / "schema-history").iterdir())) == 1
    geojson = json.loads(download(tmp_path, dataset_id, "geojson"))
    assert [f["properties"]["河川"] for f in geojson["features"]] == ["利根川", "大堀川"]
    assert {f["geometry"]["type"] for f in geojson["features"]} == {"Polygon"}
