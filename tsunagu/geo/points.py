"""Point geometries from a table's 緯度/経度 columns (the standard datasets' location fields).

Rows whose location is empty or cannot be read as a number stay in the table with a null
geometry and are reported, never dropped: a missing shelter on the map must be visible in the
report. Full-width digits and signs (３５．８６７６) are read through NFKC.
"""

from __future__ import annotations

import math
import unicodedata

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


def points_from_table(
    draft: Draft, lat_field: str = "緯度", lon_field: str = "経度", crs: str = JGD2011
) -> Draft:
    """The draft with ``table`` as a GeoDataFrame of points (lon, lat) in ``crs``.

    Range checks (swapped, out of Japan) are left to :func:`tsunagu.geo.crs.to_wgs84`, which
    :func:`tsunagu.geo.prepare.prepare_geodata` runs next.
    """
    import geopandas as gpd

    table = draft.table
    missing = [f for f in (lat_field, lon_field) if f not in table.columns]
    if missing:
        for field in missing:
            draft.report.add("location-column-missing", "error", draft.location(column=field))
        return draft
    fields = (lat_field, lon_field)
    geoms = [
        _row_point(draft, int(row), str(lat), str(lon), fields)
        for row, lat, lon in zip(table.index, table[lat_field], table[lon_field], strict=True)
    ]
    gdf = gpd.GeoDataFrame(table.copy(), geometry=geoms, crs=crs)  # type: ignore[arg-type]  # types-geopandas: None (no point) is accepted at run time
    located = sum(g is not None for g in geoms)
    draft.report.facts.update(
        {"crs_source": "points", "located_rows": located, "unlocated_rows": len(geoms) - located}
    )
    return draft.evolve(table=gdf)
