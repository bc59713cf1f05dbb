from __future__ import annotations

import pytest

from tsunagu.maps.permalink import MapView, parse_view

CITY = (139.86, 35.78, 140.06, 35.93)


def test_parse_view_reads_centre_zoom_layers_and_filters():
    view = parse_view({"c": "35.87,139.97", "z": "15", "layers": "a,b", "q.a": "図書館"}, CITY)
    assert view == MapView((35.87, 139.97), 15, ("a", "b"), {"a": "図書館"})


def test_parse_view_defaults_to_the_city_with_every_layer_on():
    view = parse_view({}, CITY)
    assert view.centre == pytest.approx((35.855, 139.96))
    assert (view.zoom, view.layers, dict(view.filters)) == (12, None, {})


def test_parse_view_replaces_bad_values_and_clamps_zoom():
    view = parse_view({"c": "91,0", "z": "40", "layers": "", "q.": "x"}, CITY)
    assert view.centre == pytest.approx((35.855, 139.96))
    assert view.zoom == 18
    assert view.layers == ()
    assert dict(view.filters) == {}
    assert parse_view({"c": "inf,1", "z": "-3"}, CITY).zoom == 5


def test_long_filters_are_cut():
    assert len(parse_view({"q.a": "x" * 1000}, CITY).filters["a"]) == 200
