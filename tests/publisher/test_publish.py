"""publish_dataset with real Drafts (artifacts on disk) into a real LocalCatalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalogue.conftest import make_local
from tsunagu.errors import DatasetNotFound, Location, Severity
from tsunagu.manifest import Department, Manifest, Text
from tsunagu.model import Draft, Report, Source
from tsunagu.publisher.audit import AuditLog
from tsunagu.publisher.batch import Outcome
from tsunagu.publisher.publish import publish_dataset

TOKEN = "ckan-token-must-never-be-logged-7f3a"


def manifest(tmp_path: Path, title: str = "柏市AED設置箇所一覧") -> Manifest:
    return Manifest(
        path=tmp_path / "dataset.yaml", id="kashiwa-aed", title=Text(title, "Kashiwa AEDs"),
        description=Text("市の施設のAED", "AEDs"),
        department=Department("kenko", Text("健康政策課", "Health")),
        standard="aed-installations", layout=None, licence="CC-BY-4.0", update_frequency="yearly",
        tags=("防災",), sources=(), columns={}, constants={}, allow_personal_columns=(), crs=None,
        known_problems=(), id_prefix=None,
    )  # fmt: skip


def outcome(tmp_path: Path, *, valid: bool = True, rows: str = "1,柏市役所\n") -> Outcome:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    csv = out / "aed.csv"
    csv.write_text(f"ID,名称\n{rows}", encoding="utf-8")
    geojson = out / "aed.geojson"
    geojson.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    report = Report()
    if not valid:
        report.add("nul-byte", Severity.ERROR, Location(file="aed.csv", row=3, column="名称"))
        report.add("file-empty", Severity.ERROR, Location(file="aed.csv"))
    draft = Draft(
        source=Source(path=tmp_path / "aed.csv"),
        report=report,
        artifacts={"csv": csv, "geojson": geojson},
    )
    return Outcome("kashiwa-aed", draft=draft)


@pytest.fixture
def catalogue(tmp_path):
    return make_local(tmp_path)


@pytest.fixture
def audit(tmp_path):
    return AuditLog(tmp_path / "audit.jsonl")


def test_blocked_dataset_is_not_published_and_names_the_first_problem(tmp_path, catalogue, audit):
    done = publish_dataset(
        catalogue, manifest(tmp_path), [outcome(tmp_path, valid=False)],
        standard_title="AED設置箇所一覧", audit=audit,
    )  # fmt: skip
    assert done.result is None
    assert done.blocked_reason.startswith("2 件のエラー: aed.csv 3行目 列「名称」: NUL 文字")
    with pytest.raises(DatasetNotFound):
        catalogue.get_dataset("kashiwa-aed")
    [entry] = audit.entries()
    assert (entry["action"], entry["dataset"], entry["reason"]) == (
        "blocked",
        "kashiwa-aed",
        done.blocked_reason,
    )


def test_blocked_dataset_leaves_a_published_one_unchanged(tmp_path, catalogue, audit):
    publish_dataset(
        catalogue, manifest(tmp_path), [outcome(tmp_path)], standard_title="AED", audit=audit
    )
    before = catalogue.get_dataset("kashiwa-aed"), catalogue.list_versions("kashiwa-aed")
    blocked = outcome(tmp_path, valid=False, rows="1,柏市役所\n2,沼南支所\n")
    publish_dataset(catalogue, manifest(tmp_path), [blocked], standard_title="AED", audit=audit)
    assert (catalogue.get_dataset("kashiwa-aed"), catalogue.list_versions("kashiwa-aed")) == before
    assert [e["action"] for e in audit.entries()] == ["publish", "blocked"]


def test_valid_dataset_is_published_and_audited_once_with_checksums(tmp_path, catalogue, audit):
    good = outcome(tmp_path)
    done = publish_dataset(
        catalogue, manifest(tmp_path), [good], standard_title="AED", audit=audit, actor="kenko-1"
    )
    assert (done.result.action, done.result.version, done.result.uploads) == ("create", 1, 2)
    record = catalogue.get_dataset("kashiwa-aed")
    assert sorted(r.key for r in record.resources) == ["csv", "geojson"]
    [entry] = audit.entries()
    assert (entry["action"], entry["actor"], entry["result"], entry["version"]) == (
        "publish",
        "kenko-1",
        "create",
        1,
    )
    assert entry["checksums"] == {r.key: r.sha256 for r in record.resources}
    again = publish_dataset(
        catalogue, manifest(tmp_path), [good], standard_title="AED", audit=audit
    )
    assert (again.result.action, again.result.uploads) == ("unchanged", 0)
    assert len(audit.entries()) == 2


def test_dry_run_writes_neither_catalogue_nor_audit(tmp_path, catalogue, audit):
    done = publish_dataset(
        catalogue, manifest(tmp_path), [outcome(tmp_path)], standard_title="AED", audit=audit,
        dry_run=True,
    )  # fmt: skip
    assert done.result.dry_run and done.result.action == "create"
    assert audit.entries() == []
    with pytest.raises(DatasetNotFound):
        catalogue.get_dataset("kashiwa-aed")


def test_audit_never_holds_a_token(tmp_path, catalogue, audit, monkeypatch):
    monkeypatch.setenv("TSUNAGU_CKAN_TOKEN", TOKEN)
    publish_dataset(
        catalogue, manifest(tmp_path), [outcome(tmp_path)], standard_title="AED", audit=audit
    )
    publish_dataset(
        catalogue, manifest(tmp_path), [outcome(tmp_path, valid=False)], standard_title="AED",
        audit=audit,
    )  # fmt: skip
    assert TOKEN not in audit.path.read_text(encoding="utf-8")


def test_cr_lf_in_titles_and_file_names_keep_one_audit_line_per_event(tmp_path, catalogue, audit):
    title = '柏市AED\r\n{"action": "publish"}'
    bad = outcome(tmp_path, valid=False)
    bad.draft.report.problems.insert(
        0, bad.draft.report.problems[0].__class__(
            "nul-byte", Severity.ERROR, Location(file="aed\r\n偽.csv", row=2)
        ),
    )  # fmt: skip
    publish_dataset(catalogue, manifest(tmp_path, title), [bad], standard_title="AED", audit=audit)
    publish_dataset(
        catalogue, manifest(tmp_path, title), [outcome(tmp_path)], standard_title="AED",
        audit=audit,
    )  # fmt: skip
    raw = audit.path.read_bytes()
    assert raw.count(b"\n") == 2 and b"\r" not in raw
    assert [e["action"] for e in audit.entries()] == ["blocked", "publish"]
    assert "aed\r\n偽.csv" in audit.entries()[0]["reason"]
    assert catalogue.get_dataset("kashiwa-aed").meta.title_ja == title


def test_two_publishes_of_one_dataset_on_one_host_take_turns(settings):
    """The per-dataset lock: the second publisher waits for the first and then sees its result."""
    import threading
    import time

    from tsunagu.services.publishing import dataset_lock

    order: list[str] = []

    def hold(name: str) -> None:
        with dataset_lock(settings, "kashiwa-aed"):
            order.append(f"{name}-in")
            time.sleep(0.2)
            order.append(f"{name}-out")

    first = threading.Thread(target=hold, args=("a",))
    first.start()
    time.sleep(0.05)
    second = threading.Thread(target=hold, args=("b",))
    second.start()
    first.join(5)
    second.join(5)
    assert order == ["a-in", "a-out", "b-in", "b-out"]


def test_audit_records_carry_the_quality_figures_and_the_upload_time(tmp_path, catalogue, audit):
    """What the EBPM indicators are computed from (tsunagu/indicators)."""
    blocked = outcome(tmp_path, valid=False)
    publish_dataset(catalogue, manifest(tmp_path), [blocked], standard_title="AED", audit=audit)
    publish_dataset(
        catalogue, manifest(tmp_path), [outcome(tmp_path)], standard_title="AED", audit=audit,
        received="2026-03-01T09:00:00+00:00",
    )  # fmt: skip
    first, second = audit.entries()
    assert first["quality"]["kashiwa-aed"]["problem_cells"] == 1  # row 3 名称; the file-level one
    assert first["quality"]["kashiwa-aed"]["problems"]["error"] == 2  # is not a cell
    assert (first["department"], first["standard"]) == ("kenko", "aed-installations")
    assert first["department_title"] == {"ja": "健康政策課", "en": "Health"}
    assert second["quality"]["kashiwa-aed"]["problem_cells"] == 0
    assert second["received"] == "2026-03-01T09:00:00+00:00"
