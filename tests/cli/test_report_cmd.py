"""``tsunagu report`` as a user runs it: a child process over the Kashiwa samples published by
``tsunagu publish datasets/`` (the demo instance, copied so publishing here changes nothing
shared). The AED sample's quality figures are the ones its validation report gives: 570 cells,
20 of them with problems, 21 warnings, rules 1-10 and cas-outside-notes failed."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.webapp.browser_support import demo_data_dir
from tsunagu.catalogue import open_catalogue
from tsunagu.config import load_settings
from tsunagu.indicators.gather import usage_store
from tsunagu.indicators.opendata import TABLE_SCHEMA, check_csv

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> Path:
    data_dir, code, output = demo_data_dir(tmp_path_factory)
    assert code == 1, output  # the one documented blocked sample
    copy = tmp_path_factory.mktemp("report") / "instance"
    shutil.copytree(data_dir, copy)
    return copy


def tsunagu(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env["COLUMNS"] = "250"  # a wide terminal: no cell folded over lines
    return subprocess.run(
        [sys.executable, "-m", "tsunagu", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_prints_every_section(instance):
    done = tsunagu(instance, "report")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for title in ("主な数値", "整備状況", "鮮度", "品質", "利用", "対応の速さ"):
        assert title in out
    aed = next(
        line for line in out.splitlines() if "kashiwa-aed-installations" in line and "570" in line
    )
    assert "│ 20 " in aed and "0.0351" in aed and "1-10 cas-outside-notes" in aed
    props = next(line for line in out.splitlines() if line.startswith("│ 文化財一覧"))
    assert "公開停止中" in props and "文化課" in props


def test_report_writes_csv_and_xlsx_in_english(instance, tmp_path):
    table, book = tmp_path / "indicators.csv", tmp_path / "report.xlsx"
    done = tsunagu(instance, "--lang", "en", "report", "--csv", str(table), "--xlsx", str(book))
    assert done.returncode == 0, done.stderr
    assert "Coverage" in done.stdout and "Freshness" in done.stdout
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(TABLE_SCHEMA), encoding="utf-8")
    check_csv(table, schema)  # the CSV matches its own Table Schema
    with table.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    share = next(
        r for r in rows
        if r["indicator"] == "problem_cell_share" and r["dataset"] == "kashiwa-aed-installations"
    )  # fmt: skip
    assert (share["value"], share["department"]) == (str(round(20 / 570, 4)), "kenko")
    published = next(r for r in rows if r["indicator"] == "standards_published")
    assert published["value"] == "7"
    wb = load_workbook(book)
    assert wb.sheetnames == [
        "Key figures", "Coverage", "Openness (5 stars)", "Freshness", "Quality", "Use",
        "Downloads by resource", "Responsiveness", "indicators",
    ]  # fmt: skip
    assert wb["indicators"].max_row == len(rows) + 1


def test_report_shows_non_standard_openness_and_downloads_per_file(instance, tmp_path):
    """The samples' four non-standard datasets with their stars (the waste report is a PDF: ★),
    and downloads per resource from counters a served site would have written."""
    own = tmp_path / "instance"
    shutil.copytree(instance, own)
    today = datetime.now(UTC).date()  # the samples were published today: a period up to it
    day = {n: (today - timedelta(days=n)).isoformat() for n in (0, 1, 20)}
    settings = load_settings({"data_dir": own}, env={})
    usage_store(settings, open_catalogue(settings)).add({
        (day[1], "download", "kashiwa-aed-installations", "csv"): 3,
        (day[0], "download", "kashiwa-aed-installations", "geojson"): 2,
        (day[0], "download", "kashiwa-aed-installations", "csv"): 1,
        (day[20], "download", "kashiwa-aed-installations", "csv"): 50,  # before the period
    })  # fmt: skip
    done = tsunagu(own, "report", "--from", day[1], "--to", day[0])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    key = next(line for line in lines if "独自データセットの5つ星の段階" in line)
    assert "1: 1, 3: 3" in key
    non_standard = [line for line in lines if "│ 独自 " in line]
    assert len(non_standard) == 4
    assert any("kashiwa-waste-annual-report" in line and "│ ★ " in line for line in non_standard)
    files = done.stdout.split("ダウンロード（ファイル別）")[1]
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in files.splitlines()]
    assert [c for c in cells if c and c[0] == "kashiwa-aed-installations"] == [
        ["kashiwa-aed-installations", "csv", "4"],
        ["kashiwa-aed-installations", "geojson", "2"],
    ]


def test_report_publishes_the_indicators_as_a_dataset(instance):
    first = tsunagu(instance, "report", "--publish")
    assert first.returncode == 0, first.stderr
    assert "tsunagu-indicators: create (version 1)" in first.stdout
    again = tsunagu(instance, "report", "--publish")
    assert "tsunagu-indicators: unchanged" in again.stdout
    catalogue = open_catalogue(load_settings({"data_dir": instance}, env={}))
    record = catalogue.get_dataset("tsunagu-indicators")
    assert {r.key for r in record.resources} == {"csv", "json", "schema", "datapackage"}
    path, _info = catalogue.open_file("tsunagu-indicators", "csv")
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(f["name"] for f in TABLE_SCHEMA["fields"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("report", "--from", "2026-02-30"), "--from は 2026-04-01 のような日付"),
        (("report", "--from", "2026-03-05", "--to", "2026-03-01"), "期間の開始日"),
        (("report", "--department", "nowhere"), "部署「nowhere」はありません"),
        (("report", "--publish", "--department", "kenko"), "--publish は市全体"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(instance, args, words):
    done = tsunagu(instance, *args)
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr
