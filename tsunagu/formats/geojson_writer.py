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
        self.ids = feature_ids(table)

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
    for feature in features:
        fh.write(("," if count else "") + "\n" + dump(feature))
        count += 1
    fh.write("\n]}\n")
    return count


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
