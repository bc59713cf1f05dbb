from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import GeometryCollection, Point, Polygon

from tsunagu.geo import geometry
from tsunagu.geo.geometry import (
    check_limits,
    check_validity,
    extent,
    geometries_from_wkb,
    geometry_types,
    report_features,
)
from tsunagu.model import Report

BOWTIE = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
HOLE_OUTSIDE = Polygon(
    [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)], [[(2, 2), (3, 2), (3, 3), (2, 3), (2, 2)]]
)
COLLAPSED = Polygon([(5, 5), (5, 5), (5, 5), (5, 5)])


def test_self_intersection_is_repaired_with_a_warning_naming_the_reason(frame):
    report = Report()
    out = check_validity(frame([Point(0, 0), BOWTIE]), report, "areas.geojson")
    assert report.flatten("feature", "severity", "code") == [(2, "warning", "geometry-repaired")]
    assert report.problems[0].params["reason"].startswith("Self-intersection")
    assert out.geometry[2].geom_type == "MultiPolygon" and out.geometry[2].is_valid
    assert out.geometry[2].area == 0.5
    assert BOWTIE.equals(frame([BOWTIE]).geometry[1])  # the input frame is untouched


def test_hole_outside_shell_is_repaired_with_a_warning(frame):
    report = Report()
    out = check_validity(frame([HOLE_OUTSIDE]), report, "areas.geojson")
    assert report.flatten("feature", "code") == [(1, "geometry-repaired")]
    assert report.problems[0].params["reason"].startswith("Hole lies outside shell")
    assert out.geometry[1].is_valid


def test_repair_that_changes_the_type_is_an_error_and_not_applied(frame):
    report = Report()
    out = check_validity(frame([COLLAPSED]), report, "areas.geojson")
    assert report.flatten("feature", "severity", "code") == [
        (1, "error", "geometry-repair-changes-type")
    ]
    assert report.problems[0].params["after"] == "Point"
    assert out.geometry[1].geom_type == "Polygon"


def test_null_and_empty_geometries_are_reported_per_feature(frame):
    report = Report()
    check_validity(frame([Point(1, 1), None, Polygon()]), report, "a.geojson")
    assert report.flatten("feature", "code") == [(2, "geometry-null"), (3, "geometry-empty")]
    assert report.facts["feature_problems"] == {"geometry-null": 1, "geometry-empty": 1}


def test_geometry_collection_is_warned_about(frame):
    report = Report()
    check_validity(frame([GeometryCollection([Point(0, 0), BOWTIE.buffer(0)])]), report, "a")
    assert report.flatten("feature", "code") == [(1, "geometry-collection")]


def test_null_already_explained_by_an_error_is_not_reported_twice(frame):
    report = Report()
    report.add("geometry-unparsable", "error", geometry.Location(file="a.geojson", feature=2))
    check_validity(frame([Point(1, 1), None]), report, "a.geojson")
    assert report.flatten("feature", "code") == [(2, "geometry-unparsable")]


def test_geometries_from_wkb_reports_the_unparsable_feature_only():
    ring = shapely.to_wkb(Point(1, 1))
    # An unclosed ring: WKB polygon whose single ring has 4 points, first != last.
    unclosed = bytes.fromhex(
        "010300000001000000040000000000000000000000000000000000000000000000000000000000"
        "000000f03f000000000000f03f000000000000f03f000000000000f03f0000000000000000"
    )
    wkb = np.array([ring, unclosed, None], dtype=object)
    report = Report()
    geoms = geometries_from_wkb(wkb, pd.RangeIndex(1, 4), report, "a.geojson")
    assert report.flatten("feature", "code") == [(2, "geometry-unparsable")]
    assert geoms[0].equals(Point(1, 1)) and geoms[1] is None and geoms[2] is None


def test_limits_on_features_and_vertices(frame, monkeypatch):
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    report = Report()
    assert check_limits(frame([square, square]), report, "big.geojson")
    monkeypatch.setattr(geometry, "MAX_VERTICES", 9)
    assert not check_limits(frame([square, square]), report, "big.geojson")
    monkeypatch.setattr(geometry, "MAX_FEATURES", 1)
    assert not check_limits(frame([square, square]), report, "big.geojson")
    assert report.flatten("code") == [
        ("geometry-too-many-vertices",),
        ("geometry-too-many-features",),
    ]
    assert report.problems[0].params == {"count": 10, "limit": 9}


def test_report_features_lists_at_most_max_listed_but_counts_all(monkeypatch):
    monkeypatch.setattr(geometry, "MAX_LISTED", 3)
    report = Report()
    report_features(report, "geometry-null", "warning", "a.geojson", list(range(1, 11)))
    assert [p.location.feature for p in report.problems] == [1, 2, 3]
    assert report.facts["feature_problems"] == {"geometry-null": 10}


def test_extent_and_geometry_types(frame):
    gdf = frame([Point(139.9, 35.8), Point(140.0, 35.9), None, Polygon(), BOWTIE])
    assert extent(gdf) == (0.0, 0.0, 140.0, 35.9)
    assert geometry_types(gdf) == {"Point": 2, "Polygon": 2}
    assert extent(frame([None])) is None
