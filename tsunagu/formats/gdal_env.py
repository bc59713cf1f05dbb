"""GDAL hardening and the one guarded way Tsunagu opens a vector file through pyogrio.

GDAL picks a driver by *content*, so an upload named ``x.geojson`` holding OGR VRT XML would
read a local file or fetch a URL (security-and-bad-inputs §2.3). We therefore skip the VRT
drivers and shut GDAL's network access *before* pyogrio registers its drivers, and after opening
we check the driver GDAL actually chose. Geometry is read as WKB and parsed per feature, so one
unclosed ring is reported against its feature instead of failing the whole file.
"""

from __future__ import annotations

import hashlib
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tsunagu.errors import FormatError, Location, Problem, Severity, TsunaguError
from tsunagu.model import Source

if TYPE_CHECKING:
    import geopandas as gpd

    from tsunagu.model import Report

GDAL_HARDENING: dict[str, str] = {
    "GDAL_SKIP": "OGR_VRT,VRT",  # the driver is OGR_VRT; "VRT" alone does not stop it
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tsunagu-no-network",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "SHAPE_RESTORE_SHX": "NO",  # a missing .shx is an error the department must fix
    "OGR_GEOJSON_MAX_OBJ_SIZE": "200",  # MB; GDAL's own cap on one GeoJSON object
}
ALLOWED_DRIVERS = frozenset({"ESRI Shapefile", "GeoJSON", "GPKG", "KML", "LIBKML"})


def harden_gdal() -> None:
    """Put the hardening into the environment, and into GDAL if pyogrio is already loaded.

    Called by every GIS reader before it imports pyogrio or geopandas (never at import time).
    ``GDAL_SKIP`` only takes effect when drivers are registered, which is why the environment
    must be set first; the runtime options are pushed as GDAL config options as well.
    """
    os.environ.update(GDAL_HARDENING)
    if "pyogrio" in sys.modules:
        import pyogrio

        pyogrio.set_gdal_config_options(GDAL_HARDENING)


def vrt_driver_available() -> bool:
    """True if GDAL can still open VRT files (pyogrio was imported before :func:`harden_gdal`)."""
    harden_gdal()
    import pyogrio

    return "OGR_VRT" in pyogrio.list_drivers()


def refuse(code: str, file_name: str, *, detail: str | None = None, **params: Any) -> TsunaguError:
    """A FormatError for unreadable GIS input, naming the file (``raise refuse(...)``)."""
    problem = Problem(code, Severity.ERROR, Location(file=file_name), params)
    return FormatError.from_problem(problem, detail=detail)


def source_of(path: Path, fmt: str, encoding: str | None = None) -> Source:
    """The received file as reports show it: format, size and SHA-256 of the bytes sent."""
    with path.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return Source(path=path, format=fmt, encoding=encoding, size=path.stat().st_size, sha256=digest)


@dataclass
class VectorData:
    """One layer as read: attribute cells (``str``), WKB geometries, the CRS and the driver."""

    attributes: pd.DataFrame
    wkb: np.ndarray
    crs: str | None
    driver: str
    layer: str | None


def read_vector(
    path: Path, file_name: str, *, layer: str | None = None, encoding: str | None = None
) -> VectorData:
    """Read one layer with pyogrio, checking the driver GDAL chose (no ``sql=``/``where=``)."""
    harden_gdal()
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError, FeatureError, FieldError

    try:
        info = pyogrio.read_info(path, layer=layer, encoding=encoding)
        if info["driver"] not in ALLOWED_DRIVERS:
            raise refuse("gis-driver-refused", file_name, driver=str(info["driver"]))
        with warnings.catch_warnings():
            # "Non closed ring detected": such features are reported one by one on parsing
            warnings.simplefilter("ignore", RuntimeWarning)
            meta, _fids, wkb, fields = pyogrio.raw.read(
                path, layer=layer, encoding=encoding, datetime_as_string=True
            )
    except (DataSourceError, DataLayerError, FeatureError, FieldError, UnicodeDecodeError) as exc:
        # UnicodeDecodeError: field names or values that are not in the declared encoding
        raise refuse("gis-unreadable", file_name, detail=str(exc)) from exc
    columns = [str(name) for name in meta["fields"]]
    attributes = pd.DataFrame(
        {name: cells_as_text(values) for name, values in zip(columns, fields, strict=True)},
        columns=columns,
    )
    attributes.index = pd.RangeIndex(1, len(wkb) + 1)
    return VectorData(attributes, wkb, meta.get("crs"), str(info["driver"]), layer)


def cells_as_text(values: np.ndarray) -> list[str]:
    """Attribute values as the table convention wants them: ``str``, ``""`` when empty."""
    out = []
    for value in values.tolist() if hasattr(values, "tolist") else list(values):
        if value is None or (isinstance(value, float) and not np.isfinite(value)):
            out.append("")
        elif isinstance(value, float) and value.is_integer():
            out.append(str(int(value)))
        elif isinstance(value, bytes):
            out.append(value.hex())
        else:
            out.append(str(value))
    return out


def to_geodataframe(
    data: VectorData, crs: str | None, report: Report, file_name: str
) -> gpd.GeoDataFrame:
    """The GeoDataFrame of a read layer; unparsable geometries become null and are reported."""
    import geopandas as gpd

    from tsunagu.geo.geometry import geometries_from_wkb

    geoms = geometries_from_wkb(data.wkb, data.attributes.index, report, file_name)
    return gpd.GeoDataFrame(data.attributes.copy(), geometry=geoms, crs=crs)


def list_layers(path: Path, file_name: str) -> list[str]:
    """Layer names of a multi-layer source (GeoPackage, KML)."""
    harden_gdal()
    import pyogrio
    from pyogrio.errors import DataSourceError

    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except DataSourceError as exc:
        raise refuse("gis-unreadable", file_name, detail=str(exc)) from exc


def choose_layer(layers: list[str], wanted: str | None, file_name: str) -> str:
    """The one layer to read: the one asked for, or the only one; otherwise an error listing all."""
    listed = ", ".join(layers)
    if wanted is not None:
        if wanted not in layers:
            raise refuse("gis-layer-not-found", file_name, layer=wanted, layers=listed)
        return wanted
    if len(layers) != 1:
        raise refuse("gis-layer-ambiguous", file_name, layers=listed or "(none)")
    return layers[0]
