"""A dataset with its own Table Schema (``schema: schema.json``): validated and published like a
standard, through the CLI as a department runs it, then seen on the site and the rows API."""

from __future__ import annotations

import json

from tests.validators.own_schema_support import CALENDAR, SCHEMA, city, download, tsunagu
from tsunagu.config import load_settings
from tsunagu.webapp import create_app


def test_own_schema_dataset_validates_normalises_and_publishes(tmp_path):
    folder = city(tmp_path)
    checked = tsunagu(tmp_path, "validate", str(folder / "dataset.yaml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "和暦" in checked.stdout  # the same normalisation as a standard: 令和6年 → 2024
    published = tsunagu(tmp_path, "publish", str(folder))
    assert published.returncode == 0, published.stdout + published.stderr
    assert "created" in published.stdout and "+schema" in published.stdout
    rows = download(tmp_path, "kashiwa-gomi", "csv").decode("utf-8").splitlines()
    assert rows[1].endswith(",2024-04-01") and rows[3].startswith("柏3丁目")
    package = json.loads(download(tmp_path, "kashiwa-gomi", "datapackage"))
    [csv] = [r for r in package["resources"] if r["name"] == "csv"]
    assert [f["name"] for f in csv["schema"]["fields"]] == [f["name"] for f in SCHEMA["fields"]]
    assert "x-standard" not in package and package["x-own-schema"]["title"]["ja"] == "ごみ収集日程"
    assert not any("デジタル庁" in s["title"] for s in package["sources"])

    app = create_app(load_settings({"data_dir": tmp_path / "instance"}, env={}))
    client = app.test_client()
    page = client.get("/datasets/kashiwa-gomi")
    assert page.status_code == 200 and "ごみ収集日程" in page.get_data(as_text=True)
    api = client.get("/api/v1/datasets/kashiwa-gomi/rows").get_json()
    assert api["total"] == 3 and api["types"]["回数（回）"] == "integer"
    assert api["rows"][0]["開始日"] == "2024-04-01"


def test_rows_breaking_the_own_schema_block_with_row_and_column(tmp_path):
    bad = CALENDAR + "柏４丁目,粗大ごみ,火,二,2024-04-02\n"
    folder = city(tmp_path, csv=bad)
    report = tmp_path / "r.json"
    result = tsunagu(
        tmp_path, "--lang", "en", "validate", str(folder / "dataset.yaml"),
        "--report-json", str(report),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
    found = {(p["location"].get("row"), p["location"].get("column")) for p in problems}
    assert {(5, "品目"), (5, "回数（回）")} <= found
    published = tsunagu(tmp_path, "publish", str(folder))
    assert published.returncode == 1 and "blocked" in published.stdout
    app = create_app(load_settings({"data_dir": tmp_path / "instance"}, env={}))
    assert app.test_client().get("/datasets/kashiwa-gomi").status_code == 404


def test_a_broken_schema_file_stops_with_its_name(tmp_path):
    folder = city(tmp_path, schema={"fields": [{"name": "区域", "type": "texte"}]})
    result = tsunagu(tmp_path, "validate", str(folder / "dataset.yaml"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "schema.json" in result.stdout + result.stderr
    assert "texte" in result.stdout + result.stderr


def test_a_manifest_naming_a_standard_and_a_schema_is_refused(tmp_path):
    folder = city(tmp_path)
    manifest = folder / "dataset.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8") + "standard: aed-installations\n", "utf-8"
    )
    result = tsunagu(tmp_path, "validate", str(manifest))
    assert result.returncode == 2
    assert "どちらか一方" in result.stdout + result.stderr


def test_a_manifest_without_standard_or_schema_says_how_to_write_one(tmp_path):
    folder = city(tmp_path, schema=None)
    result = tsunagu(tmp_path, "--lang", "en", "validate", str(folder / "dataset.yaml"))
    assert result.returncode == 2
    assert "tsunagu describe" in result.stdout + result.stderr
