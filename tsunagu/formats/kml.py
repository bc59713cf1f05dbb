"""KML (always EPSG:4326 by the OGC standard), one folder layer at a time.

The head must look like a KML document and must not be OGR VRT XML; GDAL then has to confirm
it opened the file with its KML driver.
"""

from __future__ import annotations

import re
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
from tsunagu.geo.crs import WGS84
from tsunagu.model import Draft, Report

if TYPE_CHECKING:
    from tsunagu.config import Settings
    from tsunagu.formats.base import ReadOptions

_KML_ROOT = re.compile(rb"<kml[\s>]")
KML_DRIVERS = frozenset({"KML", "LIBKML"})


def is_kml(head: bytes) -> bool:
    return bool(_KML_ROOT.search(head)) and b"OGRVRTDataSource" not in head


class KmlReader:
    name: ClassVar[str] = "kml"
    suffixes: ClassVar[tuple[str, ...]] = (".kml",)

    def sniff(self, head: bytes, path: Path) -> bool:
        return is_kml(head)

    def read(self, path: Path, options: ReadOptions, settings: Settings) -> Draft:
        file_name = options.display_name or path.name
        check_size(path, settings, file_name)
        with path.open("rb") as fh:
            head = fh.read(4096)
        if not is_kml(head):
            raise refuse("kml-invalid", file_name)
        layer = choose_layer(list_layers(path, file_name), options.layer, file_name)
        data = read_vector(path, file_name, layer=layer)
        if data.driver not in KML_DRIVERS:
            raise refuse("gis-driver-refused", file_name, driver=data.driver)
        report = Report(facts={"crs_source": "kml", "layer": layer})
        gdf = to_geodataframe(data, WGS84, report, file_name)
        return Draft(
            source=source_of(path, self.name, "utf-8"),
            table=gdf,
            raw_table=data.attributes.copy(),
            report=report,
        )
