"""(Re)write Kashiwa's samples of datasets that no standard covers (issue 15).

A city publishes far more than the thirteen 自治体標準オープンデータセット. These four samples
are what departments really produce outside the standards, one per kind the platform handles:

- ``shimin/population-by-age-group/年齢3区分別人口.xlsx``: a statistics sheet as the 市民課
  prints it: a title row, a two-row merged header (年齢区分 over 男/女), a 合計 row and a
  secret cell ``x``; published with its own schema and ``statistics:`` in the manifest.
- ``haikibutsu/garbage-collection-calendar/ごみ収集日程.csv``: a garbage-collection calendar
  (区域 × 品目 × 曜日), CP932 as Excel saves it; published with its own schema.
- ``bousai/flood-hazard-areas/浸水想定区域.gpkg``: a hazard polygon layer (GeoPackage, JGD2011
  zone IX) with attributes no standard describes; published as a GIS layer with its own schema.
- ``haikibutsu/waste-annual-report/一般廃棄物処理実績報告書.pdf``: a PDF report published as a
  document (title, description, format, size, openness ★).

Each schema.json beside them was written once by ``tsunagu describe FILE --write`` and
confirmed. The bytes are reproducible (fixed times); the GeoPackage stamps its own write time,
so its test compares features instead of bytes. Content is invented but plausible.

Run from the repository root: ``.venv/bin/python datasets/kashiwa/make_own_samples.py``.
"""

from __future__ import annotations

from pathlib import Path

from make_samples import save_workbook, write_csv
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent

# 地区, then 男/女 for 0～14歳, 15～64歳, 65歳以上 ("x": secret, a count small enough to name people)
AGE_GROUPS = ("0～14歳", "15～64歳", "65歳以上")
POPULATION_BY_GROUP = [
    ("柏地区", 3120, 2985, 19870, 19240, 7410, 9280),
    ("田中地区", 2870, 2760, 15230, 14890, 5120, 6340),
    ("西原地区", 1980, 1900, 10450, 10120, 4380, 5410),
    ("富勢地区", 1450, 1390, 8320, 8010, 4650, 5520),
    ("光ケ丘地区", 1210, 1150, 7860, 7640, 4020, 4960),
    ("豊四季台地区", 1630, 1580, 9140, 8920, 5830, 7150),
    ("沼南地区", 2240, 2130, 13570, 13110, 7960, 9420),
    ("柏の葉地区（一部）", "x", 3, 42, 38, 5, 7),
]
SECRET_MEN_0_14 = 2  # the hidden count, included in the 合計 as the 市民課 prints it

# 区域, 町名 (examples), 品目, 収集曜日, 収集頻度, 出す時間, 備考
AREAS = (
    ("第1区域", "柏・旭町・末広町"),
    ("第2区域", "豊四季・南柏・永楽台"),
    ("第3区域", "北柏・根戸・松ヶ崎"),
    ("第4区域", "大津ケ丘・高柳・風早"),
)
ITEMS = (
    ("可燃ごみ", ("月・木", "火・金", "水・土", "月・木"), "毎週", ""),
    ("不燃ごみ", ("第1水", "第2水", "第3水", "第4水"), "月1回", "スプレー缶は穴を開けずに別袋"),
    ("資源品（びん・缶）", ("火", "水", "月", "金"), "毎週", ""),
    ("プラスチック類", ("金", "月", "火", "水"), "毎週", "汚れを落としてから出す"),
)

# 区域ID, 河川名, 浸水深区分, 想定最大浸水深(m), south-west corner lon/lat, width, height (deg)
HAZARD_AREAS = [
    ("F001", "利根川", "0.5m以上3.0m未満", 2.8, 139.9880, 35.8980, 0.020, 0.012),
    ("F002", "利根川", "3.0m以上5.0m未満", 4.6, 140.0120, 35.8960, 0.018, 0.010),
    ("F003", "手賀沼", "0.5m未満", 0.4, 140.0050, 35.8420, 0.022, 0.010),
    ("F004", "大堀川", "0.5m以上3.0m未満", 1.7, 139.9560, 35.8700, 0.012, 0.008),
    ("F005", "大津川", "0.5m未満", 0.3, 140.0010, 35.8230, 0.014, 0.008),
]


def make_population_by_group(root: Path) -> None:
    """市民課: title, a merged two-row header, a 合計 row and a secret ``x`` cell."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "年齢3区分"
    width = 1 + 2 * len(AGE_GROUPS)
    sheet["A1"] = "地区別・年齢3区分別人口（令和6年4月1日現在）"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["地区", *[g for group in AGE_GROUPS for g in (group, "")]])
    sheet.append(["", *["男", "女"] * len(AGE_GROUPS)])
    sheet.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    for i in range(len(AGE_GROUPS)):
        column = 2 + 2 * i
        sheet.merge_cells(start_row=2, start_column=column, end_row=2, end_column=column + 1)
        sheet.cell(row=2, column=column).alignment = Alignment(horizontal="center")
    for row in POPULATION_BY_GROUP:
        sheet.append(list(row))
    totals = [
        sum(SECRET_MEN_0_14 if v == "x" else int(v) for v in column)
        for column in zip(*(row[1:] for row in POPULATION_BY_GROUP), strict=True)
    ]
    sheet.append(["合計", *totals])
    assert sheet.max_column == width
    save_workbook(workbook, root / "shimin/population-by-age-group/年齢3区分別人口.xlsx")


def make_garbage_calendar(root: Path) -> None:
    """廃棄物政策課: one row per 区域 × 品目, CP932 with CRLF as Excel saves it."""
    header = ["区域", "主な町名", "品目", "収集曜日", "収集頻度", "出す時間", "備考"]
    rows = [
        [area, towns, item, days[i], frequency, "朝8時30分まで", note]
        for item, days, frequency, note in ITEMS
        for i, (area, towns) in enumerate(AREAS)
    ]
    write_csv(root / "haikibutsu/garbage-collection-calendar/ごみ収集日程.csv", [header, *rows], "cp932")


def hazard_frame():  # -> geopandas.GeoDataFrame (imported here: make_samples runs without it)
    import geopandas as gpd
    from shapely.geometry import box

    rows = [
        {
            "区域ID": code,
            "河川名": river,
            "浸水深区分": band,
            "想定最大浸水深（m）": depth,
            "geometry": box(lon, lat, lon + w, lat + h),
        }
        for code, river, band, depth, lon, lat, w, h in HAZARD_AREAS
    ]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326").to_crs("EPSG:6677")


def make_hazard_layer(root: Path) -> None:
    """防災安全課: 洪水浸水想定区域 polygons as a GeoPackage in plane rectangular zone IX."""
    path = root / "bousai/flood-hazard-areas/浸水想定区域.gpkg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    hazard_frame().to_file(path, layer="浸水想定区域", driver="GPKG", engine="pyogrio")


def pdf_report(title: str, author: str, lines: list[str]) -> bytes:
    """A small, valid PDF (one page, Helvetica, an Info dictionary), written byte by byte.

    Hand-built rather than generated by a library so the sample is reproducible and needs no
    extra dependency; the Japanese title lives in the Info dictionary as UTF-16BE.
    """

    def utf16(text: str) -> bytes:
        return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"

    stream = b"BT /F1 14 Tf 72 770 Td 18 TL\n" + b"".join(
        b"(" + line.encode("ascii") + b") Tj T*\n" for line in lines
    )
    stream += b"ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Title "
        + utf16(title)
        + b" /Author "
        + utf16(author)
        + b" /CreationDate (D:20240601090000+09'00') >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def make_waste_report(root: Path) -> None:
    """廃棄物政策課: the yearly report, as the PDF the division already prints."""
    path = root / "haikibutsu/waste-annual-report/一般廃棄物処理実績報告書.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "Kashiwa City - General Waste Treatment Report, FY2023",
        "Total waste collected: 128,400 t (demo figures)",
        "Burnable: 96,300 t   Non-burnable: 4,100 t   Recyclables: 28,000 t",
        "Recycling rate: 21.8 %",
    ]
    path.write_bytes(pdf_report("一般廃棄物処理実績報告書（令和5年度）", "柏市 廃棄物政策課", lines))


def main(root: Path = HERE) -> None:
    """Write every non-standard sample below ``root`` (tests write to a temporary folder)."""
    for make in (make_population_by_group, make_garbage_calendar, make_hazard_layer):
        make(root)
    make_waste_report(root)


if __name__ == "__main__":
    main()
