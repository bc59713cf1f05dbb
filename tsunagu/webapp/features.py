"""Feature store: a published GeoJSON held as columns with a spatial index, for the map's API.

Why not read the file per request: a 100k-point layer is tens of MB of JSON; parsing it takes a
second, a bbox query over arrays takes milliseconds. So each published file is loaded once per
``(dataset id, sha256)`` — a new version has a new checksum and therefore a fresh entry — into

- ``lon``/``lat`` (a representative point, for grid aggregates) and the geometry bounds as numpy
  arrays, with a shapely ``STRtree`` over the bounds;
- the properties as a pyarrow table of strings (fast vectorised ``q`` and ``field=value`` filters);
- the non-point geometries as the parsed dicts (points are rebuilt from lon/lat).

Entries live in an LRU bounded by count and by bytes. No Flask here (house style §3.2 e): the
blueprint in :mod:`tsunagu.webapp.api.features` parses the request and calls :meth:`query`.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.errors import ShapelyError

from tsunagu.errors import TsunaguError
from tsunagu.maps.grid import grid_cells

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
MAX_OFFSET = 100_000
MAX_ZOOM = 22
#: Features sent beside grid cells (for the table); the map draws the cells, not these.
GRID_PAGE = 200
#: Above this share of the layer's extent a bbox scans the arrays instead of asking the tree.
SCAN_SHARE = 0.05
WHOLE_VIEWS = 64


class FeatureQueryError(TsunaguError):
    """A malformed features request (bad bbox, limit, offset, zoom or unknown field): HTTP 400."""

    code = "bad-feature-query"
    http_status = 400


class FeaturesUnreadable(TsunaguError):
    """The published GeoJSON itself cannot be parsed: a server-side fault, not the caller's."""

    code = "features-unreadable"
    http_status = 500


@dataclass(frozen=True)
class FeatureQuery:
    bbox: tuple[float, float, float, float] | None = None
    zoom: int | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    q: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FeatureLayer:
    """One published GeoJSON in columns. Row ``i`` is the file's ``i``-th feature."""

    ids: list[Any]
    lon: np.ndarray
    lat: np.ndarray
    bounds: np.ndarray  # (n, 4) minx, miny, maxx, maxy
    geometries: list[dict | None]  # None for points (rebuilt from lon/lat)
    properties: Any  # pyarrow.Table of strings
    tree: Any  # shapely.STRtree over the bounds
    extent: tuple[float, float, float, float]  # W, S, E, N of every located feature
    #: Answers for unfiltered views that contain the whole layer (every low-zoom view of a
    #: city layer): they depend only on zoom and paging, so they are computed once.
    whole_views: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def fields(self) -> list[str]:
        return list(self.properties.column_names)

    @property
    def nbytes(self) -> int:
        geometry_guess = sum(200 for g in self.geometries if g is not None)
        arrays = self.lon.nbytes + self.lat.nbytes + self.bounds.nbytes
        return int(arrays + self.properties.nbytes + geometry_guess + 64 * len(self.ids))


def load_layer(path: Path) -> FeatureLayer:
    """Parse a published RFC 7946 FeatureCollection into columns and build the index."""
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
        features = data["features"]
        if not isinstance(features, list):
            raise TypeError("features is not a list")
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise FeaturesUnreadable(
            f"the published GeoJSON {path.name} cannot be read; publish the dataset again",
            message_ja=f"公開済み GeoJSON {path.name} を読めません。"
            "データセットを再公開してください",
            detail=repr(exc),
        ) from exc
    return _columns(features)


def _columns(features: list[dict]) -> FeatureLayer:
    import pyarrow as pa

    geometries: list[dict | None] = []
    boxes_list: list[tuple[float, float, float, float]] = []
    ids: list[Any] = []
    names: dict[str, None] = {}
    props: list[dict] = []
    for i, feature in enumerate(features):
        ids.append(feature.get("id", i + 1))
        geometry, box = _geometry(feature.get("geometry"))
        geometries.append(geometry)
        boxes_list.append(box)
        props.append(feature.get("properties") or {})
        names.update(dict.fromkeys(props[-1]))
    bounds = np.array(boxes_list, dtype=float).reshape(-1, 4)
    columns = {name: _column(pa, [p.get(name) for p in props]) for name in names}
    located = np.isfinite(bounds).all(axis=1)
    boxes = shapely.box(*bounds.T)
    boxes[~located] = None
    return FeatureLayer(
        ids=ids,
        lon=(bounds[:, 0] + bounds[:, 2]) / 2,
        lat=(bounds[:, 1] + bounds[:, 3]) / 2,
        bounds=bounds,
        geometries=geometries,
        properties=pa.table(columns) if columns else pa.table({}),
        tree=shapely.STRtree(boxes),
        extent=_extent(bounds[located]),
    )


def _extent(located: np.ndarray) -> tuple[float, float, float, float]:
    if not located.size:
        return (0.0, 0.0, 0.0, 0.0)
    west, south = located[:, 0].min(), located[:, 1].min()
    return (float(west), float(south), float(located[:, 2].max()), float(located[:, 3].max()))


_NOWHERE = (math.nan, math.nan, math.nan, math.nan)


def _geometry(geometry: Any) -> tuple[dict | None, tuple[float, float, float, float]]:
    """(stored geometry, bounds); a Point is not stored, its bounds are its position.

    Called once per feature (100k times for a big layer), so points take a short path with
    plain floats and no numpy or shapely object."""
    nothing = _NOWHERE
    if not isinstance(geometry, dict):
        return None, nothing
    coords = geometry.get("coordinates")
    if geometry.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
        try:
            lon, lat = float(coords[0]), float(coords[1])
        except (TypeError, ValueError):
            return None, nothing
        return None, (lon, lat, lon, lat)
    try:
        shape = shapely.geometry.shape(geometry)
    except (ShapelyError, ValueError, TypeError, AttributeError, KeyError, IndexError):
        return None, nothing
    if shape.is_empty:
        return None, nothing
    return geometry, tuple(shape.bounds)


def _column(pa: Any, values: list[Any]) -> Any:
    """A string column; published properties are text, so the fast path is the usual one."""
    try:
        return pa.array(values, pa.string()).fill_null("")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_text(v) for v in values], pa.string())


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def query_layer(layer: FeatureLayer, query: FeatureQuery) -> dict[str, Any]:
    """Features of ``layer`` in the bbox that pass the filters: a page, a count, and — when more
    matched than fit one page and a zoom was given — grid cells that summarise all of them
    (with at most ``GRID_PAGE`` features beside them, for the table).

    The answer is shared with later identical queries (see ``FeatureLayer.whole_views``): read
    it, copy before changing it."""
    unknown = sorted(set(query.filters) - set(layer.fields))
    if unknown:
        raise FeatureQueryError(
            f"unknown field {unknown[0]!r}; known: {', '.join(layer.fields)}",
            message_ja=f"項目「{unknown[0]}」はありません。使える項目: {'、'.join(layer.fields)}",
        )
    whole = not (query.filters or query.q) and _contains(query.bbox, layer.extent)
    key = (query.zoom, query.offset, query.limit)
    if whole and key in layer.whole_views:
        return dict(layer.whole_views[key])
    result = _answer(layer, query)
    if whole:
        if len(layer.whole_views) >= WHOLE_VIEWS:
            layer.whole_views.clear()
        layer.whole_views[key] = result
    return dict(result)


def _contains(bbox: tuple | None, extent: tuple[float, float, float, float]) -> bool:
    if bbox is None:
        return True
    west, south, east, north = bbox
    return west <= extent[0] and south <= extent[1] and east >= extent[2] and north >= extent[3]


def _answer(layer: FeatureLayer, query: FeatureQuery) -> dict[str, Any]:
    rows = _matching_rows(layer, query)
    grid = query.zoom is not None and len(rows) > query.limit
    page = rows[
        query.offset : query.offset + (min(query.limit, GRID_PAGE) if grid else query.limit)
    ]
    result: dict[str, Any] = {
        "type": "FeatureCollection",
        "total": len(rows),
        "offset": query.offset,
        "limit": query.limit,
        "fields": layer.fields,
        "features": _features(layer, page),
        "mode": "features",
    }
    if grid:
        result["mode"] = "grid"
        result["cells"] = grid_cells(layer.lon[rows], layer.lat[rows], query.zoom)
    return result


def _rows_in_bbox(layer: FeatureLayer, bbox: tuple | None) -> np.ndarray:
    """Row numbers (ascending) whose bounds meet ``bbox``. A small box asks the STRtree
    (microseconds); a box over a large share of the layer scans the bounds with numpy, which
    is then cheaper than collecting and sorting most of the tree."""
    bounds = layer.bounds
    if bbox is None:
        return np.flatnonzero(np.isfinite(bounds).all(axis=1))
    west, south, east, north = bbox
    extent = layer.extent
    share = (
        max(0.0, min(east, extent[2]) - max(west, extent[0]))
        * max(0.0, min(north, extent[3]) - max(south, extent[1]))
        / max((extent[2] - extent[0]) * (extent[3] - extent[1]), 1e-12)
    )
    if share < SCAN_SHARE:
        return np.sort(layer.tree.query(shapely.box(*bbox)))
    return np.flatnonzero(
        (bounds[:, 0] <= east)
        & (bounds[:, 2] >= west)
        & (bounds[:, 1] <= north)
        & (bounds[:, 3] >= south)
    )


def _matching_rows(layer: FeatureLayer, query: FeatureQuery) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = _rows_in_bbox(layer, query.bbox)
    if not (query.filters or query.q) or rows.size == 0:
        return rows
    table = layer.properties.take(pa.array(rows))
    keep = pa.array(np.ones(rows.size, dtype=bool))
    for name, value in query.filters.items():
        keep = pc.and_(keep, pc.equal(table[name], value))
    if query.q:
        hits = [pc.match_substring(table[n], query.q, ignore_case=True) for n in layer.fields]
        anywhere = hits[0] if hits else pa.array(np.zeros(rows.size, dtype=bool))
        for hit in hits[1:]:
            anywhere = pc.or_(anywhere, hit)
        keep = pc.and_(keep, anywhere)
    return rows[keep.to_numpy(zero_copy_only=False).astype(bool)]


def _features(layer: FeatureLayer, rows: np.ndarray) -> list[dict[str, Any]]:
    import pyarrow as pa

    if not rows.size:
        return []
    table = layer.properties.take(pa.array(rows))
    names = table.column_names
    values = zip(*(table[name].to_pylist() for name in names), strict=True) if names else None
    lons, lats = layer.lon[rows].tolist(), layer.lat[rows].tolist()
    out = []
    for i, row in enumerate(rows.tolist()):
        geometry = layer.geometries[row] or {"type": "Point", "coordinates": [lons[i], lats[i]]}
        props = dict(zip(names, next(values), strict=True)) if values else {}
        out.append(
            {"type": "Feature", "id": layer.ids[row], "geometry": geometry, "properties": props}
        )
    return out


class FeatureStore:
    """LRU of loaded layers keyed by ``(dataset id, sha256)``, bounded by count and bytes.

    ``opener(dataset_id) -> (path, sha256)`` finds the published file (a catalogue lookup,
    a few SQL queries); its answer is reused for ``lookup_ttl`` seconds, so a map panning at
    several requests a second does not ask the catalogue each time, and a new version is
    still picked up within seconds.
    """

    def __init__(
        self,
        opener: Callable[[str], tuple[Path, str]],
        *,
        max_layers: int = 8,
        max_bytes: int = 512 * 1024 * 1024,
        lookup_ttl: float = 2.0,
    ) -> None:
        self._opener = opener
        self._lookup_ttl = lookup_ttl
        self._lookups: dict[str, tuple[float, tuple[Path, str]]] = {}
        self._max_layers = max_layers
        self._max_bytes = max_bytes
        self._layers: OrderedDict[tuple[str, str], FeatureLayer] = OrderedDict()
        self._lock = threading.Lock()

    def _open(self, dataset_id: str) -> tuple[Path, str]:
        now = time.monotonic()
        seen = self._lookups.get(dataset_id)
        if seen is None or now - seen[0] > self._lookup_ttl:
            seen = (now, self._opener(dataset_id))
            self._lookups[dataset_id] = seen
        return seen[1]

    def layer(self, dataset_id: str) -> FeatureLayer:
        path, sha256 = self._open(dataset_id)
        key = (dataset_id, sha256)
        with self._lock:
            if key in self._layers:
                self._layers.move_to_end(key)
                return self._layers[key]
        loaded = load_layer(path)  # outside the lock: other layers stay available
        with self._lock:
            self._layers[key] = loaded
            self._layers.move_to_end(key)
            self._evict()
        return loaded

    def _evict(self) -> None:
        while len(self._layers) > 1 and (
            len(self._layers) > self._max_layers or self.nbytes > self._max_bytes
        ):
            self._layers.popitem(last=False)

    @property
    def nbytes(self) -> int:
        return sum(layer.nbytes for layer in self._layers.values())

    def __len__(self) -> int:
        return len(self._layers)

    def query(self, dataset_id: str, query: FeatureQuery) -> dict[str, Any]:
        result = query_layer(self.layer(dataset_id), query)
        result["dataset"] = dataset_id
        return result
