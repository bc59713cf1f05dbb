"""GeoJSON (RFC 7946), including legacy files with a ``crs`` member.

The content is checked before GDAL sees it: GDAL chooses its driver by content, so a
``.geojson`` holding OGR VRT XML would be read as a VRT and disclose a local file. The text must
parse as JSON (a too-deep nesting is a clean error, not a ``RecursionError``) and be a Feature
or FeatureCollection. A ``crs`` member is honoured (GDAL does) with a warning that RFC 7946
removed it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from tsunagu.errors import Location
from tsunagu.formats.gdal_env import (
    read_vector,
    refuse,
    source_of,
    to_geodataframe,
)
from tsunagu.formats.guards import check_size
from tsunagu.geo.crs import WGS84, is_rfc7946, parse_crs
from tsunagu.model import Draft, Report

if TYPE_CHECKING:
    from tsunagu.config import Settings
    from tsunagu.formats.base import ReadOptions

GEOJSON_TYPES = ("FeatureCollection", "Feature")


def load_geojson(raw: bytes, file_name: str) -> dict[str, Any]:
    """Parse and shape-check the document; never echoes its content in an error."""
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except RecursionError as exc:
        raise refuse("geojson-too-deep", file_name) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise refuse("geojson-invalid", file_name, detail=str(exc)[:200]) from exc
    if not isinstance(doc, dict) or doc.get("type") not in GEOJSON_TYPES:
        raise refuse("geojson-invalid", file_name)
    return doc


def _legacy_crs(doc: dict[str, Any], report: Report, file_name: str) -> str | None:
    member = doc.get("crs")
    if member is None:
        return None
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    crs = parse_crs(name) if isinstance(name, str) else None
    if crs is None:
        raise refuse("crs-unknown", file_name, part="crs")
    if is_rfc7946(crs):
        return crs.to_string()  # RFC 7946's own system, merely restated: nothing to warn about
    report.add("geojson-crs-member", "warning", Location(file=file_name), crs=crs.to_string())
    return crs.to_string()


class GeoJsonReader:
    name: ClassVar[str] = "geojson"
    suffixes: ClassVar[tuple[str, ...]] = (".geojson", ".json")

    def sniff(self, head: bytes, path: Path) -> bool:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return text.startswith(b"{") and b'"type"' in head

    def read(self, path: Path, options: ReadOptions, settings: Settings) -> Draft:
        file_name = options.display_name or path.name
        check_size(path, settings, file_name)
        report = Report()
        doc = load_geojson(path.read_bytes(), file_name)
        crs = _legacy_crs(doc, report, file_name) or WGS84
        del doc
        report.facts["crs_source"] = "file" if crs != WGS84 else "rfc7946"
        data = read_vector(path, file_name)
        if data.driver != "GeoJSON":
            raise refuse("gis-driver-refused", file_name, driver=data.driver)
        gdf = to_geodataframe(data, crs, report, file_name)
        return Draft(
            source=source_of(path, self.name, "utf-8"),
            table=gdf,
            raw_table=data.attributes.copy(),
            report=report,
        )
