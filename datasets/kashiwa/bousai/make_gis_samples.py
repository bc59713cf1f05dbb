"""Write the GIS demo samples of 柏市 防災 (bousai), reproducibly.

- ``evacuation-sites-gis/evacuation-sites.zip``: a zipped shapefile of 指定緊急避難場所 in
  JGD2011 平面直角座標系 IX (EPSG:6677), with a CP932 ``.dbf`` and *no* ``.cpg``, as a
  department's GIS software typically exports it; field names are local (≤ 10 bytes in CP932)
  and mapped to the standard's names by ``columns:`` in the manifest.
- ``areas/areas.gpkg``: a GeoPackage of a few 町丁目-like area polygons (layer ``areas``) in
  EPSG:6677 with 地域・年齢別人口 attributes.

Sites and figures are illustrative (plausible places, synthetic numbers), not official data.
Run: ``.venv/bin/python datasets/kashiwa/bousai/make_gis_samples.py``.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
from pyproj import Transformer
from shapely.geometry import Point, box

HERE = Path(__file__).resolve().parent
TO_ZONE_IX = Transformer.from_crs("EPSG:4326", "EPSG:6677", always_xy=True)
ZIP_TIMESTAMP = (2024, 4, 1, 9, 0, 0)

# name, kana, address, phone, capacity, lon, lat, hazards (flood, landslide, quake, fire, inland)
SITES = [
    (
        "柏第一小学校",
        "カシワダイイチショウガッコウ",
        "千葉県柏市柏六丁目1番1号",
        "04-7163-1111",
        1200,
        139.9722,
        35.8641,
        "10111",
    ),
    (
        "柏第二小学校",
        "カシワダイニショウガッコウ",
        "千葉県柏市東二丁目4番1号",
        "04-7163-1112",
        1100,
        139.9791,
        35.8583,
        "10111",
    ),
    (
        "柏第三小学校",
        "カシワダイサンショウガッコウ",
        "千葉県柏市北柏二丁目1番1号",
        "04-7163-1113",
        950,
        139.9663,
        35.8731,
        "00111",
    ),
    (
        "柏中学校",
        "カシワチュウガッコウ",
        "千葉県柏市明原三丁目1番1号",
        "04-7163-1121",
        1500,
        139.9822,
        35.8702,
        "10111",
    ),
    (
        "柏第二中学校",
        "カシワダイニチュウガッコウ",
        "千葉県柏市豊四季226番地",
        "04-7163-1122",
        1400,
        139.9576,
        35.8527,
        "10111",
    ),
    (
        "光ケ丘中学校",
        "ヒカリガオカチュウガッコウ",
        "千葉県柏市光ケ丘一丁目3番1号",
        "04-7163-1123",
        1300,
        139.9692,
        35.8342,
        "10111",
    ),
    (
        "増尾小学校",
        "マスオショウガッコウ",
        "千葉県柏市増尾一丁目20番1号",
        "04-7163-1114",
        900,
        139.9927,
        35.8291,
        "10111",
    ),
    (
        "田中小学校",
        "タナカショウガッコウ",
        "千葉県柏市花野井735番地",
        "04-7163-1115",
        1000,
        139.9412,
        35.8788,
        "00111",
    ),
    (
        "柏の葉小学校",
        "カシワノハショウガッコウ",
        "千葉県柏市柏の葉五丁目3番1号",
        "04-7163-1116",
        1100,
        139.9581,
        35.8931,
        "10111",
    ),
    (
        "大津ケ丘中学校",
        "オオツガオカチュウガッコウ",
        "千葉県柏市大津ケ丘二丁目16番1号",
        "04-7163-1124",
        1200,
        140.0206,
        35.8266,
        "10111",
    ),
    (
        "柏の葉公園",
        "カシワノハコウエン",
        "千葉県柏市柏の葉四丁目1番",
        "04-7134-2015",
        8000,
        139.9546,
        35.8972,
        "00110",
    ),
    (
        "手賀の丘公園",
        "テガノオカコウエン",
        "千葉県柏市片山398番地",
        "04-7191-1890",
        5000,
        140.0151,
        35.8431,
        "00110",
    ),
    (
        "柏市中央体育館",
        "カシワシチュウオウタイイクカン",
        "千葉県柏市柏下107番地",
        "04-7164-7777",
        2000,
        139.9884,
        35.8566,
        "00111",
    ),
    (
        "柏市民文化会館",
        "カシワシミンブンカカイカン",
        "千葉県柏市柏下107番地",
        "04-7164-5700",
        1300,
        139.9868,
        35.8574,
        "00111",
    ),
    (
        "豊四季台近隣センター",
        "トヨシキダイキンリンセンター",
        "千葉県柏市豊四季台一丁目1番118号",
        "04-7145-1111",
        300,
        139.9533,
        35.8622,
        "10111",
    ),
    (
        "沼南近隣センター",
        "ショウナンキンリンセンター",
        "千葉県柏市大島田48番地1",
        "04-7191-1111",
        250,
        140.0233,
        35.8322,
        "10111",
    ),
]


def sites_frame() -> gpd.GeoDataFrame:
    """The evacuation sites with local (CP932 ≤ 10-byte) field names, in EPSG:6677."""
    rows = []
    for i, (name, kana, address, phone, capacity, lon, lat, flags) in enumerate(SITES, 1):
        x, y = TO_ZONE_IX.transform(lon, lat)
        hazards = ["1" if f == "1" else "" for f in flags]
        rows.append(
            {
                "ID": f"{i:03d}",
                "施設名": name,
                "施設名カナ": kana,
                "住所": address,
                "電話番号": phone,
                "収容人数": capacity,
                "洪水": hazards[0],
                "土砂災害": hazards[1],
                "地震": hazards[2],
                "大規模火事": hazards[3],
                "内水氾濫": hazards[4],
                "geometry": Point(round(x, 3), round(y, 3)),
            }
        )
    return gpd.GeoDataFrame(rows, crs="EPSG:6677")


def write_shapefile_zip(gdf: gpd.GeoDataFrame, zip_path: Path, stem: str) -> None:
    """Write a CP932 shapefile, drop the .cpg (as many Japanese tools do), zip the parts."""
    with tempfile.TemporaryDirectory() as work:
        shp = Path(work) / f"{stem}.shp"
        gdf.to_file(shp, driver="ESRI Shapefile", encoding="cp932", engine="pyogrio")
        (Path(work) / f"{stem}.cpg").unlink(missing_ok=True)
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for suffix in (".shp", ".shx", ".dbf", ".prj"):
                info = zipfile.ZipInfo(f"{stem}{suffix}", date_time=ZIP_TIMESTAMP)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, (Path(work) / f"{stem}{suffix}").read_bytes())


AGE_BANDS = [f"{a}-{a + 4}歳" for a in range(0, 85, 5)] + ["85歳以上"]
# 地域コード, 地域名, lon/lat of the south-west corner, size in degrees, population
AREAS = [
    ("122173001", "柏一丁目", 139.9700, 35.8600, 0.006, 2400),
    ("122173002", "柏二丁目", 139.9760, 35.8600, 0.006, 2100),
    ("122173003", "旭町一丁目", 139.9640, 35.8540, 0.006, 3100),
    ("122173004", "明原一丁目", 139.9820, 35.8660, 0.006, 1800),
    ("122173005", "豊四季台一丁目", 139.9500, 35.8590, 0.008, 4200),
]


def _population(total: int, seed: int) -> dict[str, int]:
    """Synthetic but consistent figures: bands sum to 男性/女性, which sum to 総人口."""
    men = total // 2 - seed * 7
    women = total - men
    out: dict[str, int] = {"総人口": total, "男性": men, "女性": women}
    for sex, amount in (("男性", men), ("女性", women)):
        share, left = amount // len(AGE_BANDS), amount
        for band in AGE_BANDS[:-1]:
            out[f"{band}の{sex}"] = share
            left -= share
        out[f"{AGE_BANDS[-1]}の{sex}"] = left
    return out


def areas_frame() -> gpd.GeoDataFrame:
    rows = []
    for seed, (code, name, lon, lat, size, total) in enumerate(AREAS, 1):
        cell = box(lon, lat, lon + size, lat + size * 0.8)
        row: dict[str, object] = {
            "都道府県コード又は市区町村コード": "122173",
            "地域コード": code,
            "都道府県名": "千葉県",
            "市区町村名": "柏市",
            "調査年月日": "2024-04-01",
            "地域名": name,
            **_population(total, seed),
            "世帯数": total // 2 + seed * 11,
            "備考": "",
            "geometry": cell,
        }
        rows.append(row)
    return gpd.GeoDataFrame(rows, crs="EPSG:4326").to_crs("EPSG:6677")


def main() -> None:
    write_shapefile_zip(
        sites_frame(), HERE / "evacuation-sites-gis" / "evacuation-sites.zip", "evacuation_sites"
    )
    gpkg = HERE / "areas" / "areas.gpkg"
    gpkg.unlink(missing_ok=True)
    areas_frame().to_file(gpkg, layer="areas", driver="GPKG", engine="pyogrio")


if __name__ == "__main__":
    main()
