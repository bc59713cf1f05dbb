"""Annotation rows (#object_type_xsd …) under the header are skipped and reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tsunagu.formats.annotations import annotation_rows, drop_annotation_rows
from tsunagu.model import Report


def test_only_the_hash_block_directly_under_the_header_is_taken_out():
    table = pd.DataFrame(
        {"名称": ["#object_type_xsd", "#property_context", "柏市役所", "#1 の施設"],
         "住所": ["string", "Assertion", "柏市柏5-10-1", "柏市"]},
        index=[2, 3, 4, 5],
    )  # fmt: skip
    assert annotation_rows(table) == [2, 3]
    report = Report()
    out = drop_annotation_rows(table, report, "a.csv")
    assert list(out.index) == [4, 5]  # a later "#1 の施設" is data
    (problem,) = report.problems
    assert (problem.code, problem.location.row, problem.params["rows"]) == (
        "annotation-rows-skipped", 2, [2, 3],
    )  # fmt: skip


def test_cli_does_not_publish_annotation_rows(tmp_path):
    text = (
        "名称,名称_カナ,住所,設置位置\n"
        "#object_type_xsd,#string,#string,#string\n"
        "#property_context,Assertion,Assertion,Assertion\n"
        "市役所,シヤクショ,静岡県焼津市本町2-16-32,2階\n"
    )
    (tmp_path / "aed.csv").write_text(text, encoding="utf-8")
    tsunagu = [str(Path(sys.executable).with_name("tsunagu"))]
    result = subprocess.run(
        [*tsunagu, "--lang", "en", "convert", "aed.csv", "--schema", "aed-installations",
         "--layout", "suisho2020", "--out", "out"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    published = next((tmp_path / "out").rglob("aed.csv")).read_text(encoding="utf-8")
    assert "Assertion" not in published and "#object_type_xsd" not in published
    assert "市役所" in published
    report = json.loads(next((tmp_path / "out").rglob("report.json")).read_text("utf-8"))
    assert any(g["code"] == "annotation-rows-skipped" for g in report["groups"])
