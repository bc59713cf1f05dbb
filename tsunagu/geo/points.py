"""Point geometries from a table's 緯度/経度 columns (the standard datasets' location fields).

Rows whose location is empty or cannot be read as a number stay in the table with a null
geometry and are reported, never dropped: a missing shelter on the map must be visible in the
report. Full-width digits and signs (３５．８６７６) are read through NFKC.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import numpy as np

from tsunagu.model import Draft

JGD2011 = "EPSG:6668"  # JGD2011 geographic: equals WGS84 to within centimetres


def parse_degree(text: str) -> float | None:
    """A decimal degree from a cell; None if it is not a finite number."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace("−", "-").rstrip("°")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _row_point(draft: Draft, row: int, lat: str, lon: str, fields: tuple[str, str]) -> object:
    from shapely import Point

    if not lat.strip() or not lon.strip():
        empty = fields[0] if not lat.strip() else fields[1]
        draft.report.add("location-missing", "warning", draft.location(row, empty))
        return None
    lat_value, lon_value = parse_degree(lat), parse_degree(lon)
    for value, field, text in ((lat_value, fields[0], lat), (lon_value, fields[1], lon)):
        if value is None:
            draft.report.add("location-unparsable", "error", draft.location(row, field), value=text)
    if lat_value is None or lon_value is None:
        return None
    return Point(lon_value, lat_value)


#: A plain decimal degree: read column-wise; anything else goes through :func:`parse_degree`.
_PLAIN = r"^-?[0-9]+(\.[0-9]+)?$"


def _plain_degrees(column: Any) -> tuple[np.ndarray, np.ndarray]:
    """(value, plain) per cell: plain cells (``-?digits[.digits]``, what the normalize step
    leaves) parsed by polars, which rounds decimals exactly as ``float()`` does."""
    import polars as pl
    import pyarrow as pa

    try:
        text = pl.Series(pa.array(column, type=pa.string(), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # cells that are not text: all by hand
        return np.full(len(column), np.nan), np.zeros(len(column), dtype=bool)
    plain = text.str.contains(_PLAIN).fill_null(False).to_numpy()
    values = text.cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy()
    return values, plain


def _points(draft: Draft, lat: Any, lon: Any, fields: tuple[str, str]) -> np.ndarray:
    """Point per row (None where unlocated), built column-wise; the rows that are not plain
    decimals take :func:`_row_point`, which reports them, in row order as before."""
    import shapely

    lat_values, lat_plain = _plain_degrees(lat)
    lon_values, lon_plain = _plain_degrees(lon)
    plain = lat_plain & lon_plain
    plain &= np.isfinite(lat_values) & np.isfinite(lon_values)
    geoms = np.full(len(plain), None, dtype=object)
    geoms[plain] = shapely.points(lon_values[plain], lat_values[plain])
    rows = np.asarray(lat.index)
    for i in np.flatnonzero(~plain):
        geoms[i] = _row_point(draft, int(rows[i]), str(lat.iat[i]), str(lon.iat[i]), fields)
    return geoms


def points_from_table(
    draft: Draft, lat_field: str = "緯度", lon_field: str = "経度", crs: str = JGD2011
) -> Draft:
    """The draft with ``table`` as a GeoDataFrame of points (lon, lat) in ``crs``.

    Range checks (swapped, out of Japan) are left to :func:`tsunagu.geo.crs.to_wgs84`, which
    :func:`tsunagu.geo.prepare.prepare_geodata` runs next.
    """
    import geopandas as gpd
    import shapely

    table = draft.table
    missing = [f for f in (lat_field, lon_field) if f not in table.columns]
    if missing:
        for field in missing:
            draft.report.add("location-column-missing", "error", draft.location(column=field))
        return draft
    fields = (lat_field, lon_field)
    geoms = _points(draft, table[lat_field], table[lon_field], fields)
    gdf = gpd.GeoDataFrame(table.copy(), geometry=geoms, crs=crs)
    located = int(np.count_nonzero(~shapely.is_missing(geoms)))
    draft.report.facts.update(
        {"crs_source": "points", "located_rows": located, "unlocated_rows": len(geoms) - located}
    )
    return draft.evolve(table=gdf)
