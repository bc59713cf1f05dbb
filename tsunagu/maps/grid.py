"""Server-side clustering for big layers: matches counted per square grid cell.

When a view holds more features than one page (a 100k-point layer at city zoom), the features
API sends these cells instead of the points, so the browser draws a few hundred count markers
rather than receiving 100k features. Pure numpy, no Flask: the feature store calls it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CELLS_PER_TILE = 4  # a grid cell is a quarter of a 256 px tile: about 64 px on screen
#: Below this many possible cells, counting (np.bincount) beats sorting (np.unique) by 10x.
COUNTING_CELLS = 4_000_000


def grid_cells(lon: np.ndarray, lat: np.ndarray, zoom: int) -> list[dict[str, Any]]:
    """Count the matches per square cell about 64 px wide at ``zoom``; each cell sits at the
    mean position of its features, so a cluster marker lands where the points are."""
    if not lon.size:
        return []
    size = 360.0 / (2**zoom) / CELLS_PER_TILE
    # One integer per cell, (column - low) * span + (row - low), computed in place in float64
    # (exact: cell indices are integers far below 2**53) and converted once: every pass over
    # a city view's ~30k points costs ~20 µs here, so fewer passes and no temporaries.
    key = lon / size
    np.floor(key, out=key)
    row = lat / size
    np.floor(row, out=row)
    low_column, low_row = float(key.min()), float(row.min())
    span = int(row.max() - low_row) + 1
    key -= low_column
    key *= span
    row -= low_row
    key += row
    keys = key.astype(np.int64)
    cells = int(keys.max()) + 1
    if cells < COUNTING_CELLS:
        counts_all = np.bincount(keys, minlength=cells)
        unique = np.flatnonzero(counts_all)
        counts = counts_all[unique]
        mean_lon = np.bincount(keys, weights=lon, minlength=cells)[unique] / counts
        mean_lat = np.bincount(keys, weights=lat, minlength=cells)[unique] / counts
    else:
        unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        mean_lon = np.bincount(inverse, weights=lon) / counts
        mean_lat = np.bincount(inverse, weights=lat) / counts
    west = (unique // span + int(low_column)) * size
    south = (unique % span + int(low_row)) * size
    # Round whole arrays at once and convert with tolist(): a Python loop that rounds every
    # number of every cell cost ~1.5 ms per request at city zoom (half the features API budget).
    columns = np.round(
        np.stack([mean_lon, mean_lat, west, south, west + size, south + size]), 7
    ).tolist()
    return [
        {"lon": lon_, "lat": lat_, "count": count, "bbox": [west_, south_, east_, north_]}
        for lon_, lat_, west_, south_, east_, north_, count in zip(
            *columns, counts.tolist(), strict=True
        )
    ]
