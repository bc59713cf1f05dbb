"""Small GeoDataFrame builders for the geo tests (index = 1-based feature number)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Transformer


@pytest.fixture
def frame():
    """``frame([geom, ...], crs)`` → GeoDataFrame indexed 1..n with a 名称 column."""

    def _frame(geoms: list, crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
        names = [f"地物{i}" for i in range(1, len(geoms) + 1)]
        gdf = gpd.GeoDataFrame({"名称": names}, geometry=geoms, crs=crs)
        gdf.index = range(1, len(geoms) + 1)
        return gdf

    return _frame


@pytest.fixture
def to_zone_ix():
    return Transformer.from_crs("EPSG:4326", "EPSG:6677", always_xy=True)
