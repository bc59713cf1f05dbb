from __future__ import annotations

import hashlib

import pytest

from tsunagu.formats import detect_format, read_file
from tsunagu.formats.base import ReadOptions
from tsunagu.formats.csv import CsvReader, sniff_delimiter

SHELTERS = {
    2: {"施設名": "柏第一小学校", "所在地": "柏市柏1丁目", "収容人数": "500"},
    3: {"施設名": "増尾中学校", "所在地": "柏市増尾2丁目", "収容人数": "350"},
}


def read(path, settings, **options):
    return CsvReader().read(path, ReadOptions(**options), settings)


def test_read_cp932_with_title_rows_notes_and_trailing_blanks(data_path, settings):
    path = data_path("formats/aed_cp932.csv")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    draft = read(path, settings)
    table = draft.table
    assert list(table.columns) == ["番号", "施設名", "住所", "電話番号", "備考"]
    assert list(table.index) == [5, 6, 7]
    assert table.loc[5].tolist() == [
        "1",
        "柏市役所本庁舎",
        "千葉県柏市柏5-10-1",
        "04-7167-1111",
        "①正面玄関",
    ]
    assert table.loc[6, "施設名"] == "㈱柏ﾃﾞﾊﾟｰﾄ"
    assert table.loc[6, "備考"] == ""
    assert table.loc[7, "施設名"] == "髙﨑歯科医院"
    assert table.loc[7, "備考"] == "9時～17時"
    assert all(isinstance(v, str) for v in table.to_numpy().ravel())
    assert draft.raw_table is draft.table
    assert draft.report.facts == {
        "format": "csv",
        "encoding": "cp932",
        "encoding_method": "strict-cp932",
        "delimiter": ",",
        "header_row": 4,
        "title_rows": [
            {"row": 1, "text": "柏市AED設置一覧"},
            {"row": 2, "text": "令和6年4月1日現在"},
        ],
        "notes_below": [
            {"row": 9, "text": "※ 設置場所は変更になる場合があります。"},
            {"row": 10, "text": "問合せ先：保健予防課"},
        ],
        "trailing_blank_rows": 2,
        "blank_rows_inside": 0,
        "rows": 3,
        "columns": 5,
    }
    source = draft.source
    assert (source.format, source.encoding, source.header_row, source.sheet) == (
        "csv",
        "cp932",
        4,
        None,
    )
    assert source.size == path.stat().st_size
    assert source.sha256 == before
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # never modified
    assert draft.report.flatten("row", "column", "code", "severity") == [
        (5, "備考", "platform-dependent-char", "warning"),
        (6, "施設名", "platform-dependent-char", "warning"),
        (7, "施設名", "platform-dependent-char", "info"),
        (7, "備考", "cp932-unicode-mismatch", "warning"),
    ]


@pytest.mark.parametrize(
    ("name", "encoding", "method", "delimiter"),
    [
        ("shelters_utf8_bom.csv", "utf-8-sig", "bom", ","),
        ("shelters_utf16.tsv", "utf-16", "bom", "\t"),
        ("shelters_eucjp.csv", "euc-jp", "strict-euc-jp", ","),
        ("shelters_semicolon.csv", "utf-8", "strict-utf-8", ";"),
    ],
)
def test_read_encodings_and_delimiters(data_path, settings, name, encoding, method, delimiter):
    draft = read(data_path(f"formats/{name}"), settings)
    assert draft.table.to_dict("index") == SHELTERS
    assert draft.table.columns[0] == "施設名"  # no BOM residue
    facts = draft.report.facts
    assert (facts["encoding"], facts["encoding_method"], facts["delimiter"]) == (
        encoding,
        method,
        delimiter,
    )
    assert (facts["header_row"], facts["title_rows"], facts["notes_below"]) == (1, [], [])
    assert (facts["rows"], facts["columns"], facts["trailing_blank_rows"]) == (2, 3, 0)
    assert draft.report.problems == []


def test_read_forced_utf8_still_strips_bom_from_first_header(data_path, settings):
    draft = read(data_path("formats/shelters_utf8_bom.csv"), settings, encoding="utf-8")
    assert list(draft.table.columns) == ["施設名", "所在地", "収容人数"]
    assert draft.report.facts["encoding_method"] == "forced"


def test_read_tiny_cp932(data_path, settings):
    draft = read(data_path("formats/tiny_cp932.csv"), settings)
    assert draft.table.to_dict("index") == {2: {"id": "1", "name": "髙"}}
    assert draft.report.facts["encoding"] == "cp932"


def test_read_header_only_is_refused(data_path, settings, refused):
    path = data_path("formats/header_only.csv")
    error = refused(lambda: read(path, settings), "file-header-only", "header_only.csv")
    assert error.problem.location.row == 1


def test_read_header_empty_and_duplicate_are_errors_with_position(data_path, settings):
    draft = read(data_path("formats/header_problems.csv"), settings)
    assert draft.report.flatten("row", "column", "code", "severity") == [
        (1, "2", "header-empty", "error"),
        (1, "施設名", "header-duplicate", "error"),
    ]
    assert draft.report.problems[0].params == {"position": 2}
    assert draft.report.problems[1].params == {"name": "施設名", "position": 4, "first_position": 1}
    assert "header_problems.csv" in draft.report.problems[1].message("en")
    assert not draft.report.valid
    assert list(draft.table.columns) == ["施設名", "", "所在地", "施設名 (4)"]  # one per name
    assert draft.table.iloc[0].tolist() == ["柏駅前", "a", "柏市柏1丁目", "x"]


def test_read_ragged_rows_report_row_numbers(data_path, settings):
    draft = read(data_path("formats/ragged.csv"), settings)
    assert draft.report.flatten("row", "code", "severity") == [
        (2, "row-extra-cells", "error"),
        (3, "row-missing-cells", "warning"),
    ]
    assert draft.report.problems[0].params == {"count": 4, "expected": 3}
    assert draft.report.problems[1].params == {"count": 2, "expected": 3}
    assert draft.table.to_dict("index") == {
        2: {"施設名": "柏第一小学校", "所在地": "柏市柏1丁目", "収容人数": "500"},
        3: {"施設名": "増尾中学校", "所在地": "柏市増尾2丁目", "収容人数": ""},
        4: {"施設名": "酒井根小学校", "所在地": "柏市酒井根1丁目", "収容人数": "420"},
    }


def test_read_quoted_multiline_cell_keeps_record_numbers(data_path, settings):
    draft = read(data_path("formats/quoted_multiline.csv"), settings)
    assert draft.table.to_dict("index") == {
        2: {"施設名": "柏公民館", "備考": "2階\n会議室"},
        3: {"施設名": "沼南公民館", "備考": "なし"},
    }


def test_read_blank_rows_inside_table_are_skipped_keeping_row_numbers(tmp_path, settings):
    path = tmp_path / "gaps.csv"
    path.write_text(
        "施設名,電話番号\n柏公民館,04-7164-1811\n,\n沼南公民館,04-7191-7411\n", encoding="utf-8"
    )
    draft = read(path, settings)
    assert list(draft.table.index) == [2, 4]
    assert draft.report.facts["blank_rows_inside"] == 1
    assert draft.report.facts["notes_below"] == []


def test_read_single_cell_after_blank_row_is_a_note(tmp_path, settings):
    path = tmp_path / "note.csv"
    path.write_text(
        "施設名,電話番号\n柏公民館,04-7164-1811\n\n出典：柏市公民館一覧\n", encoding="utf-8"
    )
    draft = read(path, settings)
    assert list(draft.table.index) == [2]
    assert draft.report.facts["notes_below"] == [{"row": 4, "text": "出典：柏市公民館一覧"}]


def test_read_explicit_header_row(data_path, settings):
    draft = read(data_path("formats/aed_cp932.csv"), settings, header_row=4)
    assert list(draft.table.index) == [5, 6, 7]
    assert draft.report.facts["title_rows"][0] == {"row": 1, "text": "柏市AED設置一覧"}


def test_read_explicit_header_row_that_is_blank_is_refused(data_path, settings, refused):
    path = data_path("formats/aed_cp932.csv")
    error = refused(
        lambda: read(path, settings, header_row=3, display_name="AED.csv"),
        "header-row-not-found",
        "AED.csv",
    )
    assert error.problem.location.row == 3


def test_sniff_delimiter_prefers_consistent_width(tmp_path):
    path = tmp_path / "tab.tsv"
    path.write_text("名称\t住所\t備考\nA, B\t柏市\tx\nC\t柏市\ty\n", encoding="utf-8")
    assert sniff_delimiter(path, "utf-8") == "\t"


def test_csv_reader_sniff_and_registry(data_path, settings):
    assert CsvReader().sniff(b"a,b\n", data_path("formats/tiny_cp932.csv"))
    assert not CsvReader().sniff(b"\x89PNG\r\n", data_path("formats/png_renamed.csv"))
    assert detect_format(data_path("formats/tiny_cp932.csv")) == "csv"
    draft = read_file(data_path("formats/tiny_cp932.csv"), settings)
    assert draft.source.format == "csv"


def test_read_last_row_with_one_cell_and_no_gap_stays_data(tmp_path, settings):
    path = tmp_path / "sparse.csv"
    path.write_text("施設名,電話番号\n柏公民館,04-7164-1811\n沼南公民館,\n", encoding="utf-8")
    draft = read(path, settings)
    assert list(draft.table.index) == [2, 3]
    assert draft.table.loc[3, "施設名"] == "沼南公民館"
    assert draft.report.facts["notes_below"] == []
