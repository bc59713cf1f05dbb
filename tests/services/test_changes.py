"""The change summary a department sees before publishing (issue 14): real CSV files on disk."""

from __future__ import annotations

from pathlib import Path

from tsunagu.services.changes import Table, summarize

HEADER = "ID,名称,緯度,経度,小児対応設備の有無\n"
ROWS = [f"{i},施設{i},35.8{i},139.9{i},有\n" for i in range(1, 11)]
SCHEMA = {
    "fields": [{"name": "ID", "type": "string"}, {"name": "緯度", "type": "number"}],
    "primaryKey": ["ID"],
}


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_same_file_is_unchanged_and_needs_no_confirmation(tmp_path):
    old = Table.read_csv(_csv(tmp_path, "a.csv", HEADER + "".join(ROWS)), SCHEMA)
    new = Table.read_csv(_csv(tmp_path, "b.csv", HEADER + "".join(ROWS)), SCHEMA)
    summary = summarize(old, new)
    assert summary.unchanged
    assert not summary.needs_confirmation
    assert summary.compared_by == "key"


def test_dropped_columns_need_confirmation_and_are_named(tmp_path):
    old = Table.read_csv(_csv(tmp_path, "a.csv", HEADER + "".join(ROWS)), SCHEMA)
    dropped = "ID,名称,緯度\n" + "".join(",".join(r.split(",")[:3]) + "\n" for r in ROWS)
    new = Table.read_csv(_csv(tmp_path, "b.csv", dropped), SCHEMA)
    summary = summarize(old, new)
    assert summary.columns_removed == ("経度", "小児対応設備の有無")
    assert summary.needs_confirmation
    assert summary.to_dict()["columns_removed"] == ["経度", "小児対応設備の有無"]


def test_rows_added_removed_changed_by_key(tmp_path):
    old = Table.read_csv(_csv(tmp_path, "a.csv", HEADER + "".join(ROWS)), SCHEMA)
    rows = ROWS[1:]  # ID 1 removed
    rows[0] = "2,施設2 新館,35.82,139.92,有\n"  # ID 2 changed
    rows.append("11,施設11,35.811,139.911,無\n")  # ID 11 added
    new = Table.read_csv(_csv(tmp_path, "b.csv", HEADER + "".join(rows)), SCHEMA)
    summary = summarize(old, new)
    assert (summary.rows_added, summary.rows_removed, summary.rows_changed) == (1, 1, 1)
    assert not summary.needs_confirmation  # 10 of 10 rows kept → no loss to confirm


def test_losing_most_rows_needs_confirmation(tmp_path):
    old = Table.read_csv(_csv(tmp_path, "a.csv", HEADER + "".join(ROWS)), SCHEMA)
    new = Table.read_csv(_csv(tmp_path, "b.csv", HEADER + "".join(ROWS[:4])), SCHEMA)
    summary = summarize(old, new)
    assert summary.rows_removed == 6
    assert summary.loses_most_rows and summary.needs_confirmation


def test_rename_and_type_change_are_told_apart_from_loss(tmp_path):
    old = Table.read_csv(_csv(tmp_path, "a.csv", HEADER + "".join(ROWS)), SCHEMA)
    renamed = HEADER.replace("小児対応設備の有無", "小児用パッド")
    schema = {
        **SCHEMA,
        "fields": [{"name": "ID", "type": "string"}, {"name": "緯度", "type": "string"}],
    }
    new = Table.read_csv(_csv(tmp_path, "b.csv", renamed + "".join(ROWS)), schema)
    summary = summarize(old, new)
    assert summary.columns_renamed == (("小児対応設備の有無", "小児用パッド"),)
    assert summary.columns_removed == () and summary.columns_added == ()
    assert summary.types_changed == (("緯度", "number", "string"),)
    assert not summary.needs_confirmation


def test_without_a_key_rows_are_compared_by_position(tmp_path):
    old = Table.read_csv(_csv(tmp_path, "a.csv", HEADER + "".join(ROWS)))
    new = Table.read_csv(_csv(tmp_path, "b.csv", HEADER + "".join(ROWS[:9])))
    summary = summarize(old, new)
    assert summary.compared_by == "position"
    assert summary.rows_removed == 1 and summary.rows_changed == 0
