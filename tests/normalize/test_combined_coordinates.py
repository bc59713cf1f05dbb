"""A combined coordinate column: recognised in either order, with plausibility, and split."""

from __future__ import annotations

import pandas as pd

from tsunagu.normalize.combined_coordinates import recognise, split


def _s(*values: str) -> pd.Series:
    return pd.Series(list(values), index=range(2, 2 + len(values)), dtype=object)


def test_either_order_is_recognised_and_implausible_pairs_are_not():
    lat_first = recognise("location", _s("34.34092056,134.04522972", "34.35, 134.05", ""))
    assert lat_first is not None and lat_first.order == ("緯度", "経度")
    lon_first = recognise("point", _s("139.9757 35.8676", "(139.97, 35.86)"))
    assert lon_first is not None and lon_first.order == ("経度", "緯度")
    assert recognise("size", _s("3,4", "10,20")) is None  # not a place in Japan
    assert recognise("memo", _s("柏市", "")) is None
    assert recognise("empty", _s("", "")) is None


def test_split_keeps_a_value_that_is_not_a_pair_for_the_validator():
    parts = split(_s("34.34092056,134.04522972", "不明", ""), ("緯度", "経度"))
    assert parts["緯度"].tolist() == ["34.34092056", "不明", ""]
    assert parts["経度"].tolist() == ["134.04522972", "", ""]
