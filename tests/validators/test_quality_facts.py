"""The quality figures kept in the audit log for the EBPM indicators."""

from __future__ import annotations

import pandas as pd

from tsunagu.errors import Location, Severity
from tsunagu.model import Report
from tsunagu.validators.quality_facts import CHECKED_RULES, quality_facts, table_cells


def test_distinct_problem_cells_rules_and_severities():
    table = pd.DataFrame({"名称": ["a", "b", "c"], "電話番号": ["1", "2", "3"]})
    report = Report()
    report.add("type-error", Severity.ERROR, Location(row=2, column="電話番号"))
    report.add("number-with-unit", Severity.WARNING, Location(row=2, column="電話番号"),
               rule="1-3")  # fmt: skip  # the same cell twice: one cell
    report.add("platform-dependent-char", Severity.WARNING, Location(row=4, column="名称"),
               rule="1-10")  # fmt: skip
    report.add("phone-normalised", Severity.INFO, Location(row=3, column="電話番号"))  # info
    report.add("title-rows", Severity.WARNING, Location(file="x.csv"), rule="cas-outside-notes")
    facts = quality_facts(report, table)
    assert (facts["cells"], facts["problem_cells"]) == (6, 2)
    assert facts["problems"] == {"info": 1, "warning": 3, "error": 1, "block": 0}
    assert facts["rules_failed"] == ["1-3", "1-10", "cas-outside-notes"]
    assert facts["rules_passed"] == ["1-2", "1-4", "1-5", "1-7", "cas-hidden"]
    assert set(facts["rules_passed"]) | set(facts["rules_failed"]) == set(CHECKED_RULES)


def test_no_table_and_gis_tables():
    assert table_cells(None) == 0
    gis = pd.DataFrame({"名称": ["a", "b"], "geometry": [None, None]})
    assert table_cells(gis) == 2  # the geometry column is not a cell
    facts = quality_facts(Report(), None)
    assert (facts["cells"], facts["problem_cells"], facts["rules_failed"]) == (0, 0, [])
