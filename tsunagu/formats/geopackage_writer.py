"""Optional GeoPackage output, for GIS users who want one file with a real spatial index.

Written with pyogrio (GDAL's GPKG driver): one layer named after ``stem``, EPSG:4326, the
standard's columns as text fields. The table goes through the same rules as the GeoJSON
(:class:`~tsunagu.formats.geojson_writer.GeoJsonWriter`): a GeoDataFrame must already be in
EPSG:4326, a facility table becomes points from 緯度/経度, and rows without a usable position are
left out and reported, so the map files of one dataset always hold the same features.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from tsunagu.errors import FormatError, Location, Problem, Severity
from tsunagu.formats.geojson_writer import (
    LAT_FIELD,
    LON_FIELD,
    crs_refused,
    is_wgs84,
    parse_coordinates,
    report_left_out,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from tsunagu.config import Settings
    from tsunagu.model import Draft


def _points_frame(table: pd.DataFrame) -> tuple[gpd.GeoDataFrame, list[int]]:
    import geopandas as gpd
    import polars as pl

    lon, lat, usable = parse_coordinates(
        pl.Series(table[LAT_FIELD].tolist(), dtype=pl.Utf8),
        pl.Series(table[LON_FIELD].tolist(), dtype=pl.Utf8),
    )
    left_out = [int(row) for row in table.index[~usable]]
    geometry = gpd.points_from_xy(lon[usable], lat[usable], crs="EPSG:4326")
    return gpd.GeoDataFrame(table[usable], geometry=geometry), left_out


def _spatial_frame(table: Any, file: str) -> tuple[gpd.GeoDataFrame, list[int], str]:
    """The GeoDataFrame to write, the rows left out, and the code to report them with."""
    import shapely

    geometry = getattr(table, "geometry", None)
    if geometry is None or getattr(geometry, "name", None) not in table.columns:
        return (*_points_frame(table), "geojson-no-coordinates")
    if not is_wgs84(table.crs):
        raise crs_refused(file, table.crs)
    shapes = np.asarray(table.geometry.array, dtype=object)
    usable = ~(shapely.is_missing(shapes) | shapely.is_empty(shapes))
    left_out = [int(row) for row in table.index[~usable]]
    return table[usable], left_out, "geojson-no-geometry"


class GeoPackageWriter:
    """Writes ``<stem>.gpkg`` with one layer ``stem`` in EPSG:4326."""

    name: ClassVar[str] = "gpkg"

    def write(self, draft: Draft, out_dir: Path, settings: Settings, *, stem: str) -> Path:
        import pyogrio.errors

        path = out_dir / f"{stem}.gpkg"
        frame, left_out, code = _spatial_frame(draft.table, path.name)
        out_dir.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # a re-publish replaces the file, never appends a layer
        try:
            frame.to_file(path, driver="GPKG", layer=stem, engine="pyogrio")
        except (pyogrio.errors.DataSourceError, pyogrio.errors.FieldError) as exc:
            problem = Problem("gpkg-write-failed", Severity.ERROR, Location(file=path.name))
            raise FormatError.from_problem(problem, detail=str(exc)) from exc
        report_left_out(draft.report, left_out, len(left_out), draft.location, code)
        return path
