"""``coordinates``: 緯度/経度 must be a complete pair, inside Japan, and usually inside the city.

Frictionless only knows that a latitude is a number between −90 and 90. The mistakes departments
actually make are subtler: latitude and longitude swapped (a point in the Indian Ocean), a plane
rectangular coordinate (EPSG:6677 metres) left in a degree column, one of the pair left empty, or a
facility geocoded to a namesake town elsewhere in Japan. The first three make the map wrong and are
errors; a point in Japan but outside the municipality's box is only a warning, because a
facility run by the city may stand in a neighbouring town.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pandas as pd

from tsunagu.errors import Problem, Severity
from tsunagu.validators.check import CheckContext, rows_of

JAPAN_LAT = (20.0, 46.0)
JAPAN_LON = (122.0, 154.0)


def _find(ctx: CheckContext, kind: str, suffix: str) -> str | None:
    for column in ctx.table.columns:
        if ctx.kind(column) == kind or str(column).endswith(suffix):
            return column
    return None


class CoordinatesCheck:
    type: ClassVar[str] = "coordinates"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        lat_col = _find(ctx, "latitude", "緯度")
        lon_col = _find(ctx, "longitude", "経度")
        if lat_col is None or lon_col is None or _from_geometry(ctx, lat_col, lon_col):
            return
        lat_text, lon_text = ctx.table[lat_col], ctx.table[lon_col]
        lat_empty, lon_empty = lat_text.str.strip() == "", lon_text.str.strip() == ""
        pair = (lat_col, lon_col)
        for empty, column in ((lat_empty & ~lon_empty, lat_col), (lon_empty & ~lat_empty, lon_col)):
            yield from _problems(ctx, pair, empty, column, "coordinate-pair-incomplete", "error")
        lat = pd.to_numeric(lat_text, errors="coerce")
        lon = pd.to_numeric(lon_text, errors="coerce")
        both = lat.notna() & lon.notna()
        in_japan = lat.between(*JAPAN_LAT) & lon.between(*JAPAN_LON)
        swapped = both & ~in_japan & lon.between(*JAPAN_LAT) & lat.between(*JAPAN_LON)
        outside = both & ~in_japan & ~swapped
        yield from _problems(ctx, pair, swapped, lat_col, "coordinate-swapped", "error")
        yield from _problems(ctx, pair, outside, lat_col, "coordinate-outside-japan", "error")
        area, _ = _municipality(ctx)
        if area is None:
            return  # no municipality known: the pipeline has said so once
        west, south, east, north = area
        in_city = lon.between(west, east) & lat.between(south, north)
        elsewhere = both & in_japan & ~in_city
        yield from _problems(
            ctx, pair, elsewhere, lat_col, "coordinate-outside-municipality", "warning"
        )


def _from_geometry(ctx: CheckContext, lat_col: str, lon_col: str) -> bool:
    """緯度/経度 the pipeline derived from a GIS file's point geometry, not the file's columns:
    the geometry checks have already reported those points, once, by feature."""
    origin = ctx.draft.column_origin
    return "geometry" in ctx.table.columns and lat_col not in origin and lon_col not in origin


def _municipality(ctx: CheckContext) -> tuple[tuple[float, ...] | None, str]:
    """(area, name) of the municipality the pipeline resolved; the settings' when run alone."""
    facts = ctx.draft.report.facts
    if "municipality" not in facts:
        return tuple(ctx.settings.municipality_bbox), ctx.settings.municipality_name
    known = facts["municipality"] or {}
    area = known.get("area")
    return (tuple(area) if area else None), known.get("name", "")


def _problems(
    ctx: CheckContext,
    pair: tuple[str, str],
    mask: pd.Series,
    column: str,
    code: str,
    severity: str,
) -> Iterator[Problem]:
    """One problem per flagged row; both values are quoted so the department sees the pair."""
    lat_col, lon_col = pair
    for row in rows_of(mask):
        yield Problem(
            code=code,
            severity=Severity(severity),
            location=ctx.draft.location(row, column),
            params={
                "lat": ctx.table.at[row, lat_col],
                "lon": ctx.table.at[row, lon_col],
                "municipality": _municipality(ctx)[1],
            },
        )
