"""The rows store's shared Arrow copy (issue 17): written once, memory-mapped after, the same
answers as parsing the CSV, replaced by a new version, and never needed for an answer."""

from __future__ import annotations

from pathlib import Path

from polars.testing import assert_frame_equal, assert_series_equal

from tsunagu.services.rows import RowsQuery, RowsStore, load_table, select_rows

CSV = "名称,電話番号,備考\nアミュゼ柏,04-7164-1111,\nさわやかちば県民プラザ,0012,ＡＥＤ１台\n"


def _store(tmp_path: Path, csv_path: Path, sha: str) -> RowsStore:
    return RowsStore(lambda _id: (csv_path, sha), cache_dir=tmp_path / "cache")


def test_a_cached_table_answers_as_the_parsed_csv(tmp_path):
    source = tmp_path / "rows.csv"
    source.write_text(CSV, encoding="utf-8")
    parsed = load_table(source)
    first = _store(tmp_path, source, "v1").table("ds")
    (cached,) = (tmp_path / "cache").glob("*.arrow")
    second = _store(tmp_path, source, "v1").table("ds")  # another process: maps the file
    for table in (first, second):
        assert_frame_equal(table.frame, parsed.frame)
        assert_series_equal(table.folded, parsed.folded, check_names=False)
    query = RowsQuery(q="ａｅｄ")  # folded search still matches full-width text
    assert select_rows(second, query).frame["名称"].to_list() == ["さわやかちば県民プラザ"]
    assert second.frame["電話番号"].to_list() == ["04-7164-1111", "0012"]  # text stays text
    assert cached.stat().st_size > 0


def test_a_new_version_replaces_the_old_copy(tmp_path):
    source = tmp_path / "rows.csv"
    source.write_text(CSV, encoding="utf-8")
    _store(tmp_path, source, "v1").table("ds")
    (old,) = (tmp_path / "cache").glob("*.arrow")
    source.write_text(CSV + "柏市役所,04-7167-1111,\n", encoding="utf-8")
    table = _store(tmp_path, source, "v2").table("ds")
    (new,) = (tmp_path / "cache").glob("*.arrow")
    assert new != old and table.frame.height == 3


def test_a_damaged_copy_is_ignored_not_served(tmp_path):
    source = tmp_path / "rows.csv"
    source.write_text(CSV, encoding="utf-8")
    _store(tmp_path, source, "v1").table("ds")
    (cached,) = (tmp_path / "cache").glob("*.arrow")
    cached.write_bytes(b"not arrow at all")
    table = _store(tmp_path, source, "v1").table("ds")
    assert_frame_equal(table.frame, load_table(source).frame)
