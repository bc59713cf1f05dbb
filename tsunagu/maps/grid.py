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
    size = 360.0 / (2**zoom) / CELLS_PER_TILE
    column = np.floor(lon / size).astype(np.int64)
    row = np.floor(lat / size).astype(np.int64)
    if not lon.size:
        return []
    low_column, low_row = int(column.min()), int(row.min())
    span = int(row.max()) - low_row + 1
    keys = (column - low_column) * span + (row - low_row)  # one integer per cell
    if int(keys.max()) < COUNTING_CELLS:
        counts_all = np.bincount(keys)
        unique = np.flatnonzero(counts_all)
        position = np.zeros(counts_all.size, dtype=np.int64)
        position[unique] = np.arange(unique.size)
        inverse = position[keys]
        counts = counts_all[unique]
    else:
        unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    mean_lon = np.bincount(inverse, weights=lon) / counts
    mean_lat = np.bincount(inverse, weights=lat) / counts
    west = (unique // span + low_column) * size
    south = (unique % span + low_row) * size
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
