"""Write the binary GIS test files (run once; the outputs are committed).

- ``sites_cp932.{shp,shx,dbf,prj}``: three Kashiwa evacuation sites in EPSG:6677, CP932 .dbf,
  no .cpg (how Japanese desktop GIS exports them).
- ``two_layers.gpkg``: a GeoPackage with layers ``shelters`` (points) and ``areas`` (polygons).

Run: ``.venv/bin/python tests/data/gis/make_gis_test_data.py``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from pyproj import Transformer
from shapely.geometry import Point, box

HERE = Path(__file__).resolve().parent
TO_ZONE_IX = Transformer.from_crs("EPSG:4326", "EPSG:6677", always_xy=True)
SITES = [
    ("柏第一小学校", "千葉県柏市柏六丁目1番1号", 1200, 139.9722, 35.8641),
    ("手賀の丘公園", "千葉県柏市片山398番地", 5000, 140.0151, 35.8431),
    ("柏の葉公園", "千葉県柏市柏の葉四丁目1番", 8000, 139.9546, 35.8972),
]


def main() -> None:
    rows = [
        {
            "施設名": name,
            "住所": address,
            "収容人数": capacity,
            "geometry": Point(*TO_ZONE_IX.transform(lon, lat)),
        }
        for name, address, capacity, lon, lat in SITES
    ]
    sites = gpd.GeoDataFrame(rows, crs="EPSG:6677")
    sites.to_file(HERE / "sites_cp932.shp", encoding="cp932", engine="pyogrio")
    (HERE / "sites_cp932.cpg").unlink(missing_ok=True)
    gpkg = HERE / "two_layers.gpkg"
    gpkg.unlink(missing_ok=True)
    sites.to_file(gpkg, layer="shelters", driver="GPKG", engine="pyogrio")
    areas = gpd.GeoDataFrame(
        {"地域名": ["柏一丁目"]}, geometry=[box(139.97, 35.86, 139.976, 35.865)], crs="EPSG:4326"
    )
    areas.to_file(gpkg, layer="areas", driver="GPKG", engine="pyogrio")


if __name__ == "__main__":
    main()
