"""A published GeoJSON as columns: loading, per-feature JSON fragments, query parameters."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.errors import ShapelyError

from tsunagu.errors import TsunaguError
from tsunagu.maps.grid import PointGrid
from tsunagu.services.request_input import BadParameter

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
MAX_OFFSET = 100_000
MAX_ZOOM = 22
#: Features sent beside grid cells (for the table); the map draws the cells, not these.
GRID_PAGE = 200
#: Above this share of the layer's extent a bbox scans the arrays instead of asking the tree.
SCAN_SHARE = 0.05
WHOLE_VIEWS = 64
#: Memory per located feature in the spatial index: its shapely box (a GEOS polygon and the
#: Python object, 408 B) and its STRtree entry (82 B), measured as RSS growth over 1M boxes.
INDEXED_FEATURE_BYTES = 490


class FeatureQueryError(BadParameter):
    """A malformed features request (bad bbox, limit, offset, zoom or unknown field): HTTP 400,
    with the code of the kind of mistake shared by every route."""


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
    bounds: np.ndarray  # (n, 4) minx, miny, maxx, maxy; column-major (Fortran order)
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

    @cached_property
    def fields(self) -> list[str]:
        """Property names in file order (asked on every request: computed once)."""
        return list(self.properties.column_names)

    @cached_property
    def nbytes(self) -> int:
        """The memory this layer holds, as the process pays it: the store's budget is in these
        bytes. The arrays' ``nbytes`` alone missed the Python objects (ids, geometries) and
        the spatial index, whose shapely boxes live in GEOS, and undercounted 6–8×."""
        arrays = self.lon.nbytes + self.lat.nbytes + self.bounds.nbytes + self.starts.nbytes
        arrays += sys.getsizeof(self.text) + self.properties.get_total_buffer_size()
        objects = sys.getsizeof(self.ids) + sum(map(sys.getsizeof, self.ids))
        objects += sys.getsizeof(self.geometries)
        objects += sum(_deep_size(g) for g in self.geometries if g is not None)
        indexed = int(np.count_nonzero(np.isfinite(self.bounds).all(axis=1)))
        return int(arrays + objects + indexed * INDEXED_FEATURE_BYTES + len(self.ids) * 8)

    @cached_property
    def grid(self) -> PointGrid:
        """Grid cells of this layer's points, each zoom's cell keys kept once computed."""
        return PointGrid(self.lon, self.lat)

    def fragments(self, rows: np.ndarray) -> list[memoryview]:
        """The JSON text of ``rows``' features, as views into ``text`` (no copies)."""
        view, starts = memoryview(self.text), self.starts
        return [view[starts[r] : starts[r + 1]] for r in np.asarray(rows).tolist()]


#: Features parsed, and served text encoded, per block: the parsed dicts of one block at a time.
LOAD_BLOCK = 20_000


class _NotOneFeaturePerLine(Exception):
    """The file is not laid out as our GeoJSON writer lays it out: parse it whole instead."""


def load_layer(path: Path) -> FeatureLayer:
    """Parse a published RFC 7946 FeatureCollection into columns and build the index.

    A file as :mod:`tsunagu.formats.geojson_writer` writes it (one feature per line) is parsed
    line by line, so only one block's dicts exist at a time (``json.load`` of a 1M-feature file
    held gigabytes of dicts); any other layout is parsed whole, as before.
    """
    try:
        return _columns(_lines(path))
    except _NotOneFeaturePerLine:
        pass
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


def _lines(path: Path) -> Iterator[Any]:
    """The features of a one-feature-per-line FeatureCollection, one at a time; raises
    :class:`_NotOneFeaturePerLine` (so the caller parses the file whole, with its own errors)
    on anything else, including a file ``json.load`` would refuse."""
    try:
        with path.open(encoding="utf-8") as fh:
            header = fh.readline()
            if not header.startswith('{"type":"FeatureCollection"') or not header.endswith(
                '"features":[\n'
            ):
                raise _NotOneFeaturePerLine
            head = json.loads(header[:-1] + "]}")
            if not isinstance(head, dict) or head.get("features") != []:
                raise _NotOneFeaturePerLine
            ended, comma = False, False
            for line in fh:
                if ended:
                    if line.strip():
                        raise _NotOneFeaturePerLine
                    continue
                if line.rstrip("\n") == "]}":
                    if comma:  # a trailing comma: not JSON
                        raise _NotOneFeaturePerLine
                    ended = True
                    continue
                text = line.rstrip("\n")
                comma = text.endswith(",")
                yield json.loads(text[:-1] if comma else text)
            if not ended:
                raise _NotOneFeaturePerLine
    except (OSError, ValueError, RecursionError) as exc:
        raise _NotOneFeaturePerLine from exc


def _columns(features: Iterable[Any]) -> FeatureLayer:
    import pyarrow as pa

    geometries: list[dict | None] = []
    box_blocks: list[np.ndarray] = []
    ids: list[Any] = []
    names: dict[str, None] = {}
    blocks: list[tuple[int, dict[str, Any]]] = []  # (rows, {name: column}) per block
    props: list[dict] = []
    boxes_list: list[tuple[float, float, float, float]] = []

    def flush() -> None:
        blocks.append(
            (len(props), {name: _column(pa, [p.get(name) for p in props]) for name in names})
        )
        box_blocks.append(np.array(boxes_list, dtype=float).reshape(-1, 4))
        props.clear()
        boxes_list.clear()

    for i, feature in enumerate(features):
        ids.append(feature.get("id", i + 1))
        geometry, box = _geometry(feature.get("geometry"))
        geometries.append(geometry)
        boxes_list.append(box)
        props.append(feature.get("properties") or {})
        names.update(dict.fromkeys(props[-1]))
        if len(props) == LOAD_BLOCK:
            flush()
    flush()
    # Column-major: each bound is one contiguous column, so a bbox scan compares packed
    # floats (three times faster than striding through rows of four).
    bounds = np.asfortranarray(np.concatenate(box_blocks))
    columns = {
        name: pa.concat_arrays(
            [block.get(name, _column(pa, [None] * rows)) for rows, block in blocks]
        )
        for name in names
    }
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
JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _encode(
    ids: list[Any], geometries: list[dict | None], lon: np.ndarray, lat: np.ndarray, table: Any
) -> dict[str, Any]:
    """Every row's Feature as served (properties as text, points rebuilt from lon/lat), encoded
    once: properties by pyarrow in a few vectorised calls (ten times faster than ``json`` per row),
    the rest by string formatting — floats as ``repr``, exactly as :mod:`json` writes them."""
    strings = json.encoder.encode_basestring  # C, no ASCII escapes
    chunks: list[bytes] = []
    lengths = np.zeros(len(ids), dtype=np.int64)
    for begin in range(0, len(ids), LOAD_BLOCK):  # one block's strings at a time
        stop = min(begin + LOAD_BLOCK, len(ids))
        props = _properties_json(table.slice(begin, stop - begin), stop - begin)
        xs, ys = lon[begin:stop].tolist(), lat[begin:stop].tolist()
        encoded = []
        for offset, (x, y) in enumerate(zip(xs, ys, strict=True)):
            ident = ids[begin + offset]
            ident = strings(ident) if isinstance(ident, str) else JSON_ENCODER.encode(ident)
            geometry = geometries[begin + offset]
            if geometry is not None:
                shape = JSON_ENCODER.encode(geometry)
            elif math.isfinite(x) and math.isfinite(y):
                shape = f'{{"type":"Point","coordinates":[{x!r},{y!r}]}}'
            else:
                shape = "null"
            encoded.append(
                f'{{"type":"Feature","id":{ident},"geometry":{shape},'
                f'"properties":{props[offset]}}}'.encode()
            )
        lengths[begin:stop] = [len(b) for b in encoded]
        chunks.append(b"".join(encoded))
    starts = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    return {"text": b"".join(chunks), "starts": starts}


def _properties_json(table: Any, rows: int) -> list[str]:
    """Each row's properties as a JSON object, exactly as :data:`JSON_ENCODER` writes it;
    ``rows`` is given because a table with no columns (a layer whose features have no
    properties at all) has no rows either.

    Built by pyarrow's element-wise string kernels (escape each column, then join the columns
    with the keys between them), which run on the calling thread: layers are loaded in
    gunicorn's master before the fork, and polars' thread pool, once started, does not survive
    a fork (the workers' polars calls would wait on it forever). As fast as polars'
    ``struct.json_encode`` and ten times faster than ``json`` per row."""
    import pyarrow.compute as pc

    if not table.num_columns:
        return ["{}"] * rows
    pieces: list[Any] = []
    for i, (name, column) in enumerate(zip(table.column_names, table.columns, strict=True)):
        pieces += [("{" if i == 0 else '",') + JSON_ENCODER.encode(name) + ':"', _escaped(column)]
    pieces.append('"}')
    return pc.binary_join_element_wise(*pieces, "").to_pylist()  # the last one: separator


def _escaped(column: Any) -> Any:
    """A string column's values as the inside of JSON strings (quotes and backslashes escaped;
    a column with control characters, rare in published text, goes through ``json``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = pc.fill_null(column, "")
    if pc.any(pc.match_substring_regex(column, "[\\x00-\\x1f]")).as_py():
        return pa.array([JSON_ENCODER.encode(v)[1:-1] for v in column.to_pylist()], pa.string())
    return pc.replace_substring(pc.replace_substring(column, "\\", "\\\\"), '"', '\\"')


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
    return geometry, shape.bounds


def _deep_size(value: Any) -> int:
    """Bytes of a parsed JSON value and everything in it (a stored geometry's dicts, lists and
    floats)."""
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(_deep_size(k) + _deep_size(v) for k, v in value.items())
    elif isinstance(value, list | tuple):
        size += sum(_deep_size(v) for v in value)
    return size


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
