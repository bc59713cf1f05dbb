from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pyproj import CRS

from tsunagu.errors import FormatError
from tsunagu.formats import detect_format
from tsunagu.formats.base import ReadOptions
from tsunagu.formats.geojson import GeoJsonReader
from tsunagu.geo.prepare import prepare_geodata


def read(path: Path, settings):
    return GeoJsonReader().read(path, ReadOptions(), settings)


def refused(path: Path, settings) -> FormatError:
    with pytest.raises(FormatError) as info:
        read(path, settings)
    assert info.value.problem.location.file == path.name
    return info.value


def test_legacy_crs_member_is_honoured_with_a_warning(data_path, settings):
    draft = read(data_path("gis/legacy_crs_6677.geojson"), settings)
    assert draft.table.crs == CRS.from_epsg(6677)
    assert draft.report.flatten("file", "severity", "code") == [
        ("legacy_crs_6677.geojson", "warning", "geojson-crs-member")
    ]
    out = prepare_geodata(draft, settings)
    point = out.table.geometry[1]
    assert point.x == pytest.approx(139.9757, abs=1e-7)
    assert point.y == pytest.approx(35.8676, abs=1e-7)
    assert out.table.loc[1, "収容人数"] == "300"


def test_one_broken_feature_does_not_fail_the_file(data_path, settings):
    draft = read(data_path("gis/geometry_problems.geojson"), settings)
    assert len(draft.table) == 8 and draft.table.loc[3, "名称"] == "閉じていない区域"
    out = prepare_geodata(draft, settings)
    assert out.report.flatten("feature", "severity", "code") == [
        (3, "error", "geometry-unparsable"),  # unclosed ring
        (8, "error", "geometry-unparsable"),  # 2-point ring
        (5, "warning", "geometry-null"),
        (6, "warning", "geometry-empty"),
        (2, "warning", "geometry-repaired"),  # bow-tie
        (4, "error", "geometry-repair-changes-type"),  # ring of identical points
        (7, "warning", "geometry-repaired"),  # hole outside shell
    ]
    assert out.table.geometry[2].geom_type == "MultiPolygon"
    assert out.table.geometry[1].x == 139.9722


def test_bad_coordinates_are_errors_with_the_feature(data_path, settings):
    out = prepare_geodata(read(data_path("gis/bad_coordinates.geojson"), settings), settings)
    assert out.report.flatten("feature", "severity", "code") == [
        (5, "error", "coordinate-not-finite"),  # NaN literal
        (6, "error", "coordinate-not-finite"),  # Infinity literal
        (7, "error", "coordinate-not-finite"),  # 1e308
        (2, "error", "coordinate-swapped-geo"),
        (3, "error", "crs-metres-as-degrees"),  # plane rectangular metres
        (4, "error", "crs-metres-as-degrees"),  # lon 500
        (8, "error", "geometry-outside-japan"),  # Paris
        (9, "warning", "geometry-outside-municipality"),  # Tokyo
    ]
    assert not out.report.valid


def test_nesting_too_deep_is_a_clean_error(tmp_path, settings):
    path = tmp_path / "deep.geojson"
    depth = 200_000
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
        ' "geometry": {"type": "Point", "coordinates": ' + "[" * depth + "0" + "]" * depth + "}}]}",
        encoding="utf-8",
    )
    assert refused(path, settings).code == "geojson-too-deep"


def test_vrt_xml_disguised_as_geojson_is_refused_without_leaking(data_path, settings):
    path = data_path("gis/vrt_disguised.geojson")
    assert not GeoJsonReader().sniff(path.read_bytes(), path)
    error = refused(path, settings)
    assert error.code == "geojson-invalid"
    shown = f"{error.user_message} {error.detail} {json.dumps(error.problem.to_dict())}"
    assert "hunter2" not in shown and "admin" not in shown


def test_gdal_vrt_driver_is_disabled_once_hardened(data_path):
    """In a fresh interpreter: after harden_gdal(), GDAL itself cannot open the VRT."""
    script = textwrap.dedent(
        f"""
        from tsunagu.formats.gdal_env import harden_gdal, vrt_driver_available
        harden_gdal()
        import pyogrio
        assert not vrt_driver_available()
        assert "OGR_VRT" not in pyogrio.list_drivers()
        try:
            df = pyogrio.read_dataframe({str(data_path("gis/vrt_disguised.geojson"))!r})
        except Exception as exc:
            print("refused", type(exc).__name__)
        else:
            print("LEAKED", df.to_dict())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused") and "hunter2" not in done.stdout


@pytest.mark.parametrize(
    "content",
    [b'{"type": "Point", "coordinates": [1, 2]}', b"[1, 2, 3]", b"{not json", b"\xff\xfe{}"],
)
def test_not_a_feature_or_collection_is_refused(tmp_path, settings, content):
    path = tmp_path / "x.geojson"
    path.write_bytes(content)
    assert refused(path, settings).code == "geojson-invalid"


def test_file_over_the_size_limit_is_refused(data_path, settings):
    path = data_path("gis/legacy_crs_6677.geojson")
    with pytest.raises(FormatError) as info:
        GeoJsonReader().read(path, ReadOptions(), settings.replace(max_file_bytes=100))
    assert info.value.code == "file-too-large"


def test_sniff(data_path):
    path = data_path("gis/legacy_crs_6677.geojson")
    assert GeoJsonReader().sniff(path.read_bytes(), path)
    assert GeoJsonReader().sniff(b'\xef\xbb\xbf {"type": "Feature"}', path)


def test_hardened_gdal_makes_no_network_request(data_path, tmp_path):
    """A loopback listener sees nothing when GDAL is asked for /vsicurl/ or a VRT pointing at it."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(5)
    port = server.getsockname()[1]
    hits: list[str] = []

    def listen() -> None:
        try:
            conn, _ = server.accept()
            hits.append(conn.recv(200).decode("latin-1"))
            conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    vrt = tmp_path / "ssrf.vrt"
    vrt.write_text(
        "<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>"
        f"/vsicurl/http://127.0.0.1:{port}/internal/secret.csv"
        "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>",
        encoding="utf-8",
    )
    script = textwrap.dedent(
        f"""
        from tsunagu.formats.gdal_env import harden_gdal
        harden_gdal()
        import pyogrio
        for target in ({str(vrt)!r}, "/vsicurl/http://127.0.0.1:{port}/internal/x.geojson"):
            try:
                pyogrio.read_info(target)
            except Exception as exc:
                print("refused", type(exc).__name__)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    server.close()
    thread.join(timeout=6)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("refused") == 2
    assert hits == []


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("gis/legacy_crs_6677.geojson", "geojson"),
        ("gis/sites.kml", "kml"),
        ("gis/two_layers.gpkg", "gpkg"),
        ("gis/sites_cp932.shp", "shp"),
    ],
)
def test_detect_format_by_content(data_path, relative, expected):
    assert detect_format(data_path(relative)) == expected


def test_detect_format_refuses_vrt_named_geojson(data_path):
    with pytest.raises(FormatError) as info:
        detect_format(data_path("gis/vrt_disguised.geojson"))
    assert info.value.code == "format-content-mismatch"  # named .geojson, holds XML
    assert "(it begins like XML/HTML)" in info.value.message_en
