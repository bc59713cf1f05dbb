"""The quality figures of one validated file, small enough to keep in the audit log.

The EBPM indicators (:mod:`tsunagu.indicators`) are computed from recorded facts only; the full
report is a published file, but the audit log keeps, for every publish and every blocked
attempt, these few numbers: how many cells the table had, how many distinct cells carry a
problem (warning or worse), the problems by severity, and which machine-readability rules the
file passed and failed. Rules that no check of Tsunagu tests are neither passed nor failed.
"""

from __future__ import annotations

from typing import Any

from tsunagu.errors import Severity
from tsunagu.model import Report
from tsunagu.validators.rules import RULE_FOR_CODE, RULES

#: machine-readability rules some check of ours actually tests (the others are not judged)
CHECKED_RULES = tuple(rule for rule in RULES if rule in set(RULE_FOR_CODE.values()))


def table_cells(table: Any) -> int:
    """Rows × attribute columns of a draft table (a GIS geometry column is not a cell)."""
    if table is None:
        return 0
    columns = [c for c in getattr(table, "columns", []) if c != "geometry"]
    return len(table) * len(columns)


def quality_facts(report: Report, table: Any) -> dict[str, Any]:
    """``{cells, problem_cells, problems: {severity: n}, rules_passed, rules_failed}``."""
    cells = table_cells(table)
    marked = {
        (p.location.row, p.location.column)
        for p in report.problems
        if p.severity.rank >= Severity.WARNING.rank
        and p.location.row is not None
        and p.location.column is not None
    }
    failed = sorted({p.rule for p in report.problems if p.rule in CHECKED_RULES}, key=_rule_order)
    return {
        "cells": cells,
        "problem_cells": min(len(marked), cells) if cells else len(marked),
        "problems": {sev.value: len(report.by_severity(sev)) for sev in Severity},
        "rules_passed": [r for r in CHECKED_RULES if r not in failed],
        "rules_failed": failed,
    }


def _rule_order(rule: str | None) -> int:
    return list(RULES).index(rule) if rule in RULES else len(RULES)
