"""Problems a person can read at any size: one blank required column is one error, and the
report lists groups (code × column × kind of value) with a count and the first rows.

A department's file with a wave-dash note on every row, or a required column left blank in
every row, produces thousands of identical findings. The report keeps every one counted (the
.xlsx still highlights every cell), but lists them by group with the first rows, so a 45 KB
file never yields megabytes of JSON and a million-row file stays a few megabytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tsunagu.errors import Location, Problem, Severity

if TYPE_CHECKING:
    from tsunagu.model import Draft

FIRST_ROWS = 20  # rows listed per group
LISTED_PER_GROUP = 5  # full problem records kept per group in report.json
FRICTIONLESS_ERRORS = 20  # raw Frictionless errors kept per task in report.json


def _is_blank_required(problem: Problem, column: str, header: str) -> bool:
    return (
        problem.code == "constraint-error"
        and problem.params.get("constraint") == "required"
        and problem.location.column in (column, header)
    )


def settle_blank_required(draft: Draft, required: Iterable[str]) -> None:
    """Replace per-row "required" errors of a wholly blank required column by one error.

    When the column does not exist at all, ``required-column-missing`` already says so; the
    per-row errors add nothing. When it exists but every cell is blank, one
    ``required-column-blank`` error says how to fix it (map a column, set a constant, fill it).
    """
    table, report = draft.table, draft.report
    if table is None or not len(table):
        return
    missing = {p.location.column for p in report.problems if p.code == "required-column-missing"}
    for column in required:
        if column not in table.columns:
            continue
        cells = table[column]
        if not bool((cells.isna() | (cells.astype(str).str.strip() == "")).all()):
            continue
        header = draft.column_origin.get(column, column)
        kept = [p for p in report.problems if not _is_blank_required(p, column, header)]
        if len(kept) == len(report.problems):
            continue  # the validator did not flag it (nothing to group)
        report.problems[:] = kept
        if column in missing or header in missing:
            continue
        report.problems.append(
            Problem(
                code="required-column-blank",
                severity=Severity.ERROR,
                location=Location(file=draft.source.name, sheet=draft.source.sheet, column=header),
                params={"count": len(table), "field": column},
            )
        )


#: The validator's generic findings about one cell's value. A cell that normalisation already
#: reported as an error (``time-invalid`` for 25:00, ``date-invalid`` for 2月30日) says more than
#: "breaks this column's rule", so the generic finding for the same cell is left out.
GENERIC_CELL_CODES = frozenset({"type-error", "constraint-error"})


def _cell(problem: Problem) -> tuple[object, ...] | None:
    loc = problem.location
    where = loc.row if loc.row is not None else loc.feature
    if where is None or loc.column is None:
        return None
    return (loc.file, loc.sheet, where, loc.column)


def settle_explained_cells(problems: list[Problem], first_new: int) -> None:
    """One problem per cell: drop validator findings (from ``first_new`` on) about a cell an
    earlier error already explains. Only generic type/constraint findings go; a check with its
    own meaning (a check digit, personal data) is kept."""
    explained = {
        cell
        for p in problems[:first_new]
        if p.severity is Severity.ERROR and (cell := _cell(p)) is not None
    }
    if not explained:
        return
    problems[first_new:] = [
        p
        for p in problems[first_new:]
        if p.code not in GENERIC_CELL_CODES or _cell(p) not in explained
    ]


def cells_of(problem: Problem) -> tuple[int, list[int | str]]:
    """(cells, first rows) a problem stands for. A column-wide finding (a check that sums up a
    column: ``{"count": 13, "rows": [6, 9, …]}``) stands for all its cells, so a group's count
    is the number of cells, not the number of findings."""
    params = problem.params
    count, rows = params.get("count"), params.get("rows")
    if isinstance(count, int) and isinstance(rows, list) and len(rows) <= count:
        return count, [r for r in rows if isinstance(r, int)]
    where = _where(problem)
    return 1, [] if where is None else [where]


def _kind(problem: Problem) -> str:
    params = problem.params
    for key in ("kind", "constraint", "field_type", "char", "type"):
        if params.get(key) not in (None, ""):
            return str(params[key])
    return ""


def group_key(problem: Problem) -> tuple[str, str, str, str]:
    return (problem.code, problem.severity.value, problem.location.column or "", _kind(problem))


def _where(problem: Problem) -> int | str | None:
    loc = problem.location
    return loc.row if loc.row is not None else loc.feature


def group_problems(problems: list[Problem]) -> tuple[list[dict[str, Any]], list[int]]:
    """(groups in first-seen order, positions of the problems listed in full).

    Each group: code, severity, column, kind, count, first rows (or features), and the message
    of its first problem in both languages.
    """
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    listed: list[int] = []
    findings: dict[tuple[str, str, str, str], int] = {}
    # A reader's 100k trap cells share one ``params`` record: their group key and whether they
    # stand for a column are worked out once per record, not once per cell (issue 17).
    known: dict[int, tuple[str, Severity, str | None, tuple[str, str, str, str], bool]] = {}
    for position, problem in enumerate(problems):
        params, column = problem.params, problem.location.column
        entry = known.get(id(params))  # the problems hold their params: ids stay unique
        if (
            entry is None
            or entry[0] != problem.code
            or entry[1] is not problem.severity
            or entry[2] != column
        ):
            count, rows = params.get("count"), params.get("rows")
            whole = isinstance(count, int) and isinstance(rows, list) and len(rows) <= count
            entry = (problem.code, problem.severity, column, group_key(problem), whole)
            known[id(params)] = entry
        key, whole = entry[3], entry[4]
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "code": problem.code,
                "severity": problem.severity.value,
                "column": problem.location.column,
                "kind": key[3] or None,
                "count": 0,
                "rows": [],
                "message": {lang: problem.message(lang) for lang in ("ja", "en")},
            }
        found = findings[key] = findings.get(key, 0) + 1
        if found <= LISTED_PER_GROUP:
            listed.append(position)
        first = group["rows"]
        if whole:
            cells, rows = cells_of(problem)
            group["count"] += cells
            first.extend(rows[: FIRST_ROWS - len(first)])
            continue
        group["count"] += 1
        if len(first) < FIRST_ROWS and (where := _where(problem)) is not None:
            first.append(where)
    return list(groups.values()), listed


def cap_frictionless(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """Frictionless' own report with each task's error list cut to the first few (counts kept)."""
    if not raw:
        return raw
    out = dict(raw)
    tasks = []
    for task in raw.get("tasks") or []:
        errors = task.get("errors") or []
        if len(errors) > FRICTIONLESS_ERRORS:
            task = {**task, "errors": errors[:FRICTIONLESS_ERRORS]}
            task["errors_omitted"] = len(errors) - FRICTIONLESS_ERRORS
        tasks.append(task)
    if "tasks" in raw:
        out["tasks"] = tasks
    return out
