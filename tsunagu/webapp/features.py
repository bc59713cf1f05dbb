"""Feature store: a published GeoJSON held as columns with a spatial index, for the map's API.

Why not read the file per request: a 100k-point layer is tens of MB of JSON; parsing it takes a
second, a bbox query over arrays takes milliseconds. So each published file is loaded once per
``(dataset id, sha256)`` — a new version has a new checksum and therefore a fresh entry — into

- ``lon``/``lat`` (a representative point, for grid aggregates) and the geometry bounds as numpy
  arrays, with a shapely ``STRtree`` over the bounds;
- the properties as a pyarrow table of strings (fast vectorised ``q`` and ``field=value`` filters);
- the non-point geometries as the parsed dicts (points are rebuilt from lon/lat);
- each feature's JSON text, encoded once at load (``fragments``): an API answer is then a join of
  the selected fragments and a small header, with no per-request encoding of features (that
  encoding was a fifth of a request's CPU, and it is the same bytes every time).

Entries live in an LRU bounded by count and by bytes. No Flask here (house style §3.2 e): the
blueprint in :mod:`tsunagu.webapp.api.features` parses the request and calls :meth:`query`.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
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
    #: Every Feature as compact UTF-8 JSON, back to back in one buffer: row ``i`` is
    #: ``text[starts[i]:starts[i + 1]]``. One object, not 100k: no per-feature headers or
    #: reference counts, so pages stay shared between forked workers.
    text: bytes
    starts: np.ndarray  # int64, n + 1 offsets
    #: Answers for unfiltered views that contain the whole layer (every low-zoom view of a
    #: city layer): they depend only on zoom and paging, so they are computed once.
    whole_views: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def fields(self) -> list[str]:
        return list(self.properties.column_names)

    @cached_property
    def nbytes(self) -> int:
        geometry_guess = sum(200 for g in self.geometries if g is not None)
        arrays = self.lon.nbytes + self.lat.nbytes + self.bounds.nbytes
        arrays += self.starts.nbytes + len(self.text)
        return int(arrays + self.properties.nbytes + geometry_guess + 64 * len(self.ids))

    def fragments(self, rows: np.ndarray) -> list[memoryview]:
        """The JSON text of ``rows``' features, as views into ``text`` (no copies)."""
        view, starts = memoryview(self.text), self.starts
        return [view[starts[r] : starts[r + 1]] for r in np.asarray(rows).tolist()]


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
    lon, lat = (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2
    table = pa.table(columns) if columns else pa.table({})
    return FeatureLayer(
        ids=ids,
        lon=lon,
        lat=lat,
        bounds=bounds,
        geometries=geometries,
        properties=table,
        tree=shapely.STRtree(boxes),
        extent=_extent(bounds[located]),
        **_encode(ids, geometries, lon, lat, table),
    )


#: Compact and UTF-8 as the app's own JSON (``ensure_ascii=False``), without sorting keys.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _encode(
    ids: list[Any], geometries: list[dict | None], lon: np.ndarray, lat: np.ndarray, table: Any
) -> dict[str, Any]:
    """Every row's Feature as served (properties as text, points rebuilt from lon/lat), encoded
    once: properties by polars in one vectorised call (ten times faster than ``json`` per row),
    the rest by string formatting — floats as ``repr``, exactly as :mod:`json` writes them."""
    props = _properties_json(table)
    strings = json.encoder.encode_basestring  # type: ignore[attr-defined]  # C, no ASCII escapes
    parts: list[str] = []
    for row, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True)):
        ident = ids[row]
        ident = strings(ident) if isinstance(ident, str) else _ENCODER.encode(ident)
        geometry = geometries[row]
        if geometry is not None:
            shape = _ENCODER.encode(geometry)
        elif math.isfinite(x) and math.isfinite(y):
            shape = f'{{"type":"Point","coordinates":[{x!r},{y!r}]}}'
        else:
            shape = "null"
        parts.append(
            f'{{"type":"Feature","id":{ident},"geometry":{shape},"properties":{props[row]}}}'
        )
    encoded = [part.encode() for part in parts]
    starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=starts[1:])
    return {"text": b"".join(encoded), "starts": starts}


def _properties_json(table: Any) -> list[str]:
    import polars as pl

    if not table.num_columns:
        return ["{}"] * table.num_rows
    frame = pl.from_arrow(table)
    return frame.select(pl.struct(pl.all()).struct.json_encode())[:, 0].to_list()


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


#: Bumped when the API body's layout changes, so cached ETags of the old layout stop matching.
BODY_LAYOUT = "2"


@dataclass(frozen=True)
class Selection:
    """What a query picked — the page's rows, the number of matches and, in grid mode, the
    cells — kept apart from rendering, so the map API (bytes) and OGC (dicts) share it."""

    rows: np.ndarray  # row numbers of the page, ascending (file order)
    total: int
    cells: list[dict[str, Any]] | None = None  # grid mode only

    @property
    def mode(self) -> str:
        return "features" if self.cells is None else "grid"


def select(layer: FeatureLayer, query: FeatureQuery) -> Selection:
    """Rows of ``layer`` in the bbox that pass the filters: a page and a count, and — when more
    matched than fit one page and a zoom was given — grid cells that summarise all of them
    (with at most ``GRID_PAGE`` features beside them, for the table).

    Unfiltered views that hold the whole layer are kept in ``layer.whole_views`` (a Selection
    is immutable, so sharing it is safe)."""
    unknown = sorted(set(query.filters) - set(layer.fields))
    if unknown:
        raise FeatureQueryError(
            f"unknown field {unknown[0]!r}; known: {', '.join(layer.fields)}",
            message_ja=f"項目「{unknown[0]}」はありません。使える項目: {'、'.join(layer.fields)}",
        )
    whole = not (query.filters or query.q) and _contains(query.bbox, layer.extent)
    key = (query.zoom, query.offset, query.limit)
    if whole and key in layer.whole_views:
        return layer.whole_views[key]
    rows = _matching_rows(layer, query)
    grid = query.zoom is not None and len(rows) > query.limit
    size = min(query.limit, GRID_PAGE) if grid else query.limit
    cells = grid_cells(layer.lon[rows], layer.lat[rows], query.zoom) if grid else None
    chosen = Selection(rows[query.offset : query.offset + size], int(rows.size), cells)
    if whole:
        if len(layer.whole_views) >= WHOLE_VIEWS:
            layer.whole_views.clear()
        layer.whole_views[key] = chosen
    return chosen


def query_layer(layer: FeatureLayer, query: FeatureQuery) -> dict[str, Any]:
    """The selection as a JSON-ready dict (features as dicts): for OGC documents and Python
    callers. Each call returns a fresh dict; the map API uses :func:`page_json` instead."""
    chosen = select(layer, query)
    result = _head(layer, query, chosen)
    result["features"] = features(layer, chosen.rows)
    return result


def page_json(layer: FeatureLayer, query: FeatureQuery, **extra: Any) -> bytes:
    """The map API's answer as UTF-8 JSON: the header (counts, fields, cells) encoded now, the
    features joined from the fragments encoded at load — the same document as
    ``{**extra, **query_layer(...)}`` at a fraction of the CPU."""
    chosen = select(layer, query)
    head = _ENCODER.encode({**extra, **_head(layer, query, chosen)})
    body = b",".join(layer.fragments(chosen.rows))
    return b"".join((head[:-1].encode(), b',"features":[', body, b"]}"))


def _head(layer: FeatureLayer, query: FeatureQuery, chosen: Selection) -> dict[str, Any]:
    head: dict[str, Any] = {
        "type": "FeatureCollection",
        "total": chosen.total,
        "offset": query.offset,
        "limit": query.limit,
        "fields": layer.fields,
        "mode": chosen.mode,
    }
    if chosen.cells is not None:
        head["cells"] = chosen.cells
    return head


def query_etag(dataset_id: str, sha256: str, query: FeatureQuery) -> str:
    """A strong validator from what determines the answer — the dataset, its file's checksum
    and the normalised query — so a conditional request is decided before any work, and a
    body is never hashed. Equal queries spelled differently (``139.90`` / ``139.9``, filter
    order) share a tag."""
    box = None if query.bbox is None else [float(v) for v in query.bbox]
    parts = [BODY_LAYOUT, dataset_id, sha256, box, query.zoom, query.limit, query.offset]
    parts += [query.q, sorted(query.filters.items())]
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _contains(bbox: tuple | None, extent: tuple[float, float, float, float]) -> bool:
    if bbox is None:
        return True
    west, south, east, north = bbox
    return west <= extent[0] and south <= extent[1] and east >= extent[2] and north >= extent[3]


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


def features(layer: FeatureLayer, rows: np.ndarray) -> list[dict[str, Any]]:
    """The features of ``rows`` as fresh dicts (callers may add links), parsed from the same
    fragments the map API sends, so both APIs serve one text."""
    return [json.loads(bytes(text)) for text in layer.fragments(rows)]


class FeatureStore:
    """LRU of loaded layers keyed by ``(dataset id, sha256)``, bounded by count and bytes.

    ``opener(dataset_id) -> (path, sha256)`` finds the published file (a catalogue lookup,
    a few SQL queries). Its answer, together with the loaded layer, is reused for
    ``lookup_ttl`` seconds: a map panning at several requests a second, or a benchmark at
    hundreds, does no catalogue query and takes no lock in the common case, and a new version
    (a new checksum) is still picked up within seconds — at once after :meth:`forget`.
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
        self._recent: dict[str, tuple[float, str, FeatureLayer]] = {}
        self._max_layers = max_layers
        self._max_bytes = max_bytes
        self._layers: OrderedDict[tuple[str, str], FeatureLayer] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, dataset_id: str) -> tuple[str, FeatureLayer]:
        """(sha256 of the published file, its loaded layer)."""
        now = time.monotonic()
        recent = self._recent.get(dataset_id)
        if recent is not None and now < recent[0]:
            return recent[1], recent[2]
        path, sha256 = self._opener(dataset_id)
        loaded = self._load(dataset_id, path, sha256)
        if self._lookup_ttl > 0:
            self._recent[dataset_id] = (now + self._lookup_ttl, sha256, loaded)
        return sha256, loaded

    def layer(self, dataset_id: str) -> FeatureLayer:
        return self.lookup(dataset_id)[1]

    def forget(self, dataset_id: str) -> None:
        """Drop the cached lookup (call after publishing a version in this process)."""
        self._recent.pop(dataset_id, None)

    def _load(self, dataset_id: str, path: Path, sha256: str) -> FeatureLayer:
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
            (dataset_id, _), _ = self._layers.popitem(last=False)
            self._recent.pop(dataset_id, None)

    @property
    def nbytes(self) -> int:
        return sum(layer.nbytes for layer in self._layers.values())

    def __len__(self) -> int:
        return len(self._layers)

    def query(self, dataset_id: str, query: FeatureQuery) -> dict[str, Any]:
        result = query_layer(self.layer(dataset_id), query)
        result["dataset"] = dataset_id
        return result
