"""The CLI as a department uses it: exit codes, summaries, reports, publish twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tsunagu.cli import cli

ROOT = Path(__file__).resolve().parents[2]
AED = ROOT / "datasets" / "kashiwa" / "kenko" / "aed-installations"


@pytest.fixture
def run(tmp_path):
    runner = CliRunner(env={"COLUMNS": "250"})  # rich folds tables at the terminal width

    def _run(*args: str):
        return runner.invoke(
            cli, ["--data-dir", str(tmp_path / "instance"), *args], catch_exceptions=False
        )

    return _run


def test_schemas_lists_the_standards(run):
    result = run("schemas")
    assert result.exit_code == 0
    for slug in ("aed-installations", "public-toilets", "designated-evacuation-shelters"):
        assert slug in result.output


def test_validate_valid_manifest_exits_0_and_writes_reports(run, tmp_path):
    html = tmp_path / "r.html"
    result = run("validate", str(AED / "dataset.yaml"), "--report-html", str(html))
    assert result.exit_code == 0, result.output
    assert "公開可" in result.output and html.read_text(encoding="utf-8").startswith("<!")


def test_validate_invalid_file_exits_1_and_names_row_and_column(run, tmp_path):
    bad = tmp_path / "aed.csv"
    bad.write_text("名称,緯度,経度\n柏市役所,35.86,139.97\n沼南支所,135.9,35.8\n", encoding="utf-8")
    report = tmp_path / "r.json"
    result = run(
        "--lang",
        "en",
        "validate",
        str(bad),
        "--schema",
        "aed-installations",
        "--report-json",
        str(report),
    )
    assert result.exit_code == 1, result.output
    problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
    assert any(p["location"].get("row") == 3 for p in problems)


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.csv", b""), ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))],
)
def test_validate_unreadable_input_exits_2_with_the_file_name(run, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    result = run("validate", str(path), "--schema", "aed-installations")
    assert result.exit_code == 2
    assert name in result.output


def test_validate_folder_with_a_blocked_sample_exits_1(run):
    result = run("validate", str(ROOT / "datasets" / "kashiwa"))
    assert result.exit_code == 1
    assert "既知" in result.output  # the documented problem is labelled as such


def test_map_proposes_a_mapping_and_saves_it(run, tmp_path):
    manifest = tmp_path / "dataset.yaml"
    manifest.write_text("id: x\n", encoding="utf-8")
    source = next(p for p in AED.iterdir() if p.suffix == ".csv")
    result = run(
        "map", str(source), "--schema", "aed-installations", "--manifest", str(manifest), "--save"
    )
    assert result.exit_code == 0, result.output
    assert "名称" in manifest.read_text(encoding="utf-8")


def test_convert_writes_standard_outputs(run, tmp_path):
    out = tmp_path / "out"
    result = run("convert", str(AED / "dataset.yaml"), "--out", str(out))
    assert result.exit_code == 0, result.output
    folder = next(out.iterdir())
    assert {p.suffix for p in folder.iterdir()} >= {".csv", ".json", ".geojson", ".html"}


def test_publish_local_twice_second_is_unchanged_and_dry_run_changes_nothing(run):
    first = run("publish", str(AED))
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    second = run("publish", str(AED))
    assert "unchanged" in second.output and second.exit_code == 0
    dry = run("publish", str(AED), "--dry-run")
    assert dry.exit_code == 0 and "unchanged" in dry.output


def test_publish_folder_exits_1_when_a_dataset_is_blocked(run):
    result = run("publish", str(ROOT / "datasets" / "kashiwa"))
    assert result.exit_code == 1
    assert "blocked" in result.output


def test_publish_to_ckan_with_a_bad_token_fails_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setenv("TSUNAGU_CKAN_URL", "http://127.0.0.1:9")  # nothing listens there
    result = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path), "publish", "--catalogue", "ckan", str(AED)]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "work").exists()


def test_terminal_names_problems_by_title(tmp_path):
    """As a department runs it (a child process): each problem's kind in words, not its code
    (English: tests/validators/test_report_text.py)."""
    import os
    import subprocess
    import sys

    bad = tmp_path / "aed.csv"
    bad.write_text("名称,緯度,経度\n柏市役所,35.86,139.97\n沼南支所,135.9,35.8\n", encoding="utf-8")
    done = subprocess.run(  # our own CLI, fixed arguments
        [sys.executable, "-m", "tsunagu", "--data-dir", str(tmp_path / "instance"),
         "validate", str(bad), "--schema", "aed-installations"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "250"},
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[エラー] 必須項目の列がない — " in done.stdout
    assert "[error]" not in done.stdout
