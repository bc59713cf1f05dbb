"""One-off generator of the small test files in this folder (run from the repo root:
``.venv/bin/python tests/data/formats/make_formats_data.py``). The files are committed; tests
never regenerate them. Content imitates Kashiwa City departmental exports (fictional values).
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment

HERE = Path(__file__).parent

AED_ROWS = [
    "柏市AED設置一覧,,,,",
    "令和6年4月1日現在,,,,",
    ",,,,",
    "番号,施設名,住所,電話番号,備考",
    "1,柏市役所本庁舎,千葉県柏市柏5-10-1,04-7167-1111,①正面玄関",
    "2,㈱柏ﾃﾞﾊﾟｰﾄ,千葉県柏市柏1-1-1,04-7100-0000,",
    "3,髙﨑歯科医院,千葉県柏市旭町1-2-3,04-7144-0000,9時～17時",
    ",,,,",
    "※ 設置場所は変更になる場合があります。,,,,",
    "問合せ先：保健予防課,,,,",
    ",,,,",
    ",,,,",
]


def write_text() -> None:
    (HERE / "aed_cp932.csv").write_bytes(("\r\n".join(AED_ROWS) + "\r\n").encode("cp932"))
    (HERE / "tiny_cp932.csv").write_bytes("id,name\n1,髙\n".encode("cp932"))
    shelters = (
        "施設名,所在地,収容人数\n柏第一小学校,柏市柏1丁目,500\n増尾中学校,柏市増尾2丁目,350\n"
    )
    (HERE / "shelters_eucjp.csv").write_bytes(shelters.encode("euc-jp"))
    (HERE / "shelters_utf8_bom.csv").write_bytes(shelters.encode("utf-8-sig"))
    (HERE / "shelters_utf16.tsv").write_bytes(shelters.replace(",", "\t").encode("utf-16"))
    (HERE / "shelters_semicolon.csv").write_text(shelters.replace(",", ";"), encoding="utf-8")
    (HERE / "header_only.csv").write_text("施設名,所在地,収容人数\r\n\r\n", encoding="utf-8")
    (HERE / "header_problems.csv").write_text(
        "施設名,,所在地,施設名\n柏駅前,a,柏市柏1丁目,x\n", encoding="utf-8"
    )
    (HERE / "ragged.csv").write_text(
        "施設名,所在地,収容人数\n柏第一小学校,柏市柏1丁目,500,予備\n増尾中学校,柏市増尾2丁目\n"
        "酒井根小学校,柏市酒井根1丁目,420,\n",
        encoding="utf-8",
    )
    (HERE / "nul_in_cell.csv").write_bytes(b"name,addr\nab,x\nc\x00d,y\n")
    (HERE / "png_renamed.csv").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    )
    (HERE / "quoted_multiline.csv").write_text(
        '施設名,備考\n柏公民館,"2階\n会議室"\n沼南公民館,なし\n', encoding="utf-8"
    )


def _set_cached_values(path: Path, values: dict[str, str]) -> None:
    """openpyxl writes formulas without results; add the cached ``<v>`` Excel would save."""
    with zipfile.ZipFile(path) as src:
        members = {info.filename: src.read(info.filename) for info in src.infolist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    for ref, value in values.items():
        xml = re.sub(
            rf'(<c r="{ref}"[^>]*>)<f>([^<]*)</f><v\s*/>', rf"\1<f>\2</f><v>{value}</v>", xml
        )
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)


def write_excel() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "避難所"
    ws["A1"] = "柏市指定避難所一覧"
    ws.merge_cells("A1:F1")
    ws.append([])
    ws.append(["番号", "施設名", "開設日", "受付開始", "収容人数", "面積", "倍"])
    ws.append([1, "柏第一小学校", date(2024, 4, 1), time(9, 30), 500, 1234.5, "=E4*2"])
    ws.append([2, "増尾中学校", datetime(2024, 4, 1, 9, 30), time(8, 0, 15), 350.0, 0.1, "=E5*2"])
    ws.append([3, "髙柳近隣センター", date(2023, 10, 1), None, 80, 1e-7, "=E6*2"])
    ws.append([])
    ws.append(["※ 収容人数は目安です。"])
    ws.column_dimensions["F"].hidden = True
    ws.row_dimensions[5].hidden = True
    ws["B4"].comment = Comment("要確認", "防災安全課")
    hidden = wb.create_sheet("連絡先")
    hidden.append(["氏名", "携帯電話"])
    hidden.append(["柏 太郎", "090-0000-0000"])
    hidden.sheet_state = "hidden"
    path = HERE / "shelters.xlsx"
    wb.save(path)
    _set_cached_values(path, {"G4": "1000", "G5": "700", "G6": "160"})

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "一覧"
    ws.append(["施設名", "電話番号"])
    ws.append(["柏公民館", "04-7164-1811"])
    path = HERE / "huge_dimension.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as src:
        members = {info.filename: src.read(info.filename) for info in src.infolist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = re.sub(
        r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
        # the other sheet list is untouched; only the declared dimension lies

    with zipfile.ZipFile(HERE / "macro.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
        out.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0fake-vba")
    (HERE / "not_a_workbook.xlsx").write_bytes(b"PK\x03\x04 this is not really a zip file")


if __name__ == "__main__":
    write_text()
    write_excel()
