"""Coordinate reference systems: detect, fall back to the declared one, reproject to WGS84.

Japanese municipal GIS data is mostly in the 平面直角座標系 (JGD2011 zones I–XIX; Kashiwa is
zone IX, EPSG:6677), sometimes still JGD2000 or the old Tokyo datum. GDAL silently reports
``crs=None`` for a missing or garbage ``.prj`` and happily projects nonsense to ``inf``, so the
coordinates are checked before and after reprojecting, and every bad feature is named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from tsunagu.errors import Location
from tsunagu.geo.geometry import report_features

if TYPE_CHECKING:
    import geopandas as gpd

    from tsunagu.model import Report

ZONES = range(1, 20)  # 平面直角座標系 I–XIX
JGD2011_ZONES = {zone: 6668 + zone for zone in ZONES}  # EPSG:6669–6687
JGD2000_ZONES = {zone: 2442 + zone for zone in ZONES}  # EPSG:2443–2461
TOKYO_ZONES = {zone: 30160 + zone for zone in ZONES}  # EPSG:30161–30179
GEOGRAPHIC = {6668: "JGD2011", 4612: "JGD2000", 4301: "Tokyo", 4326: "WGS 84"}
TOKYO_DATUM = frozenset({4301, *TOKYO_ZONES.values()})
SUPPORTED_EPSG = frozenset(
    {*GEOGRAPHIC, *JGD2011_ZONES.values(), *JGD2000_ZONES.values(), *TOKYO_ZONES.values()}
)
JAPAN_BBOX = (122.0, 20.0, 154.0, 46.0)  # lon/lat W, S, E, N, with the outlying islands
WGS84 = "EPSG:4326"
EXTREME = 1e12  # no Japanese CRS has coordinates this large: 1e308 is overflow, not a place


def parse_crs(text: str | None) -> CRS | None:
    """A CRS from a ``.prj`` (ESRI or OGC WKT), an EPSG code or a URN; None if not understood.

    Recognised definitions are normalised to their EPSG code so that an ESRI
    ``JGD_2011_Japan_Zone_9`` and ``EPSG:6677`` compare equal.
    """
    if not text or not text.strip():
        return None
    try:
        crs = CRS.from_user_input(text.strip())
    except CRSError:
        return None
    epsg = crs.to_epsg(min_confidence=70)
    return CRS.from_epsg(epsg) if epsg else crs


def is_rfc7946(crs: CRS | str | None) -> bool:
    """True for OGC:CRS84 (WGS84 lon/lat), the system RFC 7946 GeoJSON is defined in.

    A GeoJSON ``crs`` member naming it only restates the default, so it is not worth a warning.
    """
    if crs is None:
        return False
    parsed = CRS.from_user_input(crs)
    return parsed.equals(CRS.from_user_input("OGC:CRS84"))


def epsg_of(crs: CRS | str | None) -> int | None:
    if crs is None:
        return None
    return CRS.from_user_input(crs).to_epsg(min_confidence=70)


def describe_tokyo_transform(crs: CRS) -> str:
    """Which Tokyo → WGS84 operation pyproj will use offline (a Helmert shift unless the
    TKY2JGD grid is installed); told to the user with the datum warning."""
    from pyproj.transformer import TransformerGroup

    group = TransformerGroup(crs, WGS84, always_xy=True)
    if not group.transformers:
        return "none available"
    best = group.transformers[0]
    accuracy = f"{best.accuracy} m" if best.accuracy and best.accuracy > 0 else "unknown"
    return f"{best.description} (accuracy {accuracy})"


def check_crs(crs: CRS, report: Report, file_name: str) -> None:
    """Warn about CRSs that are legal but risky: the Tokyo datum, or one we do not expect."""
    epsg = epsg_of(crs)
    if epsg in TOKYO_DATUM:
        report.add(
            "crs-tokyo-datum",
            "warning",
            Location(file=file_name),
            crs=f"EPSG:{epsg}",
            method=describe_tokyo_transform(crs),
        )
    elif epsg not in SUPPORTED_EPSG and not is_rfc7946(crs):
        report.add("crs-unusual", "warning", Location(file=file_name), crs=crs.name)


def _flag(mask: npt.NDArray[np.bool_] | np.bool_, index: np.ndarray, n: int) -> np.ndarray:
    """Per-feature flags from a per-vertex mask (``index`` maps vertex → feature position)."""
    flags = np.zeros(n, dtype=bool)
    flags[np.unique(index[mask])] = True
    return flags


def _check_before(gdf: gpd.GeoDataFrame, report: Report, file_name: str) -> np.ndarray:
    """Check coordinates in the source CRS; returns the positions of features to drop."""
    coords, index = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    n = len(gdf)
    x, y = coords[:, 0], coords[:, 1]
    with np.errstate(invalid="ignore"):
        sane = np.isfinite(coords).all(axis=1) & (np.abs(coords) < EXTREME).all(axis=1)
    bad = _flag(~sane, index, n)
    report_features(report, "coordinate-not-finite", "error", file_name, list(gdf.index[bad]))
    if gdf.crs is not None and gdf.crs.is_geographic:
        with np.errstate(invalid="ignore"):
            swapped = _flag((x >= 20) & (x <= 46) & (y >= 122) & (y <= 154), index, n) & ~bad
            outside = _flag((np.abs(x) > 180) | (np.abs(y) > 90), index, n) & ~bad & ~swapped
        crs_name = gdf.crs.to_string()
        report_features(
            report, "coordinate-swapped-geo", "error", file_name, list(gdf.index[swapped])
        )
        report_features(
            report,
            "crs-metres-as-degrees",
            "error",
            file_name,
            list(gdf.index[outside]),
            crs=crs_name,
        )
        bad = bad | swapped | outside
    elif (
        gdf.crs is not None  # no declared CRS: nothing to contradict
        and len(coords)
        and (np.abs(x[np.isfinite(x)]) <= 180).all()
        and (np.abs(y) <= 90).all()
    ):
        # every "metre" within ±180/±90 of the zone origin: these are degrees, not metres
        report.add(
            "crs-degrees-as-metres", "error", Location(file=file_name), crs=str(gdf.crs.to_string())
        )
        bad[:] = True
    return bad


def _check_after(
    gdf: gpd.GeoDataFrame, bbox: tuple[float, float, float, float], report: Report, file_name: str
) -> None:
    """Check WGS84 coordinates: finite, inside Japan, and (warning) inside the municipality."""
    coords, index = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    n = len(gdf)
    finite = np.isfinite(coords).all(axis=1)
    bad = _flag(~finite, index, n)
    report_features(report, "coordinate-not-finite", "error", file_name, list(gdf.index[bad]))
    lon, lat = coords[:, 0], coords[:, 1]

    def outside(box: tuple[float, float, float, float]) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            mask = finite & ((lon < box[0]) | (lat < box[1]) | (lon > box[2]) | (lat > box[3]))
        return _flag(mask, index, n)

    abroad = outside(JAPAN_BBOX)
    report_features(report, "geometry-outside-japan", "error", file_name, list(gdf.index[abroad]))
    away = outside(bbox) & ~abroad & ~bad
    report_features(
        report,
        "geometry-outside-municipality",
        "warning",
        file_name,
        list(gdf.index[away]),
        bbox=", ".join(f"{v:g}" for v in bbox),
    )


def to_wgs84(
    gdf: gpd.GeoDataFrame,
    report: Report,
    file_name: str,
    municipality_bbox: tuple[float, float, float, float] | None = JAPAN_BBOX,
) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326 (lon/lat order), checking coordinates before and after.

    Features whose coordinates cannot be right (non-finite, swapped, metres declared as
    degrees) are reported and get a null geometry, so nothing is projected to ``inf`` or
    silently wrapped. The caller must have set a CRS (see :func:`parse_crs`).
    """
    if gdf.crs is None:
        raise ValueError("to_wgs84 needs a GeoDataFrame with a CRS")
    bad = _check_before(gdf, report, file_name)
    if bad.any():
        gdf = gdf.copy()
        gdf.loc[gdf.index[bad], gdf.geometry.name] = None
    # geopandas builds its transformer with always_xy=True: output is (lon, lat)
    out = gdf.to_crs(WGS84)
    _check_after(out.loc[~bad], municipality_bbox or JAPAN_BBOX, report, file_name)
    return out
