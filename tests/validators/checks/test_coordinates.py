"""``coordinates``: pairs complete, inside Japan, not swapped; outside the city is a warning."""

from __future__ import annotations

from tests.validators.conftest import draft_of, frame, triples
from tsunagu.validators.checks.coordinates import CoordinatesCheck

ORIGIN = {"緯度": "緯度（世界測地系）", "経度": "経度（世界測地系）"}


def _draft(pairs: list[tuple[str, str]]):
    return draft_of(frame([{"緯度": a, "経度": b} for a, b in pairs]), column_origin=ORIGIN)


def test_points_in_kashiwa_and_empty_pairs_pass(run_check):
    draft = _draft([("35.8676", "139.9757"), ("", ""), ("35.8290", "140.0290")])
    assert run_check(CoordinatesCheck, draft) == []


def test_swapped_pair_is_said_to_be_swapped(run_check):
    problems = run_check(
        CoordinatesCheck, _draft([("35.8676", "139.9757"), ("139.9757", "35.8676")])
    )
    assert triples(problems) == [(3, "緯度（世界測地系）", "coordinate-swapped", "error")]
    assert problems[0].params["lat"] == "139.9757"


def test_outside_japan_and_plane_coordinates_are_errors(run_check):
    # 0,0 (unset GPS), New York, and EPSG:6677 metres left in degree columns.
    draft = _draft([("0", "0"), ("40.7128", "-74.0060"), ("-31527.6", "10325.2")])
    assert triples(run_check(CoordinatesCheck, draft)) == [
        (2, "緯度（世界測地系）", "coordinate-outside-japan", "error"),
        (3, "緯度（世界測地系）", "coordinate-outside-japan", "error"),
        (4, "緯度（世界測地系）", "coordinate-outside-japan", "error"),
    ]


def test_in_japan_but_outside_the_city_is_a_warning(run_check):
    # 東京駅 is in Japan, not in 柏市.
    problems = run_check(CoordinatesCheck, _draft([("35.6812", "139.7671")]))
    assert triples(problems) == [
        (2, "緯度（世界測地系）", "coordinate-outside-municipality", "warning")
    ]
    assert "千葉県柏市" in problems[0].message("ja")


def test_the_municipality_box_comes_from_settings(run_check):
    draft = _draft([("35.6812", "139.7671")])
    assert run_check(CoordinatesCheck, draft, municipality_bbox=(139.5, 35.5, 140.0, 35.9)) == []


def test_one_of_the_pair_missing_is_an_error_on_the_missing_column(run_check):
    draft = _draft([("35.8676", ""), ("", "139.9757")])
    assert triples(run_check(CoordinatesCheck, draft)) == [
        (3, "緯度（世界測地系）", "coordinate-pair-incomplete", "error"),
        (2, "経度（世界測地系）", "coordinate-pair-incomplete", "error"),
    ]


def test_text_in_a_coordinate_is_left_to_frictionless(run_check):
    assert run_check(CoordinatesCheck, _draft([("北緯35度", "139.9757")])) == []


def test_table_without_coordinates_is_skipped(run_check):
    assert run_check(CoordinatesCheck, draft_of(frame([{"名称": "柏市役所"}]))) == []
