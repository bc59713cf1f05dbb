from __future__ import annotations

import math

import numpy as np
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Point

from tsunagu.geo.crs import (
    JGD2000_ZONES,
    JGD2011_ZONES,
    TOKYO_ZONES,
    check_crs,
    parse_crs,
    to_wgs84,
)
from tsunagu.model import Report

CITY_HALL = (139.9757, 35.8676)  # 柏市役所, lon/lat
GEOD = Geod(ellps="GRS80")


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def test_parse_crs_esri_prj_zone_ix_is_epsg_6677(data_path):
    prj = data_path("gis/sites_cp932.prj").read_text(encoding="latin-1")
    assert "JGD_2011_Japan_Zone_9" in prj
    assert parse_crs(prj) == CRS.from_epsg(6677)


def test_parse_crs_garbage_and_empty_are_none():
    assert parse_crs("this is not a projection") is None
    assert parse_crs("") is None
    assert parse_crs(None) is None


def test_zone_tables_match_epsg_definitions():
    assert JGD2011_ZONES[9] == 6677 and JGD2000_ZONES[9] == 2451 and TOKYO_ZONES[9] == 30169
    assert (min(JGD2011_ZONES.values()), max(JGD2011_ZONES.values())) == (6669, 6687)
    assert (min(JGD2000_ZONES.values()), max(JGD2000_ZONES.values())) == (2443, 2461)
    assert (min(TOKYO_ZONES.values()), max(TOKYO_ZONES.values())) == (30161, 30179)
    for zone in (1, 9, 19):
        assert CRS.from_epsg(JGD2011_ZONES[zone]).name.startswith("JGD2011 / Japan Plane")
        assert CRS.from_epsg(JGD2000_ZONES[zone]).name.startswith("JGD2000 / Japan Plane")
        assert CRS.from_epsg(TOKYO_ZONES[zone]).name.startswith("Tokyo / Japan Plane")


def test_to_wgs84_city_hall_within_1cm_of_pyproj(frame, to_zone_ix):
    x, y = to_zone_ix.transform(*CITY_HALL)
    gdf = frame([Point(x, y)], "EPSG:6677")
    report = Report()
    out = to_wgs84(gdf, report, "sites.shp")
    expected = Transformer.from_crs(6677, 4326, always_xy=True).transform(x, y)
    got = (out.geometry[1].x, out.geometry[1].y)
    assert report.problems == []
    assert out.crs == CRS.from_epsg(4326)
    assert metres_between(got, expected) < 0.01
    assert metres_between(got, CITY_HALL) < 0.01  # lon/lat order, not lat/lon


def test_to_wgs84_round_trip_every_jgd2011_and_jgd2000_zone(frame):
    for epsg in [*JGD2011_ZONES.values(), *JGD2000_ZONES.values()]:
        x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(*CITY_HALL)
        out = to_wgs84(frame([Point(x, y)], f"EPSG:{epsg}"), Report(), "f.shp")
        assert metres_between((out.geometry[1].x, out.geometry[1].y), CITY_HALL) < 0.01, epsg


def test_to_wgs84_swapped_lat_lon_is_an_error_and_nulled(frame):
    report = Report()
    out = to_wgs84(frame([Point(*CITY_HALL), Point(35.8676, 139.9757)]), report, "a.geojson")
    assert report.flatten("feature", "code") == [(2, "coordinate-swapped-geo")]
    assert out.geometry[2] is None
    assert out.geometry[1].equals(Point(*CITY_HALL))


def test_to_wgs84_metres_declared_as_degrees(frame):
    report = Report()
    to_wgs84(frame([Point(12856.444, -14679.982), Point(500, 35)]), report, "a.geojson")
    assert report.flatten("feature", "severity", "code") == [
        (1, "error", "crs-metres-as-degrees"),
        (2, "error", "crs-metres-as-degrees"),
    ]
    assert report.problems[0].params["crs"] == "EPSG:4326"


def test_to_wgs84_non_finite_and_overflow_never_reach_the_output(frame):
    report = Report()
    geoms = [Point(math.nan, 35.86), Point(math.inf, 35.86), Point(1e308, 1e308)]
    out = to_wgs84(frame(geoms), report, "a.geojson")
    assert report.flatten("feature", "code") == [
        (1, "coordinate-not-finite"),
        (2, "coordinate-not-finite"),
        (3, "coordinate-not-finite"),
    ]
    assert out.geometry.isna().all()


def test_to_wgs84_outside_japan_error_and_outside_city_warning(frame):
    report = Report()
    kashiwa = (139.86, 35.78, 140.06, 35.93)
    geoms = [Point(*CITY_HALL), Point(2.3522, 48.8566), Point(139.6917, 35.6895)]
    to_wgs84(frame(geoms), report, "a.geojson", kashiwa)
    assert report.flatten("feature", "severity", "code") == [
        (2, "error", "geometry-outside-japan"),
        (3, "warning", "geometry-outside-municipality"),
    ]


def test_to_wgs84_degrees_declared_as_metres(frame):
    report = Report()
    out = to_wgs84(frame([Point(*CITY_HALL)], "EPSG:6677"), report, "a.shp")
    assert report.flatten("file", "code") == [("a.shp", "crs-degrees-as-metres")]
    assert out.geometry.isna().all()


def test_tokyo_datum_is_warned_and_shifted_about_400_m(frame):
    report = Report()
    check_crs(CRS.from_epsg(4301), report, "old.shp")
    assert report.flatten("code") == [("crs-tokyo-datum",)]
    assert "Tokyo to WGS 84" in report.problems[0].params["method"]
    out = to_wgs84(frame([Point(*CITY_HALL)], "EPSG:4301"), Report(), "old.shp")
    shift = metres_between((out.geometry[1].x, out.geometry[1].y), CITY_HALL)
    assert 300 < shift < 600


def test_check_crs_quiet_for_jgd2011_and_warns_for_unexpected():
    report = Report()
    check_crs(CRS.from_epsg(6677), report, "a.shp")
    check_crs(CRS.from_epsg(6668), report, "a.shp")
    assert report.problems == []
    check_crs(CRS.from_epsg(3857), report, "a.shp")
    assert report.flatten("code") == [("crs-unusual",)]


def test_to_wgs84_leaves_null_geometries_alone(frame):
    report = Report()
    out = to_wgs84(frame([None, Point(*CITY_HALL)]), report, "a.geojson")
    assert report.problems == []
    assert out.geometry[1] is None and not np.isnan(out.geometry[2].x)
