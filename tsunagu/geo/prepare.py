"""One call that makes a GIS draft publishable: CRS → checks → WGS84 → geometry validity.

Readers return the CRS as found; this step falls back to the manifest's declared CRS, warns
about risky ones, reprojects to EPSG:4326 with coordinate checks on both sides, repairs what can
be repaired, and records the facts the catalogue and the map viewer need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tsunagu.errors import Location
from tsunagu.geo.crs import check_crs, parse_crs, to_wgs84
from tsunagu.geo.geometry import check_limits, check_validity, extent, geometry_types

if TYPE_CHECKING:
    from pyproj import CRS

    from tsunagu.config import Settings
    from tsunagu.model import Draft, Report


def _declared_crs(draft: Draft) -> str | None:
    manifest = draft.manifest
    return getattr(manifest, "crs", None) if manifest is not None else None


def _area(draft: Draft, settings: Settings) -> tuple[float, float, float, float] | None:
    """The municipality's area when the pipeline has resolved one (None: no city known, so no
    area check); the settings' box for callers that resolve no municipality."""
    if "municipality" not in draft.report.facts:
        return settings.municipality_bbox
    known = draft.report.facts["municipality"]
    return tuple(known["area"]) if known and known.get("area") else None


def _compare_with_declared(
    found: CRS, declared: CRS | None, report: Report, file_name: str
) -> None:
    """The file's own CRS wins, but a manifest that says otherwise is worth a warning."""
    if declared is not None and not found.equals(declared, ignore_axis_order=True):
        report.add(
            "crs-declared-mismatch",
            "warning",
            Location(file=file_name),
            found=found.to_string(),
            declared=declared.to_string(),
        )


def prepare_geodata(draft: Draft, settings: Settings) -> Draft:
    """The draft with ``table`` in EPSG:4326 and facts ``crs_source``, ``bbox``,
    ``geometry_types`` and ``features``; problems go into the report, nothing is raised."""
    gdf = draft.table
    report = draft.report
    file_name = draft.source.name
    facts = report.facts
    facts["features"] = len(gdf)
    if gdf.crs is None:
        declared = parse_crs(_declared_crs(draft))
        if declared is None:
            report.add("crs-missing", "error", Location(file=file_name), part=file_name)
            return draft
        gdf = gdf.set_crs(declared)
        facts["crs_source"] = "declared"
    facts.setdefault("crs_source", "file")
    facts["crs"] = gdf.crs.to_string()
    _compare_with_declared(gdf.crs, parse_crs(_declared_crs(draft)), report, file_name)
    check_crs(gdf.crs, report, file_name)
    # The caps guard geopandas against a GIS file's hidden bulk (a small zip of millions of
    # shapes). Points made from a table's 緯度/経度 are one per row, already bounded by the
    # file's size limit, and written column-wise: capping them blocked any table over 200k rows.
    from_table = facts["crs_source"] == "points"
    if not from_table and not check_limits(
        gdf,
        report,
        file_name,
        max_features=settings.max_features,
        max_vertices=settings.max_vertices,
    ):
        return draft.evolve(table=gdf)
    gdf = to_wgs84(gdf, report, file_name, _area(draft, settings))
    gdf = check_validity(gdf, report, file_name)
    bbox = extent(gdf)
    facts["bbox"] = list(bbox) if bbox else None
    facts["geometry_types"] = geometry_types(gdf)
    return draft.evolve(table=gdf)
