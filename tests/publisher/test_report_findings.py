"""What the reports say, as a department reads them from ``tsunagu validate`` (a child process):
one problem per cell, counts that are counts of cells, no column the file does not have, and
the feature count of a GIS file in the terminal and the HTML report."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyogrio

from tests.publisher.test_other_cities import ROW, _deployment, _report, _run

ROOT = Path(__file__).resolve().parents[2]


def test_an_impossible_time_is_one_problem_with_the_specific_message(tmp_path):
    folder = _deployment(tmp_path, ROW.replace(",24:00,", ",25:00,"))
    code, report = _report(folder)
    assert code == 1
    cell = [g for g in report["groups"] if g["rows"] == [2] and g["severity"] != "info"]
    assert [(g["code"], g["column"], g["count"]) for g in cell] == [("time-invalid", "終了時間", 1)]
    # The generic "breaks this column's rule" still fires where nothing more specific was said.
    folder = _deployment(tmp_path / "b", ROW.replace(",24:00,", ",夕方,"))
    _, report = _report(folder)
    assert {g["code"] for g in report["groups"] if g["column"] == "終了時間"} == {
        "constraint-error"
    }


def test_a_generated_id_column_is_one_change_line_and_never_a_problem(tmp_path):
    folder = _deployment(tmp_path, ROW)
    _, report = _report(folder)
    header = (folder / "aed.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    named = {g["column"] for g in report["groups"]} | {
        p["location"].get("column") for p in report["problems"]
    }
    assert named - {None} <= set(header)  # the file has no ID column: no finding names one
    assert {
        "code": "id-generated",
        "cells": 1,
        "column": "ID",
        "fields": ["名称", "所在地_連結表記", "設置位置"],
    } in report["facts"]["filled_columns"]
    out = _run(folder, "validate", "dataset.yaml", "--details", "50").stdout
    assert out.count("Generated 1 IDs") == 1, out


def test_a_column_wide_finding_counts_every_cell_it_stands_for(tmp_path):
    padded = [ROW.replace("市役所本館", f"{name}\u3000") for name in ("本館", "別館", "分館")]
    folder = _deployment(tmp_path, ROW + "".join(padded))
    _, report = _report(folder)
    (group,) = [g for g in report["groups"] if g["code"] == "layout-spaces"]
    assert (group["column"], group["count"], group["rows"]) == ("名称", 3, [3, 4, 5])
    assert group["message"]["en"].startswith('aed.csv, row 3, column "名称": 3 cells')


def test_gis_files_show_their_feature_count_in_the_terminal_and_html(tmp_path):
    datasets = tmp_path / "datasets"
    shutil.copytree(ROOT / "datasets" / "kashiwa", datasets / "kashiwa")
    folder = datasets / "kashiwa" / "bousai" / "evacuation-sites-gis"
    features = len(pyogrio.read_dataframe(folder / "evacuation-sites.zip"))
    assert features > 1
    result = _run(folder, "validate", "dataset.yaml", "--report-html", "report.html")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"evacuation-sites-gis: number of features {features}" in result.stdout
    html = (folder / "report.html").read_text(encoding="utf-8")
    row = re.search(r"Features</span></th><td>(\d+)</td>", html)
    assert row is not None and int(row[1]) == features
    assert re.search(r"地物の数</span>", html)
