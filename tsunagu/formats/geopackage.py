"""GeoPackage: exactly one layer, chosen explicitly when there are several.

A GeoPackage is an SQLite file; one with extra tables, triggers or views is still read only
through ``layer=`` (never ``sql=``), and an SQLite file that is not a GeoPackage is refused by
its header (``application_id`` "GPKG") before GDAL opens it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from tsunagu.formats.gdal_env import (
    choose_layer,
    list_layers,
    read_vector,
    refuse,
    source_of,
    to_geodataframe,
)
from tsunagu.formats.guards import check_size
from tsunagu.geo.crs import parse_crs
from tsunagu.model import Draft, Report

if TYPE_CHECKING:
    from tsunagu.config import Settings
    from tsunagu.formats.base import ReadOptions

SQLITE_MAGIC = b"SQLite format 3\x00"
GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")  # offset 68 of the SQLite header


def is_geopackage(head: bytes) -> bool:
    return head.startswith(SQLITE_MAGIC) and head[68:72] in GPKG_APPLICATION_IDS


class GeoPackageReader:
    name: ClassVar[str] = "gpkg"
    suffixes: ClassVar[tuple[str, ...]] = (".gpkg",)

    def sniff(self, head: bytes, path: Path) -> bool:
        return is_geopackage(head)

    def read(self, path: Path, options: ReadOptions, settings: Settings) -> Draft:
        file_name = options.display_name or path.name
        check_size(path, settings, file_name)
        with path.open("rb") as fh:
            head = fh.read(100)
        if not is_geopackage(head):
            raise refuse("gpkg-not-geopackage", file_name)
        layer = choose_layer(list_layers(path, file_name), options.layer, file_name)
        data = read_vector(path, file_name, layer=layer)
        if data.driver != "GPKG":
            raise refuse("gis-driver-refused", file_name, driver=data.driver)
        report = Report()
        crs = parse_crs(data.crs)
        if crs is None and options.crs:
            crs = parse_crs(options.crs)
            report.facts["crs_source"] = "declared"
        if crs is None:
            raise refuse("crs-missing", file_name, part=layer)
        report.facts.setdefault("crs_source", "file")
        report.facts["layer"] = layer
        gdf = to_geodataframe(data, crs.to_string(), report, file_name)
        return Draft(
            source=source_of(path, self.name),
            table=gdf,
            raw_table=data.attributes.copy(),
            report=report,
        )
