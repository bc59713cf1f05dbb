"""The column-mapping screen's service: proposals from the CLI's header mapper, value mappings
for enum fields, and saving the department's choices into the manifest (issue 14)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tsunagu.config import load_settings
from tsunagu.errors import ManifestError
from tsunagu.services.mapping import mapping_screen, save_choices

REPO = Path(__file__).resolve().parents[2]
AED = REPO / "datasets" / "kashiwa" / "kenko" / "aed-installations"
NEW = REPO / "tests" / "data" / "webapp" / "updates" / "aed_new_columns.csv"


@pytest.fixture
def manifest(tmp_path) -> Path:
    """The AED manifest pointing at the ledger with two new columns and ○/×."""
    shutil.copy(REPO / "datasets" / "kashiwa" / "municipality.yaml", tmp_path / "municipality.yaml")
    folder = tmp_path / "aed"
    folder.mkdir()
    shutil.copy(NEW, folder / "source.csv")
    data = yaml.safe_load((AED / "dataset.yaml").read_text(encoding="utf-8"))
    data["sources"] = [{"path": "source.csv", "header_row": 2}]
    path = folder / "dataset.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_screen_marks_new_columns_and_proposes_values(manifest):
    screen = mapping_screen(manifest, load_settings({}, env={}))
    rows = {r.column: r for r in screen.columns}
    assert not rows["英語名"].mapped and not rows["管理番号"].mapped
    assert rows["施設名"].mapped and rows["施設名"].current == "名称"
    assert rows["No"].mapped and rows["No"].current is None  # left out on purpose
    assert rows["英語名"].proposal == "名称_英語" and rows["英語名"].confidence > 0
    pad = rows["小児用パッド"]
    assert {value for value, _count, _guess in pad.values} == {"○", "×"}
    assert screen.enums["小児対応設備の有無"] == ("有", "無")
    assert screen.layout == "current" and "名称" in screen.fields


def test_saved_choices_win_and_the_rest_of_the_manifest_stays(manifest):
    before = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    save_choices(
        manifest,
        {"英語名": "名称_英語", "管理番号": None},
        {"小児用パッド": {"○": "有", "×": "無", "-": ""}},
        "suisho2020",
    )
    after = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    assert after["columns"]["英語名"] == "名称_英語" and after["columns"]["管理番号"] is None
    assert after["columns"]["施設名"] == "名称"
    assert after["values"] == {"小児用パッド": {"○": "有", "×": "無"}}
    assert after["layout"] == "suisho2020"
    for key in ("title", "description", "tags", "constants", "sources"):
        assert after[key] == before[key], key


def test_an_unknown_layout_is_refused_with_a_message(manifest):
    with pytest.raises(ManifestError) as caught:
        save_choices(manifest, {}, {}, "../../etc")
    assert "レイアウト" in caught.value.message_ja


def test_screen_shows_a_column_only_the_second_file_of_a_dataset_has(tmp_path):
    """A dataset of two files: the new column is in the second one (the one just uploaded)."""
    from tests.services.test_uploads import two_file_dataset

    shutil.copy(REPO / "datasets" / "kashiwa" / "municipality.yaml", tmp_path / "municipality.yaml")
    folder = two_file_dataset(tmp_path / "aed")
    shutil.copy(NEW, folder / "南部.csv")  # the ledger with 英語名 and 管理番号
    screen = mapping_screen(folder / "dataset.yaml", load_settings({}, env={}))
    rows = {r.column: r for r in screen.columns}
    assert not rows["英語名"].mapped and rows["英語名"].proposal == "名称_英語"
    assert rows["施設名"].current == "名称"
    assert all("nan" not in r.samples for r in rows.values())
