"""Updating a dataset of several files (issue 14): each uploaded file replaces its own source,
the others keep their published file, and a source is removed only when that was confirmed."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml

from tsunagu.config import load_settings
from tsunagu.manifest import load_manifest
from tsunagu.services.departments import saved_dataset
from tsunagu.services.uploads import (
    IncomingFile,
    RemovalNotConfirmed,
    UploadRejected,
    UploadRequest,
    UploadStore,
    match_files,
)

REPO = Path(__file__).resolve().parents[2]
AED = REPO / "datasets" / "kashiwa" / "kenko" / "aed-installations"
KENKO = {"id": "kenko", "ja": "健康政策課", "en": "Health Policy Division"}


def two_file_dataset(folder: Path) -> Path:
    """The AED dataset split into two CSV files (north, south), as a CLI dataset folder."""
    folder.mkdir(parents=True)
    lines = (AED / "AED設置場所一覧.csv").read_bytes().splitlines(keepends=True)
    head, rows = lines[:2], lines[2:]
    (folder / "北部.csv").write_bytes(b"".join(head + rows[:10]))
    (folder / "南部.csv").write_bytes(b"".join(head + rows[10:]))
    manifest = yaml.safe_load((AED / "dataset.yaml").read_text(encoding="utf-8"))
    manifest["sources"] = [
        {"path": "北部.csv", "header_row": 2},
        {"path": "南部.csv", "header_row": 2, "key": "south"},
    ]
    text = yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False)
    (folder / "dataset.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def setup(tmp_path):
    datasets = tmp_path / "datasets"
    two_file_dataset(datasets / "kenko" / "aed")
    settings = load_settings({"data_dir": tmp_path / "instance", "datasets_dir": datasets}, env={})
    store = UploadStore(settings)
    saved = saved_dataset("kashiwa-aed-installations", store.root, datasets)
    assert saved is not None
    return store, saved, datasets / "kenko" / "aed"


def _request(saved) -> UploadRequest:
    return UploadRequest(
        dataset_id="kashiwa-aed-installations",
        title_ja=saved.manifest["title"]["ja"],
        title_en=saved.manifest["title"]["en"],
        standard=saved.manifest["standard"],
    )


def _file(name: str, data: bytes = b"a,b\n1,2\n", key: str | None = None) -> IncomingFile:
    return IncomingFile(name, io.BytesIO(data), key)


def test_saved_dataset_lists_its_files_with_keys_and_names(setup):
    _store, saved, _folder = setup
    assert [(s.key, s.name) for s in saved.sources] == [("main", "北部.csv"), ("south", "南部.csv")]
    assert all(s.path.is_absolute() and s.path.is_file() for s in saved.sources)


def test_files_match_by_name_ignoring_suffix_and_width_or_by_choice(setup):
    _store, saved, _folder = setup
    sources = saved.sources
    assert set(match_files(sources, [_file("南部.xlsx")])) == {"south"}
    assert set(match_files(sources, [_file("ＡＢＣ.csv", key="main")])) == {"main"}
    with pytest.raises(UploadRejected) as unknown:
        match_files(sources, [_file("令和7年度.csv")])
    assert "画面で対応するファイルを選んで" in unknown.value.message_ja
    assert "choose on the page" in unknown.value.message_en
    with pytest.raises(UploadRejected):
        match_files(sources, [_file("南部.csv"), _file("x.csv", key="south")])
    with pytest.raises(UploadRejected):
        match_files(sources, [_file("x.csv", key="tampered")])


def test_one_file_replaces_its_source_and_the_other_is_kept_as_published(setup):
    store, saved, folder = setup
    new = (folder / "南部.csv").read_bytes()
    upload = store.store(KENKO, [_file("南部.csv", new)], _request(saved), saved=saved)
    manifest = load_manifest(upload.manifest_path)  # a manifest the pipeline accepts
    assert [s.key for s in manifest.sources] == ["main", "south"]
    kept, replaced = manifest.sources
    assert kept.path.read_bytes() == (folder / "北部.csv").read_bytes()
    assert replaced.path.name == upload.status["stored_name"]
    assert kept.header_row == replaced.header_row == 2
    assert upload.status["original_name"] == "南部.csv"
    assert [(s["key"], s["uploaded"]) for s in upload.status["sources"]] == [
        ("main", False),
        ("south", True),
    ]
    assert upload.status["removed_sources"] == []


def test_removing_a_source_needs_confirmation_and_is_recorded(setup):
    store, saved, folder = setup
    data = (folder / "北部.csv").read_bytes()
    with pytest.raises(RemovalNotConfirmed) as refused:
        store.store(KENKO, [_file("北部.csv", data)], _request(saved), saved, removed=["south"])
    assert "確認のチェック" in refused.value.message_ja
    assert not [p for p in store.root.glob("kenko/*") if p.is_dir()]  # nothing half-stored
    upload = store.store(
        KENKO,
        [_file("北部.csv", data)],
        _request(saved),
        saved,
        removed=["south"],
        removal_confirmed=True,
    )
    assert [s.key for s in load_manifest(upload.manifest_path).sources] == ["main"]
    assert upload.status["removed_sources"] == [{"key": "south", "name": "南部.csv"}]
    with pytest.raises(UploadRejected):  # the one left cannot go as well
        store.store(
            KENKO,
            [_file("南部.csv", data)],
            _request(saved),
            saved,
            removed=["main", "south"],
            removal_confirmed=True,
        )


def test_a_kept_file_that_is_missing_is_refused_not_dropped(setup):
    store, saved, folder = setup
    data = (folder / "北部.csv").read_bytes()
    shutil.move(folder / "南部.csv", folder.parent / "moved.csv")
    with pytest.raises(UploadRejected) as missing:
        store.store(KENKO, [_file("北部.csv", data)], _request(saved), saved)
    assert "南部.csv" in missing.value.message_ja and "引き継げません" in missing.value.message_ja
