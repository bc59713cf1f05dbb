"""tsunagu.maps.grid: the vectorised cells equal a plain per-point count, cell for cell."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.maps.grid import CELLS_PER_TILE, PointGrid, grid_cells


def reference(lon: list[float], lat: list[float], zoom: int) -> dict[tuple, tuple]:
    """Per cell (west, south): (count, mean lon, mean lat), one point at a time."""
    size = 360.0 / (2**zoom) / CELLS_PER_TILE
    cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for x, y in zip(lon, lat, strict=True):
        cells.setdefault((math.floor(x / size), math.floor(y / size)), []).append((x, y))
    return {
        (round(c * size, 7), round(r * size, 7)): (
            len(points),
            sum(p[0] for p in points) / len(points),
            sum(p[1] for p in points) / len(points),
        )
        for (c, r), points in cells.items()
    }


@st.composite
def points(draw):
    zoom = draw(st.integers(0, 22))
    size = 360.0 / (2**zoom) / CELLS_PER_TILE
    free = st.tuples(st.floats(139.6, 140.4), st.floats(35.6, 36.1))
    # Points exactly on cell edges, where a floor that is off by one shows.
    edge = st.tuples(st.integers(int(139.6 / size), int(140.4 / size)),
                     st.integers(int(35.6 / size), int(36.1 / size))).map(
        lambda cr: (cr[0] * size, cr[1] * size))  # fmt: skip
    pairs = draw(st.lists(st.one_of(free, edge), min_size=1, max_size=60))
    return [p[0] for p in pairs], [p[1] for p in pairs], zoom


@settings(max_examples=300, deadline=None)
@given(points())
def test_cells_equal_a_per_point_count(case):
    lon, lat, zoom = case
    cells = grid_cells(np.array(lon), np.array(lat), zoom)
    expected = reference(lon, lat, zoom)
    got = {(c["bbox"][0], c["bbox"][1]): c for c in cells}
    assert got.keys() == expected.keys()
    for key, (count, mean_lon, mean_lat) in expected.items():
        cell = got[key]
        assert cell["count"] == count
        assert abs(cell["lon"] - mean_lon) <= 1e-7 and abs(cell["lat"] - mean_lat) <= 1e-7
    assert sum(c["count"] for c in cells) == len(lon)


def test_no_points_no_cells():
    assert grid_cells(np.array([]), np.array([]), 12) == []


@settings(max_examples=200, deadline=None)
@given(points(), st.data())
def test_point_grid_gives_grid_cells_bit_for_bit(case, data):
    lon, lat, zoom = case
    lon_all = np.array([*lon, math.nan]), np.array([*lat, math.nan])  # one unlocated point
    grid = PointGrid(*lon_all)
    rows = np.array(sorted(data.draw(st.sets(st.integers(0, len(lon) - 1), min_size=1))))
    assert grid.cells(rows, zoom) == grid_cells(lon_all[0][rows], lon_all[1][rows], zoom)
    assert grid.cells(rows, zoom) == grid_cells(lon_all[0][rows], lon_all[1][rows], zoom)  # cached


def test_point_grid_falls_back_when_the_grid_would_be_huge():
    lon, lat = np.array([-179.0, 179.0, 0.0]), np.array([-80.0, 80.0, 0.0])
    rows = np.arange(3)
    assert PointGrid(lon, lat).cells(rows, 22) == grid_cells(lon, lat, 22)
