"""Shapefiles, zipped (``shp-zip``) or as loose parts (``shp``).

A Japanese ``.dbf`` usually has no ``.cpg`` and is CP932; sometimes the ``.cpg`` says UTF-8 and
lies. GDAL would decode with whatever it is told and publish mojibake, so the text fields are
read byte-for-byte (pyogrio with ``encoding="latin-1"``, a lossless byte↔char mapping) and the
encoding is *detected*: strict UTF-8, then CP932, checked against what the ``.cpg`` claims.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from tsunagu.errors import Location
from tsunagu.formats.archive import safe_extract
from tsunagu.formats.gdal_env import (
    VectorData,
    read_vector,
    refuse,
    source_of,
    to_geodataframe,
)
from tsunagu.formats.guards import check_size
from tsunagu.geo.crs import parse_crs
from tsunagu.model import Draft, Report, Source

if TYPE_CHECKING:
    import pandas as pd

    from tsunagu.config import Settings
    from tsunagu.formats.base import ReadOptions

SHP_MAGIC = b"\x00\x00\x27\x0a"  # file code 9994, big-endian
BYTES_ENCODING = (
    "ISO-8859-1"  # GDAL's spelling; "latin-1" is not recognised and falls back to UTF-8
)
CANDIDATES = ("utf-8", "cp932")
_ALIASES = {"utf8": "utf-8", "shift_jis": "cp932", "sjis": "cp932", "932": "cp932"}


def _sibling(shp: Path, suffix: str) -> Path | None:
    """The part with ``suffix`` next to ``shp``, matching the stem case-insensitively."""
    for candidate in shp.parent.iterdir():
        if candidate.stem.casefold() == shp.stem.casefold() and candidate.suffix.lower() == suffix:
            return candidate
    return None


def _normalise_encoding(label: str) -> str | None:
    import codecs

    key = label.strip().lower().replace("-", "").replace("_", "")
    name = _ALIASES.get(key, label.strip())
    try:
        return codecs.lookup(name).name.replace("_", "-") if name else None
    except LookupError:
        return None


def _decodes(raw: list[bytes], encoding: str) -> bool:
    try:
        for value in raw:
            value.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect_dbf_encoding(data: VectorData, cpg: str | None, report: Report, file_name: str) -> str:
    """The encoding of the dbf's text (field names and values), read as latin-1 bytes."""
    raw = [name.encode("latin-1") for name in data.attributes.columns]
    for column in data.attributes.columns:
        raw.extend(v.encode("latin-1") for v in data.attributes[column] if v)
    claimed = _normalise_encoding(cpg) if cpg else None
    if claimed and _decodes(raw, claimed):
        return claimed
    found = next((enc for enc in CANDIDATES if _decodes(raw, enc)), None)
    if found is None:
        raise refuse("dbf-encoding-undetected", file_name, tried=", ".join(CANDIDATES))
    if cpg:
        report.add(
            "dbf-cpg-wrong", "warning", Location(file=file_name), claimed=cpg.strip(), found=found
        )
    return found


def _decode_table(table: pd.DataFrame, encoding: str) -> pd.DataFrame:
    def fix(text: str) -> str:
        return text.encode("latin-1").decode(encoding)

    decoded = table.map(fix)
    decoded.columns = [fix(str(c)) for c in table.columns]
    return decoded


def _crs_of(shp: Path, options: ReadOptions, report: Report, file_name: str) -> str:
    prj = _sibling(shp, ".prj")
    if prj is None:
        if options.crs and parse_crs(options.crs) is not None:
            report.facts["crs_source"] = "declared"
            return options.crs
        raise refuse("crs-missing", file_name, part=f"{shp.stem}.prj")
    crs = parse_crs(prj.read_text(encoding="latin-1"))
    if crs is None:
        raise refuse("crs-unknown", file_name, part=prj.name)
    report.facts["crs_source"] = "file"
    return crs.to_string()


def read_shapefile(shp: Path, options: ReadOptions, file_name: str, source: Source) -> Draft:
    """Read a ``.shp`` with its parts beside it into a Draft (GeoDataFrame, CRS as found)."""
    with shp.open("rb") as fh:
        magic = fh.read(4)
    if magic != SHP_MAGIC:  # GDAL would pick a driver by content (an OGR VRT, say)
        raise refuse("shapefile-not-shapefile", file_name)
    for suffix in (".shx", ".dbf"):
        if _sibling(shp, suffix) is None:
            raise refuse("shapefile-part-missing", file_name, part=f"{shp.stem}{suffix}")
    report = Report()
    crs = _crs_of(shp, options, report, file_name)
    data = read_vector(shp, file_name, encoding=BYTES_ENCODING)
    cpg = _sibling(shp, ".cpg")
    cpg_text = cpg.read_text(encoding="ascii", errors="replace") if cpg else None
    encoding = options.encoding or detect_dbf_encoding(data, cpg_text, report, file_name)
    try:
        data.attributes = _decode_table(data.attributes, encoding)
    except UnicodeDecodeError as exc:
        raise refuse("dbf-encoding-undetected", file_name, tried=encoding) from exc
    report.facts["encoding"] = encoding
    gdf = to_geodataframe(data, crs, report, file_name)
    return Draft(
        source=dataclasses.replace(source, encoding=encoding),
        table=gdf,
        raw_table=data.attributes.copy(),
        report=report,
    )


class ShapefileReader:
    """A loose ``.shp`` with ``.shx``/``.dbf`` (required), ``.prj`` and ``.cpg`` beside it."""

    name: ClassVar[str] = "shp"
    suffixes: ClassVar[tuple[str, ...]] = (".shp",)

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(SHP_MAGIC)

    def read(self, path: Path, options: ReadOptions, settings: Settings) -> Draft:
        file_name = options.display_name or path.name
        check_size(path, settings, file_name)
        return read_shapefile(path, options, file_name, source_of(path, self.name))


class ShapefileZipReader:
    """A zipped shapefile: extracted safely into a work directory, then read as loose parts."""

    name: ClassVar[str] = "shp-zip"
    suffixes: ClassVar[tuple[str, ...]] = (".zip",)

    def sniff(self, head: bytes, path: Path) -> bool:
        """Any zip: the only zips accepted are shapefiles, and every zip must meet the archive
        guards (unsafe names, symlinks, nesting, member count, bombs) and be told which one it
        broke, or that it holds no ``.shp``, rather than "this file type cannot be read"."""
        return head.startswith(b"PK\x03\x04")

    def read(self, path: Path, options: ReadOptions, settings: Settings) -> Draft:
        file_name = options.display_name or path.name
        check_size(path, settings, file_name)
        work_root = Path(settings.data_dir) / "work"
        work_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=work_root) as work:
            members = safe_extract(path, Path(work), settings, display_name=file_name)
            shp = self._choose(members, options, file_name)
            draft = read_shapefile(shp, options, file_name, source_of(path, self.name))
        draft.report.facts["member"] = shp.name
        return draft

    @staticmethod
    def _choose(members: list[Path], options: ReadOptions, file_name: str) -> Path:
        shps = sorted(m for m in members if m.suffix.lower() == ".shp")
        if options.layer:
            shps = [m for m in shps if m.stem == options.layer]
        if len(shps) == 1:
            return shps[0]
        if not shps and not options.layer:
            raise refuse("shapefile-part-missing", file_name, part="*.shp")
        names = ", ".join(m.stem for m in sorted(members) if m.suffix.lower() == ".shp")
        code = "gis-layer-not-found" if options.layer else "gis-layer-ambiguous"
        raise refuse(code, file_name, layer=options.layer or "", layers=names)
