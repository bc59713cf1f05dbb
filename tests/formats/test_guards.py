from __future__ import annotations

import random
import shutil
import time
import zipfile

import pytest

from tsunagu.errors import FormatError
from tsunagu.formats.base import ReadOptions
from tsunagu.formats.csv import CsvReader
from tsunagu.formats.excel import ExcelReader
from tsunagu.formats.guards import (
    _scan_decoded_lines,
    check_size,
    check_text_head,
    check_xlsx_archive,
    scan_lines,
)


def read_csv(path, settings, **options):
    return CsvReader().read(path, ReadOptions(**options), settings)


def test_empty_file_is_refused(tmp_path, settings, refused):
    path = tmp_path / "空.csv"
    path.write_bytes(b"")
    refused(lambda: read_csv(path, settings), "file-empty", "空.csv")


def test_blank_lines_only_is_refused_as_empty(tmp_path, settings, refused):
    path = tmp_path / "blank.csv"
    path.write_bytes(b",,\r\n\r\n,,\r\n")
    refused(lambda: read_csv(path, settings), "file-empty", "blank.csv")


def test_file_over_limit_is_refused_with_size_and_limit(data_path, settings, refused):
    path = data_path("formats/aed_cp932.csv")
    small = settings.replace(max_file_bytes=100)
    error = refused(
        lambda: check_size(path, small, "aed_cp932.csv"), "file-too-large", "aed_cp932.csv"
    )
    assert error.problem.params == {"size": path.stat().st_size, "limit": 100}


def test_file_at_limit_is_accepted(data_path, settings):
    path = data_path("formats/aed_cp932.csv")
    size = path.stat().st_size
    assert check_size(path, settings.replace(max_file_bytes=size), "aed_cp932.csv") == size


def test_png_renamed_csv_is_not_text(data_path, settings, refused):
    path = data_path("formats/png_renamed.csv")
    refused(lambda: read_csv(path, settings), "file-not-text", "png_renamed.csv")


def test_only_nul_bytes_is_not_text(tmp_path, settings, refused):
    path = tmp_path / "zeros.csv"
    path.write_bytes(b"\x00" * 4096)
    refused(lambda: read_csv(path, settings), "file-not-text", "zeros.csv")


def test_random_binary_is_not_text(refused):
    head = bytes(range(256)) * 4
    refused(lambda: check_text_head(head, "x.csv"), "file-not-text", "x.csv")


def test_utf16_head_is_text_despite_nul_bytes():
    check_text_head("施設名\tA\n".encode("utf-16"), "x.tsv")


def test_nul_byte_in_cell_is_refused_with_row(data_path, settings, refused):
    path = data_path("formats/nul_in_cell.csv")
    error = refused(
        lambda: read_csv(path, settings, display_name="公園.csv"), "nul-byte", "公園.csv"
    )
    assert error.problem.location.row == 3
    assert "3行目" in error.message_ja and "row 3" in error.message_en


def test_line_too_long_is_refused_in_bounded_time(tmp_path, settings, refused):
    path = tmp_path / "long.csv"
    with path.open("wb") as fh:
        fh.write("施設名,備考\n柏公民館,ok\n2,".encode())
        for _ in range(8):
            fh.write(b"a" * (1024 * 1024))
    started = time.monotonic()
    error = refused(lambda: read_csv(path, settings), "line-too-long", "long.csv")
    assert time.monotonic() - started < 5
    assert error.problem.location.row == 3
    assert error.problem.params == {"limit": settings.max_line_bytes}


def test_line_length_counts_bytes_of_the_file_encoding(tmp_path, settings):
    path = tmp_path / "sjis.csv"
    path.write_bytes("名前\n".encode("cp932") + "柏".encode("cp932") * 10 + b"\n")
    assert scan_lines(path, "cp932", settings.replace(max_line_bytes=20), "sjis.csv") == 3
    with pytest.raises(FormatError, match="line is too long"):
        scan_lines(path, "cp932", settings.replace(max_line_bytes=19), "sjis.csv")


def test_header_with_too_many_columns_is_refused(tmp_path, settings, refused):
    path = tmp_path / "wide.csv"
    header = ",".join(f"c{i}" for i in range(1001))
    path.write_text(header + "\n" + ",".join("1" * 1001) + "\n", encoding="utf-8")
    error = refused(lambda: read_csv(path, settings), "too-many-columns", "wide.csv")
    assert error.problem.location.row == 1
    assert error.problem.params == {"count": 1001, "limit": 1000}


def test_data_row_with_far_more_cells_is_refused(tmp_path, settings, refused):
    path = tmp_path / "cells.csv"
    path.write_text("a,b\n1,2\n" + ",".join("x" * 5000) + "\n", encoding="utf-8")
    error = refused(lambda: read_csv(path, settings), "too-many-columns", "cells.csv")
    assert error.problem.location.row == 3
    assert error.problem.params == {"count": 5000, "limit": 1000}


def test_cell_too_long_is_refused_with_row_and_column(tmp_path, settings, refused):
    path = tmp_path / "cell.csv"
    path.write_text("施設名,備考\n柏公民館,ok\n沼南公民館," + "あ" * 32768 + "\n", encoding="utf-8")
    error = refused(lambda: read_csv(path, settings), "cell-too-long", "cell.csv")
    assert (error.problem.location.row, error.problem.location.column) == (3, "備考")
    assert error.problem.params == {"length": 32768, "limit": 32767}
    assert "列「備考」" in error.message_ja


def test_xlsx_macro_part_is_refused(data_path, settings, refused):
    path = data_path("formats/macro.xlsx")
    refused(
        lambda: check_xlsx_archive(path, settings, "macro.xlsx"),
        "excel-macro-refused",
        "macro.xlsx",
    )


def test_xlsm_suffix_is_refused_before_opening(data_path, tmp_path, settings, refused):
    path = tmp_path / "集計.xlsm"
    shutil.copy(data_path("formats/shelters.xlsx"), path)
    reader = ExcelReader()
    refused(lambda: reader.read(path, ReadOptions(), settings), "excel-macro-refused", "集計.xlsm")


def test_xlsx_over_unzipped_limit_is_refused(data_path, settings, refused):
    path = data_path("formats/shelters.xlsx")
    small = settings.replace(max_unzipped_bytes=1000)
    error = refused(
        lambda: check_xlsx_archive(path, small, "shelters.xlsx"),
        "archive-too-large",
        "shelters.xlsx",
    )
    assert error.problem.params["limit"] == 1000
    assert error.problem.params["size"] > 1000


def test_xlsx_zip_bomb_ratio_is_refused_before_openpyxl(tmp_path, settings, refused):
    path = tmp_path / "bomb.xlsx"
    block = b"<c/>" * (1024 * 1024 // 4)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        for _ in range(64):
            member.write(block)
    assert path.stat().st_size < 1024 * 1024
    error = refused(
        lambda: ExcelReader().read(path, ReadOptions(), settings), "archive-too-large", "bomb.xlsx"
    )
    assert error.problem.params["size"] == 64 * 1024 * 1024
    assert error.problem.params["ratio"] > 200


def test_every_code_the_readers_raise_or_add_has_both_templates():
    import re
    from pathlib import Path

    from tsunagu.messages import catalogue

    root = Path(__file__).resolve().parents[2] / "tsunagu" / "formats"
    modules = ("encoding", "guards", "csv", "excel", "layout_detect", "traps")
    call = re.compile(r"""(?:refuse|Problem|\.add)\(\s*["']([a-z0-9]+(?:-[a-z0-9]+)+)["']""")
    used = {
        code
        for module in modules
        for code in call.findall((root / f"{module}.py").read_text(encoding="utf-8"))
    }
    used |= {"platform-dependent-char", "cp932-unicode-mismatch", "file-too-large"}
    assert len(used) >= 20  # the pattern really finds the calls
    texts = catalogue()
    assert {
        code for code in used if not (texts.get(code, {}).get("ja") and texts[code].get("en"))
    } == set()


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "euc-jp"])
def test_byte_scan_agrees_with_decoded_scan(tmp_path, settings, seed, encoding):
    rng = random.Random(seed)
    special = {"cp932": "①", "euc-jp": "ｱ"}.get(encoding, "髙")
    pieces = ["柏", "a", ",", "\n", "\r\n", special, "\x00"]
    weights = [20, 20, 5, 4, 2, 1, 0.05]
    text = "".join(rng.choices(pieces, weights, k=rng.randint(1, 3000)))
    path = tmp_path / "scan.csv"
    path.write_bytes(text.encode(encoding))
    limited = settings.replace(max_line_bytes=rng.randint(40, 400))

    def outcome(scan):
        try:
            return scan(path, encoding, limited, "scan.csv")
        except FormatError as error:
            return error.code, error.problem.location.row

    assert outcome(scan_lines) == outcome(_scan_decoded_lines)
