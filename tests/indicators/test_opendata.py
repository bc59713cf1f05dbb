"""The indicators as open data: the CSV matches its own Table Schema, carries the same figures
as the computed result, and is published to the catalogue like any dataset (idempotently)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

from openpyxl import load_workbook

from tsunagu.indicators.compute import compute
from tsunagu.indicators.gather import gather
from tsunagu.indicators.opendata import DATASET_ID, publish_indicators, rows, write_files
from tsunagu.indicators.tables import sections, write_xlsx

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def _ind(kashiwa):
    return compute(gather(kashiwa.settings, kashiwa.catalogue), now=NOW)


def _find(table, indicator, **about):
    return [
        r for r in table if r["indicator"] == indicator and all(r[k] == v for k, v in about.items())
    ]


def test_the_table_holds_the_computed_figures(kashiwa):
    table = rows(_ind(kashiwa))
    assert _find(table, "standards_published")[0]["value"] == 2
    assert _find(table, "problem_cell_share", dataset="aed")[0]["value"] == 0.01
    overdue = _find(table, "days_overdue", dataset="toilets")[0]
    assert (overdue["value"], overdue["status"], overdue["department"]) == (19, "overdue", "koen")
    cov = _find(table, "coverage", subject="cultural-properties")[0]
    assert (cov["status"], cov["department"], cov["value"]) == ("blocked", "bunka", 1)
    [by_file] = _find(table, "downloads_by_resource", dataset="aed", subject="csv")
    assert (by_file["value"], by_file["department"]) == (2, "kenko")
    assert _find(table, "api_requests_by_day", subject="2026-03-30")[0]["value"] == 9
    [api_day] = _find(table, "api_requests_by_dataset_day", dataset="aed")
    assert (api_day["subject"], api_day["value"], api_day["department"]) == (
        "2026-03-30",
        5,
        "kenko",
    )
    blocked = _find(table, "blocked_days", dataset="bunka-props")[0]
    assert (blocked["value"], blocked["status"]) == (11.0, "blocked")
    assert _find(table, "datasets_by_stars", subject="3")[0]["value"] == 3
    assert _find(table, "non_standard_datasets_by_stars", subject="3")[0]["value"] == 1
    by_version = _find(table, "problem_cell_share_by_version", dataset="aed")
    assert [(r["subject"], r["value"]) for r in by_version] == [("1", 0.05), ("2", 0.01)]
    assert all(r["period_start"] == "2026-03-02" and r["period_end"] == "2026-03-31" for r in table)


def test_files_validate_against_their_own_schema(kashiwa, tmp_path):
    paths = write_files(_ind(kashiwa), tmp_path / "out")  # raises when the CSV does not match
    with paths["csv"].open(encoding="utf-8") as fh:
        data = list(csv.DictReader(fh))
    schema = json.loads(paths["schema"].read_text(encoding="utf-8"))
    assert list(data[0]) == [f["name"] for f in schema["fields"]]
    assert len(data) == len(rows(_ind(kashiwa)))
    package = json.loads(paths["datapackage"].read_text(encoding="utf-8"))
    assert package["resources"][0]["schema"] == "indicators.schema.json"
    full = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert full["summary"]["standards_published"] == 2
    assert full["period"] == {"start": "2026-03-02", "end": "2026-03-31"}


def test_published_to_the_catalogue_and_unchanged_when_figures_are(kashiwa, tmp_path):
    ind = _ind(kashiwa)
    first = publish_indicators(
        kashiwa.catalogue, ind, tmp_path / "pub", municipality=("122173", "柏市")
    )
    assert first.action == "create"
    record = kashiwa.catalogue.get_dataset(DATASET_ID)
    assert {r.key for r in record.resources} == {"csv", "json", "schema", "datapackage"}
    assert record.meta.update_frequency == "daily" and record.meta.licence == "CC-BY-4.0"
    again = publish_indicators(
        kashiwa.catalogue, _ind(kashiwa), tmp_path / "pub", municipality=("122173", "柏市")
    )
    assert again.action == "unchanged"  # same figures, same files: nothing published
    # the platform's own dataset is never counted as one of the city's datasets
    after = _ind(kashiwa)
    assert DATASET_ID not in {f.dataset_id for f in after.freshness}
    assert after.summary == ind.summary


def test_workbook_has_a_sheet_per_section_and_the_long_table(kashiwa, tmp_path):
    ind = _ind(kashiwa)
    path = write_xlsx(ind, tmp_path / "report.xlsx", "en")
    wb = load_workbook(path)
    titles = [s.title for s in sections(ind, "en")]
    assert wb.sheetnames == [*titles, "indicators"]
    freshness = wb["Freshness"]
    assert freshness["A3"].value == "toilets" and freshness["G3"].value == 19
    assert wb["indicators"].max_row == len(rows(ind)) + 1
