"""Updates keep what the dataset knows; statuses; ownership at the start (issue 14)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from tsunagu.errors import PermissionDenied
from tsunagu.services.departments import (
    check_owner,
    dataset_status,
    department_datasets,
    form_defaults,
    merge_update,
    saved_manifest,
)

REPO = Path(__file__).resolve().parents[2]
AED = REPO / "datasets" / "kashiwa" / "kenko" / "aed-installations" / "dataset.yaml"
KENKO = {"id": "kenko", "ja": "健康政策課", "en": "Health Policy Division"}


def _saved() -> dict:
    return yaml.safe_load(AED.read_text(encoding="utf-8"))


def _submitted(saved: dict, **changes: object) -> dict:
    form = form_defaults(saved)
    form["tags"] = [t.strip() for t in form["tags"].split(",") if t.strip()]
    form.update(changes)
    return form


def test_untouched_form_keeps_mapping_constants_layout_and_metadata():
    saved = _saved()
    merged = merge_update(saved, _submitted(saved), {"main": "source.csv"}, KENKO)
    for key in ("columns", "constants", "layout", "description", "tags", "title", "licence"):
        assert merged[key] == saved[key], key
    assert merged["sources"] == [{"path": "source.csv", "header_row": 2}]
    assert merged["department"]["id"] == "kenko"


def test_only_the_touched_field_changes():
    saved = _saved()
    merged = merge_update(
        saved, _submitted(saved, description_ja="新しい説明"), {"main": "source.csv"}, KENKO
    )
    assert merged["description"] == {"ja": "新しい説明", "en": saved["description"]["en"]}
    assert merged["tags"] == saved["tags"]
    assert merged["columns"] == saved["columns"]


def test_changed_tags_replace_and_personal_data_and_values_are_kept():
    saved = {
        **_saved(),
        "personal_data": {"allow_columns": ["氏名"]},
        "values": {"小児用パッド": {"○": "有"}},
    }
    merged = merge_update(
        saved, _submitted(saved, tags=["AED", "新"]), {"main": "source.xlsx"}, KENKO
    )
    assert merged["tags"] == ["AED", "新"]
    assert merged["personal_data"] == {"allow_columns": ["氏名"]}
    assert merged["values"] == {"小児用パッド": {"○": "有"}}


def test_saved_manifest_prefers_the_newest_published_upload(tmp_path):
    datasets = tmp_path / "datasets" / "kenko" / "aed"
    datasets.mkdir(parents=True)
    (datasets / "dataset.yaml").write_text(AED.read_text(encoding="utf-8"), encoding="utf-8")
    uploads = tmp_path / "uploads"
    assert saved_manifest("kashiwa-aed-installations", uploads, tmp_path / "datasets")["columns"]
    for stamp, title in (("2026-01-01T00:00:00", "古い"), ("2026-03-01T00:00:00", "新しい")):
        folder = uploads / "kenko" / stamp[:7].replace("-", "")
        folder.mkdir(parents=True)
        status = {
            "dataset_id": "kashiwa-aed-installations",
            "state": "published",
            "published": stamp,
        }
        (folder / "status.json").write_text(json.dumps(status), encoding="utf-8")
        (folder / "dataset.yaml").write_text(
            yaml.safe_dump({**_saved(), "title": title}), encoding="utf-8"
        )
    assert (
        saved_manifest("kashiwa-aed-installations", uploads, tmp_path / "datasets")["title"]
        == "新しい"
    )
    assert saved_manifest("unknown-id", uploads, tmp_path / "datasets") is None


def test_owner_check_refuses_another_departments_id_in_both_languages(published):
    record = published.search(rows=1).results[0]
    owner = record.meta.organisation
    assert check_owner(published, record.meta.id, owner) is True
    assert check_owner(published, "brand-new-id", owner) is False
    with pytest.raises(PermissionDenied) as caught:
        check_owner(published, record.meta.id, "not-" + owner)
    assert "他の部署" in caught.value.message_ja and "another department" in str(caught.value)


def test_status_overdue_against_the_update_frequency(published):
    record = published.search(rows=1).results[0]
    owner = record.meta.organisation
    now = datetime(2099, 1, 1, tzinfo=UTC)
    rows = department_datasets(published, owner, now)
    every = published.search(filters={"organization": owner}, rows=100).results
    assert sorted(r.dataset_id for r in rows) == sorted(r.meta.id for r in every)
    row = next(r for r in rows if r.dataset_id == record.meta.id)
    assert row.published and not row.blocked
    if record.meta.update_frequency == "irregular":
        assert row.freshness == "unscheduled" and not row.overdue
    else:
        assert row.overdue and row.days_overdue > 0
    fresh = dataset_status(
        record, [], datetime.fromisoformat(record.modified.replace("Z", "+00:00"))
    )
    assert not fresh.overdue
    assert department_datasets(published, "nobody", now) == []
