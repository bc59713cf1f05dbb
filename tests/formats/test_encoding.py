from __future__ import annotations

from pathlib import Path

import pytest

from tsunagu.formats import encoding as encoding_module
from tsunagu.formats.encoding import detect_encoding, normalize_encoding_name, to_utf8

AED_TEXT = (
    "番号,施設名,住所,電話番号,備考\r\n"
    "1,柏市役所本庁舎,千葉県柏市柏5-10-1,04-7167-1111,①正面玄関\r\n"
)


def test_detect_tiny_cp932_is_cp932_never_cp1257(data_path):
    result = detect_encoding(data_path("formats/tiny_cp932.csv"))
    # 髙 (EE E0) is valid in both CP932 and EUC-JP: the detector may only break that tie.
    assert result.encoding == "cp932"
    assert result.method == "detector-tiebreak"
    assert result.candidates == ("cp932", "euc-jp")
    text = data_path("formats/tiny_cp932.csv").read_bytes().decode(result.encoding)
    assert text == "id,name\n1,髙\n"


def test_detect_cp932_round_trips_vendor_chars_and_halfwidth_kana(data_path):
    path = data_path("formats/aed_cp932.csv")
    result = detect_encoding(path)
    assert (result.encoding, result.method) == ("cp932", "strict-cp932")
    raw = path.read_bytes()
    text = raw.decode(result.encoding)
    for char in ("①", "㈱", "髙", "﨑", "ﾃﾞﾊﾟｰﾄ", "～"):
        assert char in text
    assert text.encode("cp932") == raw


def test_detect_eucjp(data_path):
    result = detect_encoding(data_path("formats/shelters_eucjp.csv"))
    assert (result.encoding, result.method) == ("euc-jp", "strict-euc-jp")


def test_detect_utf8_bom(data_path):
    result = detect_encoding(data_path("formats/shelters_utf8_bom.csv"))
    assert (result.encoding, result.method, result.has_bom) == ("utf-8-sig", "bom", True)


def test_detect_utf16_bom(data_path):
    result = detect_encoding(data_path("formats/shelters_utf16.tsv"))
    assert (result.encoding, result.method, result.has_bom) == ("utf-16", "bom", True)


@pytest.mark.parametrize(
    ("codec", "expected", "method"),
    [("utf-8", "utf-8", "strict-utf-8"), ("cp932", "cp932", "strict-cp932")],
)
def test_detect_japanese_first_after_100kb_of_ascii(tmp_path, codec, expected, method):
    ascii_rows = "".join(f"{i},Kashiwa Station {i:05d}\n" for i in range(5000))
    assert len(ascii_rows) > 100 * 1024
    path = tmp_path / "late.csv"
    path.write_bytes(("id,name\n" + ascii_rows + "5001,柏市役所\n").encode(codec))
    result = detect_encoding(path)
    assert (result.encoding, result.method) == (expected, method)


@pytest.mark.parametrize("codec", ["utf-8", "cp932", "euc-jp"])
def test_detect_handles_a_character_split_across_chunks(tmp_path, monkeypatch, codec):
    monkeypatch.setattr(encoding_module, "CHUNK_BYTES", 7)
    path = tmp_path / "split.csv"
    path.write_bytes("施設名,所在地\n柏公民館,柏市柏\n".encode(codec))
    assert detect_encoding(path).encoding == codec


def test_detect_utf8_then_cp932_rows_is_refused_at_first_bad_byte(tmp_path, refused):
    utf8_part = "施設名,所在地\n" + "".join(f"柏第{i}公園,柏市柏{i}丁目\n" for i in range(5000))
    cp932_part = "増尾公園,柏市増尾\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(utf8_part.encode("utf-8") + cp932_part.encode("cp932"))
    error = refused(lambda: detect_encoding(path), "encoding-undecodable", "mixed.csv")
    assert error.problem.location.row == 5002
    assert error.problem.location.byte_offset == len(utf8_part.encode("utf-8"))
    assert error.problem.params == {"encoding": "utf-8"}
    assert "5002行目" in error.message_ja
    assert f"byte {len(utf8_part.encode())}" in error.message_en


def test_detect_binary_garbage_names_the_file_given(tmp_path, refused):
    path = tmp_path / "upload-123"
    path.write_bytes(b"id,name\n1,\x81 \n")
    error = refused(
        lambda: detect_encoding(path, file_name="公園一覧.csv"),
        "encoding-undecodable",
        "公園一覧.csv",
    )
    assert error.problem.location.row == 2
    assert error.problem.location.byte_offset == 10


def test_detect_forced_shift_jis_means_cp932(data_path):
    result = detect_encoding(data_path("formats/aed_cp932.csv"), forced="Shift_JIS")
    assert (result.encoding, result.method) == ("cp932", "forced")


def test_detect_forced_wrong_encoding_is_still_verified(data_path, refused):
    path = data_path("formats/aed_cp932.csv")
    error = refused(
        lambda: detect_encoding(path, forced="utf-8"), "encoding-undecodable", "aed_cp932.csv"
    )
    assert error.problem.location.row == 1
    assert error.problem.location.byte_offset == 0
    assert error.problem.params == {"encoding": "utf-8"}


def test_detect_forced_unknown_name_is_refused(data_path, refused):
    path = data_path("formats/aed_cp932.csv")
    error = refused(
        lambda: detect_encoding(path, forced="klingon"), "encoding-unknown", "aed_cp932.csv"
    )
    assert error.problem.params == {"encoding": "klingon"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("SJIS", "cp932"), ("Windows-31J", "cp932"), ("EUC_JP", "euc-jp"), ("utf8", "utf-8")],
)
def test_normalize_encoding_name(name, expected):
    assert normalize_encoding_name(name) == expected


def test_detect_pure_ascii_is_utf8(tmp_path: Path):
    path = tmp_path / "ascii.csv"
    path.write_bytes(b"id,name\n1,Kashiwa\n")
    result = detect_encoding(path)
    assert (result.encoding, result.method) == ("utf-8", "strict-utf-8")
    assert result.candidates == ("utf-8", "cp932", "euc-jp")


def test_detect_cp932_file_with_one_bad_byte_reports_cp932_position(tmp_path, refused):
    good = "施設名,所在地\r\n柏公民館,柏市柏\r\n沼南公民館,柏市大島田\r\n".encode("cp932")
    path = tmp_path / "broken.csv"
    path.write_bytes(good + b"\x81 ,x\r\n")
    error = refused(lambda: detect_encoding(path), "encoding-undecodable", "broken.csv")
    assert error.problem.params == {"encoding": "cp932"}
    assert (error.problem.location.row, error.problem.location.byte_offset) == (4, len(good))


@pytest.mark.parametrize(
    "name",
    [
        "aed_cp932.csv",
        "shelters_utf8_bom.csv",
        "shelters_utf16.tsv",
        "shelters_eucjp.csv",
        "shelters_semicolon.csv",
        "tiny_cp932.csv",
    ],
)
def test_kept_text_is_the_file_as_python_reads_it(data_path, name):
    path = data_path(f"formats/{name}")
    result = detect_encoding(path, keep_utf8=True)
    with path.open(encoding=result.encoding, newline="") as fh:
        expected = fh.read().encode("utf-8")
    if result.encoding == "utf-8" and not path.read_bytes().isascii():
        assert result.utf8 is None  # the file is its own UTF-8: not held twice
    else:
        assert result.utf8 == expected
    assert to_utf8(path, result.encoding) == expected
    assert detect_encoding(path).utf8 is None
    forced = detect_encoding(path, result.encoding, keep_utf8=True)
    assert forced.utf8 in (expected, None)


def test_kept_text_of_an_ascii_start_then_cp932(tmp_path):
    path = tmp_path / "mixed.csv"
    text = "id,name\r\n" * 200_000 + "1,柏市役所①\r\n"  # over a megabyte of ASCII first
    path.write_bytes(text.encode("cp932"))
    result = detect_encoding(path, keep_utf8=True)
    assert (result.encoding, result.utf8) == ("cp932", text.encode("utf-8"))
