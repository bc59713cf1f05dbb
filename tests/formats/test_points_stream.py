"""The streaming CSV → GeoJSON converter gives GeoJsonWriter's features, chunk after chunk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tsunagu.errors import FormatError
from tsunagu.formats.geojson_writer import GeoJsonWriter
from tsunagu.formats.points_stream import StreamResult, csv_points_to_geojson
from tsunagu.model import Draft, Source


def _writer_doc(csv_path: Path, tmp_path: Path, settings) -> dict:
    table = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    table.index = range(2, len(table) + 2)  # record numbers, as the stream counts them
    draft = Draft(source=Source(csv_path), table=table)
    path = GeoJsonWriter().write(draft, tmp_path / "writer", settings, stem="ref")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("chunk_rows", [1, 2, 100_000])
def test_stream_equals_geojson_writer(data_path, tmp_path, settings, chunk_rows):
    source = data_path("outputs/facilities.csv")
    out = tmp_path / "stream.geojson"
    result = csv_points_to_geojson(source, out, chunk_rows=chunk_rows)
    streamed = json.loads(out.read_text(encoding="utf-8"))
    assert streamed == _writer_doc(source, tmp_path, settings)
    assert result == StreamResult(
        features=4,
        skipped=2,
        skipped_rows=[5, 6],
        bbox=[139.9512346, 35.8676123, 139.9757, 35.8983456],
    )
    assert "crs" not in streamed


def test_stream_in_many_chunks_keeps_record_numbers(tmp_path):
    rows = ["ID,名称,緯度,経度"]
    for i in range(2, 60002):
        lat = "" if i % 10000 == 0 else f"35.{i:05d}"
        rows.append(f"K{i},施設{i},{lat},139.97")
    source = tmp_path / "many.csv"
    source.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    out = tmp_path / "many.geojson"
    result = csv_points_to_geojson(source, out, chunk_rows=1000)  # 3 chunks, one per 1 MiB block
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert result.features == len(doc["features"]) == 59994
    assert result.skipped_rows == [10000, 20000, 30000, 40000, 50000, 60000]
    assert doc["features"][-1]["id"] == "K60001"
    assert doc["features"][30001 - 2 - 3] == {  # 3 rows left out before K30001
        "type": "Feature",
        "id": "K30001",
        "geometry": {"type": "Point", "coordinates": [139.97, 35.30001]},
        "properties": {"ID": "K30001", "名称": "施設30001", "緯度": "35.30001", "経度": "139.97"},
    }
    assert doc["bbox"] == [139.97, 35.00002, 139.97, 35.60001]


def test_stream_without_id_column_uses_record_numbers_and_nulls(tmp_path):
    source = tmp_path / "noid.csv"
    source.write_bytes("\ufeff名称,緯度,経度,備考\r\n柏駅,35.8618,139.9710,\r\n".encode())
    out = tmp_path / "noid.geojson"
    csv_points_to_geojson(source, out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["features"] == [
        {
            "type": "Feature",
            "id": 2,
            "geometry": {"type": "Point", "coordinates": [139.971, 35.8618]},
            "properties": {"名称": "柏駅", "緯度": "35.8618", "経度": "139.9710", "備考": None},
        }
    ]


def test_stream_reads_cp932_when_told(tmp_path):
    source = tmp_path / "sjis.csv"
    source.write_bytes("名称,緯度,経度\r\n髙島屋,35.86,139.97\r\n".encode("cp932"))
    out = tmp_path / "sjis.geojson"
    csv_points_to_geojson(source, out, encoding="cp932")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["features"][0]["properties"]["名称"] == "髙島屋"


def test_stream_refuses_csv_without_latitude_column(tmp_path):
    source = tmp_path / "nolat.csv"
    source.write_text("ID,名称,経度\r\nA,柏,139.9\r\n", encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        csv_points_to_geojson(source, tmp_path / "x.geojson")
    assert caught.value.code == "points-column-missing"
    assert caught.value.problem is not None
    assert caught.value.problem.params == {"column": "緯度"}


def test_stream_with_no_usable_rows_writes_empty_collection(tmp_path):
    source = tmp_path / "empty.csv"
    source.write_text("ID,緯度,経度\r\nA,,\r\n", encoding="utf-8")
    out = tmp_path / "empty.geojson"
    result = csv_points_to_geojson(source, out)
    assert json.loads(out.read_text(encoding="utf-8")) == {
        "type": "FeatureCollection",
        "features": [],
    }
    assert result == StreamResult(features=0, skipped=1, skipped_rows=[2], bbox=None)


def test_stream_escapes_ids_that_need_it(tmp_path, settings):
    source = tmp_path / "odd_ids.csv"
    source.write_text(
        'ID,緯度,経度\r\n"A""1",35.86,139.97\r\nB\\2,35.87,139.98\r\n', encoding="utf-8"
    )
    out = tmp_path / "odd_ids.geojson"
    csv_points_to_geojson(source, out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [f["id"] for f in doc["features"]] == ['A"1', "B\\2"]
    assert doc == _writer_doc(source, tmp_path, settings)


def test_bench_quick_exits_0_and_prints_the_table(tmp_path):
    """Smoke test of ``python -m bench --quick`` (2,000 rows, one run: a few seconds)."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "geojson_points"],
        cwd=root,
        env={**os.environ, "TSUNAGU_BENCH_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("CSV → GeoJSON"))
    assert "2,000" in row and "geopandas RFC7946" in row and row.endswith("n/a")
    ours = json.loads((tmp_path / "points_2000_tsunagu.geojson").read_text(encoding="utf-8"))
    reference = json.loads((tmp_path / "points_2000_geopandas.geojson").read_text(encoding="utf-8"))
    assert len(ours["features"]) == len(reference["features"]) > 1900


def test_stream_refuses_ragged_csv_and_leaves_no_partial_file(tmp_path):
    source = tmp_path / "ragged.csv"
    source.write_text("ID,緯度,経度\r\nA,35.86,139.97\r\nB,35.87\r\n", encoding="utf-8")
    out = tmp_path / "ragged.geojson"
    with pytest.raises(FormatError) as caught:
        csv_points_to_geojson(source, out)
    assert caught.value.code == "points-csv-unreadable"
    assert list(tmp_path.iterdir()) == [source]
