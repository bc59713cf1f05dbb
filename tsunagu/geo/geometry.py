"""Per-feature geometry checks: parse, validity and repair, caps, extent.

A GIS file is judged feature by feature, so a department hears "feature 12 has a
self-intersection" rather than "GEOSException" for the whole file. ``make_valid`` repairs are
reported; a repair that changes what the feature *is* (a collapsed ring becoming a Point) is an
error, never a silent change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from tsunagu.errors import Location

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from tsunagu.model import Report

# Upload caps (security-and-bad-inputs §3 row 33: a 1e6-vertex polygon took 884 MB of memory).
MAX_FEATURES = 200_000
MAX_VERTICES = 2_000_000
# At most this many per-feature problems of one code are listed; the rest are counted in facts.
MAX_LISTED = 100
GEOMETRY_COLLECTION = 7  # shapely type id


def report_features(
    report: Report, code: str, severity: str, file_name: str, labels: list, **params: Any
) -> None:
    """Add one problem per feature (up to MAX_LISTED) and count them all in ``report.facts``."""
    for label in labels[:MAX_LISTED]:
        report.add(code, severity, Location(file=file_name, feature=_plain(label)), **params)
    if labels:
        counts = report.facts.setdefault("feature_problems", {})
        counts[code] = counts.get(code, 0) + len(labels)


def _plain(label: object) -> int | str:
    return int(label) if isinstance(label, int | np.integer) else str(label)


# Problems that already say why a feature (or a table row) has no geometry.
EXPLAINS_NULL = frozenset({"location-missing", "location-unparsable"})


def _features_with_errors(report: Report, file_name: str) -> set[int | str]:
    """Features whose null geometry is already explained: a blocking problem on the feature,
    or a missing/unparsable 緯度・経度 on the table row it was made from."""
    explained: set[int | str] = set()
    for p in report.problems:
        if p.location.file != file_name:
            continue
        if p.severity.blocks_publishing and p.location.feature is not None:
            explained.add(p.location.feature)
        elif p.code in EXPLAINS_NULL and p.location.row is not None:
            explained.add(p.location.row)
    return explained


def geometries_from_wkb(
    wkb: np.ndarray, labels: pd.Index, report: Report, file_name: str
) -> np.ndarray:
    """Shapely geometries from GDAL's WKB, one feature at a time.

    ``on_invalid="ignore"`` turns an unparsable geometry (unclosed ring, 2-point ring) into
    ``None``; a feature whose WKB was present but did not parse gets an error of its own.
    """
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    present = np.array([item is not None for item in wkb], dtype=bool)
    failed = present & shapely.is_missing(geoms)
    report_features(report, "geometry-unparsable", "error", file_name, list(labels[failed]))
    return geoms


def check_limits(
    gdf: gpd.GeoDataFrame,
    report: Report,
    file_name: str,
    *,
    max_features: int | None = None,
    max_vertices: int | None = None,
) -> bool:
    """False (with an error) if the upload has more features or vertices than we process.

    The limits come from the settings (``max_features``, ``max_vertices``); the module's
    constants are their defaults.
    """
    max_features = MAX_FEATURES if max_features is None else max_features
    max_vertices = MAX_VERTICES if max_vertices is None else max_vertices
    features = len(gdf)
    if features > max_features:
        report.add(
            "geometry-too-many-features",
            "error",
            Location(file=file_name),
            count=features,
            limit=max_features,
        )
        return False
    vertices = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    if vertices > max_vertices:
        report.add(
            "geometry-too-many-vertices",
            "error",
            Location(file=file_name),
            count=vertices,
            limit=max_vertices,
        )
        return False
    return True


def _family(geom_type: str) -> str:
    return geom_type.removeprefix("Multi")


def check_validity(gdf: gpd.GeoDataFrame, report: Report, file_name: str) -> gpd.GeoDataFrame:
    """Report null, empty and invalid geometries; repair the invalid ones that keep their type."""
    geoms = gdf.geometry.values
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    explained = _features_with_errors(report, file_name)  # already null because of an error
    nulls = [label for label in gdf.index[missing] if _plain(label) not in explained]
    report_features(report, "geometry-null", "warning", file_name, nulls)
    report_features(report, "geometry-empty", "warning", file_name, list(gdf.index[empty]))
    # the map viewer (folium tooltips/popups) cannot draw a GeometryCollection
    collections = ~missing & (shapely.get_type_id(geoms) == GEOMETRY_COLLECTION)
    report_features(
        report, "geometry-collection", "warning", file_name, list(gdf.index[collections])
    )
    invalid = ~missing & ~empty & ~shapely.is_valid(geoms)
    if not invalid.any():
        return gdf
    out = gdf.copy()
    for label in gdf.index[invalid]:
        original = gdf.geometry.loc[label]
        reason = shapely.is_valid_reason(original)
        repaired = shapely.make_valid(original)
        if _family(repaired.geom_type) != _family(original.geom_type):
            report.add(
                "geometry-repair-changes-type",
                "error",
                Location(file=file_name, feature=_plain(label)),
                reason=reason,
                before=original.geom_type,
                after=repaired.geom_type,
            )
            continue
        out.loc[label, out.geometry.name] = repaired
        report.add(
            "geometry-repaired",
            "warning",
            Location(file=file_name, feature=_plain(label)),
            reason=reason,
        )
    return out


def geometry_types(gdf: gpd.GeoDataFrame) -> dict[str, int]:
    """How many features of each geometry type (nulls not counted)."""
    types = gdf.geometry.geom_type.dropna()
    return {str(k): int(v) for k, v in types.value_counts().sort_index().items()}


def extent(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    """``(minx, miny, maxx, maxy)`` of the non-empty geometries, or None if there are none."""
    geoms = gdf.geometry.values
    usable = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if len(usable) == 0:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(usable)
    return (float(minx), float(miny), float(maxx), float(maxy))
