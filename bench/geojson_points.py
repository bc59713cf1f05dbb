"""CSV of points → RFC 7946 GeoJSON: Tsunagu's streaming converter against geopandas/GDAL.

Ours: :func:`tsunagu.formats.points_stream.csv_points_to_geojson`. Reference, on the same file in
the same run: what a GeoPandas user would write (pandas ``read_csv`` as text, ``points_from_xy``,
``to_file(driver="GeoJSON", RFC7946=YES)``; rows without a position dropped, as ours leaves them
out). Both write the whole file; timings exclude interpreter start and imports, include reading.

The targets are ours to set (performance.md has none for GeoJSON yet): 1M points in ≤ 10 s and
≤ 500 MB peak; at 100k ≤ 2 s, ≤ 400 MB and ≥ 3× the reference. The reference runs at 100k only:
at 1M one run took 46 s and 2.0 GB on the 2-core machine (2026-11-24); three would blow the
3-minute budget of ``make bench``.
"""

from __future__ import annotations

from pathlib import Path

from bench import Case, Target
from bench.generate import facility_csv, generated_dir
from tsunagu.formats.points_stream import csv_points_to_geojson

SIZES = (100_000, 1_000_000)
QUICK_SIZES = (2_000,)


def prepare(size: int) -> None:
    facility_csv(size)


def _out(size: int, who: str) -> Path:
    return generated_dir() / f"points_{size}_{who}.geojson"


def run_stream(size: int) -> int:
    """Ours; returns the number of features written."""
    return csv_points_to_geojson(facility_csv(size), _out(size, "tsunagu")).features


def run_geopandas(size: int) -> int:
    """The reference; returns the number of features written."""
    import geopandas as gpd
    import pandas as pd

    table = pd.read_csv(facility_csv(size), dtype=str, keep_default_na=False)
    lat = pd.to_numeric(table["緯度"], errors="coerce")
    lon = pd.to_numeric(table["経度"], errors="coerce")
    keep = lat.notna() & lon.notna()
    frame = gpd.GeoDataFrame(
        table[keep], geometry=gpd.points_from_xy(lon[keep], lat[keep]), crs="EPSG:4326"
    )
    out = _out(size, "geopandas")
    out.unlink(missing_ok=True)
    frame.to_file(out, driver="GeoJSON", engine="pyogrio", layer_options={"RFC7946": "YES"})
    return len(frame)


def cases(quick: bool) -> list[Case]:
    if quick:
        return [
            Case("CSV → GeoJSON (stream)", size, "bench.geojson_points:run_stream",
                 "bench.geojson_points:run_geopandas", "geopandas RFC7946")
            for size in QUICK_SIZES
        ]  # fmt: skip
    return [
        Case(
            "CSV → GeoJSON (stream)",
            100_000,
            "bench.geojson_points:run_stream",
            "bench.geojson_points:run_geopandas",
            "geopandas RFC7946",
            Target(max_seconds=2, max_peak_mb=400, min_ratio=3),
        ),
        Case(
            "CSV → GeoJSON (stream)",
            1_000_000,
            "bench.geojson_points:run_stream",
            target=Target(max_seconds=10, max_peak_mb=500),
        ),
    ]
