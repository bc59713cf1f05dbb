"""RFC 7946 GeoJSON output: WGS84 lon/lat, no ``crs`` member, 7 decimals, right-hand rule.

Why each rule:

- RFC 7946 §4 removed the ``crs`` member; coordinates are always WGS84 longitude, latitude.
  GDAL's GeoJSON driver writes a ``crs`` member unless ``RFC7946=YES``
  (security-and-bad-inputs.md §2.3), so we write the file ourselves and refuse a frame that is not
  in EPSG:4326: reprojection belongs to ``tsunagu.geo``, and a silent one here would hide a bug.
- 7 decimals is about 1 cm, finer than any municipal survey, and is what GDAL's RFC 7946 mode
  writes; shorter numbers make the file about a third smaller.
- RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise (``shapely.orient_polygons``).
- A ``bbox`` on the FeatureCollection (§5) lets a map zoom to the data without reading it all.
- Features are written one by one, so a 100k-feature file never exists as one Python string.

A plain DataFrame with the standard's ``緯度``/``経度`` columns (a facility list) is written as
points. Rows without a usable position (empty, unparsable, non-finite or out of range) or with an
empty geometry are left out and reported, never silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

import numpy as np

from tsunagu.errors import Location, Problem, PublishError, Severity, TsunaguError

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

    from tsunagu.config import Settings
    from tsunagu.model import Draft, Report

DECIMALS = 7
LAT_FIELD = "緯度"
LON_FIELD = "経度"
ID_FIELD = "ID"
#: Rows reported one by one when features are left out; the rest are summarised in one problem.
MAX_REPORTED_ROWS = 100
#: Features built and written at a time by the column-wise path (10k: about 10 MB of text;
#: 100k blocks took 600 MB more at peak).
BLOCK_ROWS = 10_000


def round_coordinates(values: np.ndarray) -> np.ndarray:
    """The one rounding rule of every GeoJSON we write (numpy's, so both writers agree)."""
    return np.round(values, DECIMALS)


def parse_coordinates(lat: pl.Series, lon: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Text latitude/longitude columns → rounded float lon, lat arrays and a usable-row mask.

    Vectorised with polars so the streaming converter and this writer share one parser: text is
    stripped, unparsable text becomes NaN, and a row is usable only when both values are finite
    and within [-90, 90] / [-180, 180].
    """
    import polars as pl

    def as_float(series: pl.Series) -> np.ndarray:
        cleaned = series.cast(pl.Utf8).str.strip_chars().cast(pl.Float64, strict=False)
        return cleaned.fill_null(float("nan")).to_numpy()

    lat_values, lon_values = as_float(lat), as_float(lon)
    with np.errstate(invalid="ignore"):
        usable = (
            np.isfinite(lat_values)
            & np.isfinite(lon_values)
            & (np.abs(lat_values) <= 90)
            & (np.abs(lon_values) <= 180)
        )
    return round_coordinates(lon_values), round_coordinates(lat_values), usable


def property_value(value: Any) -> str | None:
    """A property as published: the table's text, with an empty cell as JSON ``null``."""
    if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def feature_ids(table: pd.DataFrame) -> list[str | int]:
    """Stable ids: the standard's ``ID`` when filled in, else the row number in the source file."""
    if ID_FIELD not in table.columns:
        return [int(row) for row in table.index]
    return [
        str(value) if property_value(value) is not None else int(row)
        for row, value in zip(table.index, table[ID_FIELD], strict=True)
    ]


def report_left_out(
    report: Report,
    rows: Sequence[int],
    total: int,
    where: Callable[[int | None], Location],
    code: str,
) -> None:
    """Report rows left out of a GeoJSON: one warning per row up to a cap, then one summary.

    ``where(row)`` builds the location (``Draft.location``), ``where(None)`` the file alone.
    """
    for row in rows[:MAX_REPORTED_ROWS]:
        report.add(code, Severity.WARNING, where(int(row)))
    if total > MAX_REPORTED_ROWS:
        report.add(
            "geojson-rows-left-out-more",
            Severity.WARNING,
            where(None),
            count=total - MAX_REPORTED_ROWS,
        )


def is_wgs84(crs: Any) -> bool:
    """EPSG:4326 or OGC:CRS84; axis order does not matter, geopandas always holds lon/lat."""
    if crs is None:
        return False
    return crs.to_epsg() == 4326 or crs.equals("OGC:CRS84")


def crs_refused(file: str, crs: Any) -> TsunaguError:
    problem = Problem(
        "geojson-crs-not-wgs84", Severity.ERROR, Location(file=file), {"crs": str(crs)}
    )
    return PublishError.from_problem(problem)


class _Features:
    """The features to write: usable-row mask, ids, property columns, bbox, and geometries."""

    _shapes: np.ndarray | None  # shapely geometries, or None when points come from lon/lat

    def __init__(self, table: pd.DataFrame, file: str) -> None:
        self.table = table
        geometry_column = _geometry_column(table)
        if geometry_column is None:
            self._from_lat_lon(table)
        else:
            self._from_geometry(table, geometry_column, file)
        self.columns = [c for c in table.columns if c != geometry_column]

    @property
    def ids(self) -> list[str | int]:
        return feature_ids(self.table)

    def _from_lat_lon(self, table: pd.DataFrame) -> None:
        import polars as pl

        missing = [c for c in (LAT_FIELD, LON_FIELD) if c not in table.columns]
        if missing:
            raise PublishError(
                f"GeoJSON needs a geometry column or {LAT_FIELD}/{LON_FIELD}; missing {missing}",
                message_ja=f"GeoJSON には geometry 列か {LAT_FIELD}/{LON_FIELD} 列が必要です",
                code="geojson-no-geometry-columns",
            )
        lon, lat, self.usable = parse_coordinates(
            pl.Series(table[LAT_FIELD].tolist(), dtype=pl.Utf8),
            pl.Series(table[LON_FIELD].tolist(), dtype=pl.Utf8),
        )
        self._lon, self._lat, self._shapes = lon, lat, None
        self.bbox = _bbox(lon[self.usable], lat[self.usable], lon[self.usable], lat[self.usable])
        self.left_out_code = "geojson-no-coordinates"

    def _from_geometry(self, table: pd.DataFrame, column: str, file: str) -> None:
        import shapely

        if not is_wgs84(getattr(table, "crs", None)):
            raise crs_refused(file, getattr(table, "crs", None))
        shapes = np.asarray(table[column].array, dtype=object)
        shapes = shapely.transform(shapely.orient_polygons(shapes), round_coordinates)
        self.usable = ~(shapely.is_missing(shapes) | shapely.is_empty(shapes))
        self._shapes = shapes
        bounds = shapely.bounds(shapes[self.usable])
        self.bbox = _bbox(bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3])
        self.left_out_code = "geojson-no-geometry"

    def _geometry(self, i: int) -> dict[str, Any]:
        """Built when written, so only one feature's dicts exist at a time."""
        if self._shapes is not None:
            return self._shapes[i].__geo_interface__
        return {"type": "Point", "coordinates": [float(self._lon[i]), float(self._lat[i])]}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rows = self.table[self.columns].itertuples(index=False, name=None)
        for i, (ident, values) in enumerate(zip(self.ids, rows, strict=True)):
            if not self.usable[i]:
                continue
            properties = {c: property_value(v) for c, v in zip(self.columns, values, strict=True)}
            yield {
                "type": "Feature",
                "id": ident,
                "geometry": self._geometry(i),
                "properties": properties,
            }

    def point_coordinates(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Rounded lon, lat of the usable rows when every one is a finite 2D point."""
        import shapely

        if self._shapes is None:
            lon, lat = self._lon[self.usable], self._lat[self.usable]
        else:
            shapes = self._shapes[self.usable]
            points = shapely.get_type_id(shapes) == 0
            if not points.all() or shapely.has_z(shapes).any():
                return None, None
            lon, lat = shapely.get_x(shapes), shapely.get_y(shapes)
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            return None, None
        return lon, lat

    @property
    def left_out_rows(self) -> list[int]:
        return [int(row) for row in self.table.index[~self.usable]]


def _geometry_column(table: pd.DataFrame) -> str | None:
    name = getattr(getattr(table, "geometry", None), "name", None)
    return str(name) if name is not None and name in table.columns else None


def _bbox(
    west: np.ndarray, south: np.ndarray, east: np.ndarray, north: np.ndarray
) -> list[float] | None:
    if not len(west):
        return None
    return [float(west.min()), float(south.min()), float(east.max()), float(north.max())]


def dump(value: Any) -> str:
    """Compact UTF-8 JSON text, as every GeoJSON byte we write is produced."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _write_collection(features: _Features, fh: TextIO) -> int:
    fh.write('{"type":"FeatureCollection"')
    if features.bbox is not None:
        fh.write(f',"bbox":{dump(features.bbox)}')
    fh.write(',"features":[')
    count = 0
    blocks = _point_blocks(features)
    if blocks is not None:
        for text, written in blocks:
            fh.write(("," if count else "") + "\n" + text)
            count += written
    else:
        for feature in features:
            fh.write(("," if count else "") + "\n" + dump(feature))
            count += 1
    fh.write("\n]}\n")
    return count


def _point_blocks(features: _Features) -> Iterator[tuple[str, int]] | None:
    """The features of a table of 2D points as text, :data:`BLOCK_ROWS` rows at a time: the
    same bytes as :func:`dump` per feature, built column-wise by polars (its ``json_encode``
    escapes as ``json.dumps(ensure_ascii=False)`` does; the tests compare both on every
    escape). None, before anything is written, for what only the per-feature path writes:
    other geometries, 3D points, cells that are not text, repeated column names, a
    non-integer index without an ID column.
    """
    table, columns = features.table, features.columns
    if len(set(columns)) != len(columns) or not all(_is_text(table[c]) for c in columns):
        return None
    if ID_FIELD not in columns and not pd_is_integer(table.index):
        return None
    lon, lat = features.point_coordinates()
    if lon is None or lat is None:
        return None
    return _blocks(features, lon, lat)


def _blocks(features: _Features, lon: np.ndarray, lat: np.ndarray) -> Iterator[tuple[str, int]]:
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc

    table, columns, usable = features.table, features.columns, features.usable
    for start in range(0, len(table), BLOCK_ROWS):
        keep = usable[start : start + BLOCK_ROWS]
        if not keep.any():
            continue
        block = table.iloc[start : start + BLOCK_ROWS][keep]
        arrays = []
        for name in columns:
            array = pa.array(block[name], type=pa.string(), from_pandas=True)
            arrays.append(pc.if_else(pc.equal(array, ""), None, array))
        frame = pl.DataFrame(pa.Table.from_arrays(arrays, names=[str(c) for c in columns]))
        rows = pl.Series("row", np.asarray(block.index), dtype=pl.Int64).cast(pl.Utf8)
        if ID_FIELD in columns:
            quoted = frame.select(pl.struct(pl.col(ID_FIELD)).struct.json_encode()).to_series()
            ids = pl.select(
                pl.when(frame[ID_FIELD].is_not_null())
                .then(quoted.str.slice(len(ID_FIELD) + 4).str.strip_suffix("}"))
                .otherwise(rows)
            ).to_series()
        else:
            ids = rows
        first = int(np.count_nonzero(usable[:start]))
        xs = _reprs(lon[first : first + len(block)])
        ys = _reprs(lat[first : first + len(block)])
        properties = frame.select(pl.struct(pl.all()).struct.json_encode()).to_series()
        text = pl.select(
            pl.concat_str(
                pl.lit('{"type":"Feature","id":'),
                pl.lit(ids),
                pl.lit(',"geometry":{"type":"Point","coordinates":['),
                pl.lit(xs),
                pl.lit(","),
                pl.lit(ys),
                pl.lit(']},"properties":'),
                pl.lit(properties),
                pl.lit("}"),
            ).str.join(",\n")
        ).item()
        yield text, len(block)


def _reprs(values: np.ndarray) -> pl.Series:
    """Each float as ``json.dumps`` writes it (``float.__repr__``)."""
    import polars as pl

    return pl.Series(list(map(repr, values.tolist())), dtype=pl.Utf8)


def _is_text(column: Any) -> bool:
    """Every cell ``str`` or missing (Arrow text, or object cells that pandas finds all text)."""
    import pandas as pd

    if isinstance(column, pd.DataFrame):  # a repeated name
        return False
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return True
    return pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")


def pd_is_integer(index: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_integer_dtype(index.dtype))


class GeoJsonWriter:
    """Writes ``<stem>.geojson`` from a GeoDataFrame in EPSG:4326 or a table of 緯度/経度."""

    name: ClassVar[str] = "geojson"

    def write(self, draft: Draft, out_dir: Path, settings: Settings, *, stem: str) -> Path:
        path = out_dir / f"{stem}.geojson"
        features = _Features(draft.table, path.name)
        out_dir.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            written = _write_collection(features, fh)
        left_out = features.left_out_rows
        report_left_out(
            draft.report, left_out, len(left_out), draft.location, features.left_out_code
        )
        draft.report.facts["geojson_features"] = written
        return path
