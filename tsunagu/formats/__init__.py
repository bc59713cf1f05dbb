"""Readers and writers, chosen by name through registries (never by if-chains).

``detect_format`` asks each reader in registry order whether the file's suffix and first bytes
fit; ``read_file`` reads it into a :class:`~tsunagu.model.Draft`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tsunagu.errors import FormatError, Location, Problem, Severity
from tsunagu.formats.base import Reader, ReadOptions, Writer
from tsunagu.registry import Registry

if TYPE_CHECKING:
    from tsunagu.config import Settings
    from tsunagu.model import Draft

READERS = Registry(
    "format",
    {
        "csv": "tsunagu.formats.csv:CsvReader",
        "xlsx": "tsunagu.formats.excel:ExcelReader",
        "shp-zip": "tsunagu.formats.shapefile:ShapefileZipReader",
        "shp": "tsunagu.formats.shapefile:ShapefileReader",
        "geojson": "tsunagu.formats.geojson:GeoJsonReader",
        "gpkg": "tsunagu.formats.geopackage:GeoPackageReader",
        "kml": "tsunagu.formats.kml:KmlReader",
    },
)

WRITERS = Registry(
    "writer",
    {
        "csv": "tsunagu.formats.csv_writer:StandardCsvWriter",
        "geojson": "tsunagu.formats.geojson_writer:GeoJsonWriter",
        "datapackage": "tsunagu.formats.datapackage:DataPackageWriter",
        "gpkg": "tsunagu.formats.geopackage_writer:GeoPackageWriter",
    },
)

SNIFF_BYTES = 8192


def detect_format(path: Path) -> str:
    """The registry key of the reader for ``path``; a FormatError lists the known formats."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    for name in READERS.names():
        reader: Reader = READERS.load(name)()
        if path.suffix.lower() in reader.suffixes and reader.sniff(head, path):
            return name
    suffix = path.suffix.lower()
    if suffix == ".csv":  # named CSV but no text (a PNG renamed): say exactly that
        from tsunagu.formats.guards import refuse

        raise refuse("file-not-text", path.name)
    known = ", ".join(READERS.names())
    expected = [name for name in READERS.names() if suffix in READERS.load(name).suffixes]
    if expected:
        # A known suffix on other content (VRT XML named .geojson, a plain SQLite file named
        # .gpkg): "this type cannot be read" would contradict the list of supported types.
        raise FormatError.from_problem(
            Problem(
                code="format-content-mismatch",
                severity=Severity.ERROR,
                location=Location(file=path.name),
                params={
                    "suffix": suffix,
                    "expected": "/".join(expected),
                    "looks": _looks_like(head),
                },
            )
        )
    raise FormatError.from_problem(
        Problem(
            code="format-unknown",
            severity=Severity.ERROR,
            location=Location(file=path.name),
            params={"suffix": path.suffix or "(none)", "known": known},
        )
    )


def _looks_like(head: bytes) -> str:
    """What the first bytes are, in words both languages share (for the mismatch message)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for magic, name in (
        (b"PK\x03\x04", "ZIP"),
        (b"SQLite format 3\x00", "SQLite"),
        (b"\x89PNG", "PNG"),
        (b"%PDF", "PDF"),
        (b"<", "XML/HTML"),
        (b"{", "JSON"),
        (b"[", "JSON"),
    ):
        if text.startswith(magic):
            return name
    return "?"


def read_file(
    path: Path,
    settings: Settings,
    options: ReadOptions | None = None,
    format: str | None = None,
) -> Draft:
    """Read one departmental file into a Draft (raises FormatError if it cannot be read)."""
    name = format or detect_format(path)
    reader: Reader = READERS.load(name)()
    return reader.read(path, options or ReadOptions(), settings)


__all__ = ["READERS", "WRITERS", "ReadOptions", "Reader", "Writer", "detect_format", "read_file"]
