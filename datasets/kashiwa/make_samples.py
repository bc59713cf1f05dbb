"""(Re)write Kashiwa's sample departmental files from the literals below.

The samples exist to be messy the way real departmental files are: CP932 bytes, title rows,
full-width digits, 和暦, half-width kana, phones in five notations. Such files cannot be reviewed
in a diff, so their content lives here in UTF-8 and this script writes the bytes. The output is
byte-for-byte reproducible (fixed zip timestamps and document properties in the .xlsx files), so
re-running it on an unchanged script changes nothing in git.

Run from the repository root: ``.venv/bin/python datasets/kashiwa/make_samples.py``.
Content is invented but plausible; see README.md for what each file is and how it is messy.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from samples_data import (
    AED,
    CHILD_CARE,
    CULTURAL,
    EVACUATION,
    EVENTS,
    POPULATION_AREAS,
    TOILETS,
    WIFI,
)

HERE = Path(__file__).resolve().parent
FIXED_TIME = (2024, 4, 1, 9, 0, 0)  # every zip member and document property gets this time
FIXED_ISO = "2024-04-01T09:00:00Z"
AGE_BANDS = [f"{a}～{a + 4}歳" for a in range(0, 85, 5)] + ["85歳以上"]


def _csv_text(rows: list[list[str]], newline: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: list[list[str]], encoding: str, newline: str = "\r\n") -> None:
    """Excel-on-Windows style: CRLF; ``encoding`` is strict so a non-CP932 character fails here."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_csv_text(rows, newline).encode(encoding))


def _title_row(title: str, width: int) -> list[str]:
    """A title line as Excel saves it to CSV: the title, then empty cells to the table's width."""
    return [title] + [""] * (width - 1)


def _reproducible(raw: bytes) -> bytes:
    """Re-pack an .xlsx with fixed member times and document dates (openpyxl stamps 'now')."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", FIXED_ISO, text)
                data = text.encode("utf-8")
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(member, data)
    return out.getvalue()


def save_workbook(workbook: Workbook, path: Path) -> None:
    workbook.properties.creator = "柏市"
    workbook.properties.created = datetime(*FIXED_TIME)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_reproducible(buffer.getvalue()))


def make_aed(root: Path) -> None:
    """健康政策課: CP932, a title line above the header, half-width kana, 和暦, bare phones."""
    header, *rows = AED
    title = _title_row("柏市AED設置場所一覧（令和6年4月1日現在）", len(header))
    write_csv(root / "kenko/aed-installations/AED設置場所一覧.csv", [title, header, *rows], "cp932")


def make_child_care(root: Path) -> None:
    write_csv(root / "hoiku/child-care-facilities/保育施設一覧.csv", CHILD_CARE, "cp932")


def make_cultural(root: Path) -> None:
    write_csv(root / "bunka/cultural-properties/文化財一覧.csv", CULTURAL, "cp932")


def make_toilets(root: Path) -> None:
    """公園管理課: the 2020 推奨データセット layout, saved by Excel as "CSV UTF-8" (with a BOM)."""
    write_csv(root / "koen/public-toilets/公衆トイレ一覧.csv", TOILETS, "utf-8-sig")


def make_wifi(root: Path) -> None:
    write_csv(root / "johoseisaku/public-wireless-lan/公衆無線LAN.csv", WIFI, "utf-8", "\n")


def make_evacuation(root: Path) -> None:
    """防災安全課: a title, a blank row, then the header on row 3; numbers typed full-width."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "避難場所"
    sheet["A1"] = "柏市指定緊急避難場所一覧（令和6年4月1日現在）"
    sheet["A1"].font = Font(bold=True, size=14)
    header, *rows = EVACUATION
    sheet.append([])  # row 2 stays blank, as in the department's file
    for row in [header, *rows]:
        sheet.append(row)
    sheet.freeze_panes = "A4"
    save_workbook(workbook, root / "bousai/designated-emergency-evacuation-sites/避難場所一覧.xlsx")


def make_events(root: Path) -> None:
    """商工振興課: merged title, a note row, real Excel dates in one column, 和暦 in another."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "イベント"
    header, *rows = EVENTS
    sheet["A1"] = "柏市イベント情報（令和6年度）"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A2"] = "更新日：令和6年4月1日　商工振興課"
    sheet.append(header)
    start = header.index("開催日")
    for row in rows:
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=start + 1).number_format = "yyyy/m/d"
    save_workbook(workbook, root / "kanko/events/イベント一覧.xlsx")


def _population_row(code: str, name: str, size: int, rng: random.Random) -> list[str]:
    """One 町丁目: counts per 5-year band that add up to 男/女 and 総数 by construction."""
    weights = [4, 4, 5, 5, 6, 6, 6, 7, 8, 8, 7, 6, 6, 7, 7, 6, 4, 3]
    men = [max(0, round(size * w / 200 * rng.uniform(0.8, 1.2))) for w in weights]
    women = [max(0, round(size * w / 200 * rng.uniform(0.8, 1.25))) for w in weights]
    total_men, total_women = sum(men), sum(women)
    households = round((total_men + total_women) / rng.uniform(2.0, 2.5))
    bands = [str(v) for pair in zip(men, women, strict=True) for v in pair]
    totals = [str(total_men + total_women), str(total_men), str(total_women)]
    return [code, name, "令和6年4月1日", *totals, str(households), *bands]


def make_population(root: Path) -> None:
    """市民課: 住民基本台帳 by 町丁目 and 5-year band, UTF-8 without BOM (from the 住基 system)."""
    rng = random.Random(122173)  # noqa: S311 - invented but reproducible counts
    bands = [f"{band}{sex}" for band in AGE_BANDS for sex in ("男", "女")]
    header = ["町丁目コード", "町丁目名", "基準日", "総数", "男", "女", "世帯数", *bands]
    rows = [_population_row(code, name, size, rng) for code, name, size in POPULATION_AREAS]
    path = root / "shimin/population-by-area-and-age/町丁目別年齢別人口.csv"
    write_csv(path, [header, *rows], "utf-8", "\n")


def main(root: Path = HERE) -> None:
    """Write every sample below ``root`` (the tests write to a temporary folder and compare)."""
    for make in (
        make_aed,
        make_child_care,
        make_cultural,
        make_toilets,
        make_wifi,
        make_evacuation,
        make_events,
        make_population,
    ):
        make(root)


if __name__ == "__main__":
    main()
