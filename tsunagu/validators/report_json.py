"""The validation report as one JSON document, and the facts every other rendering shares.

The JSON file is the complete record (every problem, no cap), so the HTML page and the terminal
may shorten their listings and point here. The helpers below (verdict, totals, the cell value a
problem is about, machine-readability rule titles) are what the HTML, .xlsx and terminal
renderings build on, so the four never disagree about a count or a verdict.
"""

from __future__ import annotations

import importlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tsunagu import __version__
from tsunagu.errors import Location, Problem, Severity
from tsunagu.messages import render, render_location

if TYPE_CHECKING:
    from tsunagu.model import Draft, Report

#: Most severe first: the order in which every rendering lists problems.
SEVERITY_ORDER = (Severity.BLOCK, Severity.ERROR, Severity.WARNING, Severity.INFO)


@dataclass(frozen=True)
class RuleBook:
    """Machine-readability rule ids and titles, from ``tsunagu.validators.rules`` when present."""

    titles: dict[str, dict[str, str]] = field(default_factory=dict)
    for_code: dict[str, str] = field(default_factory=dict)

    def rule_for(self, problem: Problem) -> str | None:
        """The rule a problem breaks: mapped from its code, else its own ``rule`` if known."""
        rule = self.for_code.get(problem.code)
        if rule is None and problem.rule in self.titles:
            rule = problem.rule
        return rule

    def title(self, rule: str | None, lang: str) -> str | None:
        texts = self.titles.get(rule or "")
        return (texts.get(lang) or texts.get("en")) if texts else None

    def label(self, problem: Problem, lang: str) -> str:
        """``"1-1 Excel の表を機械判読可能にする"``, or the raw rule id (a Frictionless type)."""
        rule = self.rule_for(problem)
        if rule is None:
            return problem.rule or ""
        title = self.title(rule, lang)
        return f"{rule} {title}" if title else rule


def load_rules() -> RuleBook:
    """Read the rule catalogue once per rendering; reports work without it (another room's
    module, which may not be installed yet)."""
    try:
        rules = importlib.import_module("tsunagu.validators.rules")
    except ImportError:
        return RuleBook()
    return RuleBook(dict(getattr(rules, "RULES", {})), dict(getattr(rules, "RULE_FOR_CODE", {})))


def severity_totals(report: Report) -> dict[str, int]:
    """Count per severity, every severity present (0 included), most severe first."""
    counts = Counter(p.severity for p in report.problems)
    return {sev.value: counts[sev] for sev in SEVERITY_ORDER}


def code_totals(report: Report) -> dict[str, int]:
    """Count per problem code, sorted by code so the document is stable."""
    return dict(sorted(Counter(p.code for p in report.problems).items()))


def verdict(report: Report, totals: dict[str, int] | None = None) -> str:
    """``"blocked"`` (errors to fix), ``"warnings"`` (publishable, check them) or ``"ok"``.

    From the severity counts (``Report.valid`` is "no error or block"), one pass over the
    problems; ``totals`` when the caller has them already (a pass is seconds at 1M problems).
    """
    totals = totals or severity_totals(report)
    if any(totals[sev.value] for sev in SEVERITY_ORDER if sev.blocks_publishing):
        return "blocked"
    return "warnings" if totals["warning"] else "ok"


def verdict_text(report: Report, lang: str = "ja", totals: dict[str, int] | None = None) -> str:
    totals = totals or severity_totals(report)
    errors = totals["error"] + totals["block"]
    return render(
        f"report-verdict-{verdict(report, totals)}",
        lang,
        errors=errors,
        warnings=totals["warning"],
    )


def severity_label(severity: Severity, lang: str = "ja") -> str:
    return render(f"report-severity-{severity.value}", lang)


def sorted_problems(report: Report) -> list[Problem]:
    """Most severe first, then by row (file-level problems first), keeping the found order."""
    return sorted(
        report.problems,
        key=lambda p: (-p.severity.rank, p.location.row is not None, p.location.row or 0),
    )


def cell_value(draft: Draft, problem: Problem) -> str | None:
    """The text of the cell a problem is about: ``params["cell"]`` or ``raw_table[row, column]``.

    A ``block`` problem (personal data) shows only what its check chose to put in ``cell``
    (usually masked), never the raw cell, so a report never reprints a マイナンバー.
    """
    if "cell" in problem.params:
        value = problem.params["cell"]
        return "" if value is None else str(value)
    if problem.severity is Severity.BLOCK:
        return None
    table, loc = draft.raw_table, problem.location
    if table is None or loc.row is None or not loc.column:
        return None
    col = column_position(draft, loc.column)
    row = first_position(table.index, loc.row)
    if col is None or row is None:
        return None
    return cell_text(table.iat[row, col])


def column_position(draft: Draft, column: str) -> int | None:
    """Position of a column in ``raw_table`` by the header as written (or its standard name)."""
    columns = draft.raw_table.columns
    for name in (column, draft.column_origin.get(column)):
        if name is not None and name in columns:
            return first_position(columns, name)
    return None


def first_position(index: Any, key: Any) -> int | None:
    """Position of ``key`` in a pandas Index, the first one if the key is repeated."""
    try:
        found = index.get_loc(key)
    except (KeyError, TypeError):
        return None
    if isinstance(found, int):
        return found
    if isinstance(found, slice):
        return found.start
    return int(found.argmax())


def cell_text(value: Any) -> str:
    """A cell as text: readers give ``str``; a stray NaN/None/number is shown, never crashes."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def source_info(draft: Draft) -> dict[str, Any]:
    source, facts = draft.source, draft.report.facts
    return {
        "file": source.name,
        "format": source.format or facts.get("format"),
        "encoding": facts.get("encoding") or source.encoding,
        "sheet": source.sheet,
        "header_row": facts.get("header_row") or source.header_row,
        "size": source.size,
        "sha256": source.sha256,
    }


def summary_rows(draft: Draft) -> list[tuple[str, str, Any]]:
    """(ja label, en label, value) rows for the summary table; unknown facts are left out."""
    info, facts, table = source_info(draft), draft.report.facts, draft.raw_table
    rows = facts.get("rows", len(table) if table is not None else None)
    columns = facts.get("columns", table.shape[1] if table is not None else None)
    if isinstance(columns, list | tuple):
        columns = len(columns)
    entries = [
        ("ファイル", "File", info["file"]),
        ("形式", "Format", info["format"]),
        ("文字コード", "Encoding found", info["encoding"]),
        ("シート", "Sheet", info["sheet"]),
        ("見出しの行", "Header row", info["header_row"]),
        ("データの行数", "Rows", rows),
        ("地物の数", "Features", facts.get("features")),  # GIS files only
        ("列数", "Columns", columns),
        ("標準データセット", "Standard schema", draft.schema or facts.get("schema")),
        ("SHA-256", "SHA-256", info["sha256"]),
    ]
    return [entry for entry in entries if entry[2] not in (None, "")]


def where_text(loc: Location, lang: str) -> str:
    """The row number, or the feature / byte / sheet for problems that have no row."""
    if loc.row is not None:
        return str(loc.row)
    rest = Location(sheet=loc.sheet, feature=loc.feature, byte_offset=loc.byte_offset)
    return render_location(rest, lang) or "—"


def default_title(draft: Draft) -> str:
    return f"検証結果 / Validation report: {draft.source.name}"


def report_document(
    draft: Draft, *, title: str | None = None, generated_at: datetime | None = None
) -> dict[str, Any]:
    """Everything the report knows, as plain JSON-able data.

    Every problem is counted in ``groups`` (code × column × kind, with the first rows); the
    first few of each group are listed in full under ``problems`` (``problems_total`` says how
    many there are), so the size follows the kinds of problems, not the rows of the file.

    Without ``generated_at`` the document is a function of the draft alone, so re-checking an
    unchanged file gives a byte-identical report and re-publishing it uploads nothing.
    """
    report, rules = draft.report, load_rules()
    totals = severity_totals(report)
    doc: dict[str, Any] = {
        "title": title or default_title(draft),
        "tool": {"name": "tsunagu", "version": __version__},
        "source": source_info(draft),
        "schema": draft.schema or report.facts.get("schema"),
        "verdict": {
            "status": verdict(report, totals),
            **{lang: verdict_text(report, lang, totals) for lang in ("ja", "en")},
        },
        "totals": {"severity": totals, "code": code_totals(report)},
    }
    from tsunagu.validators.grouping import cap_frictionless, group_problems

    groups, listed = group_problems(report.problems)
    problems = [report.problems[i] for i in listed]
    doc.update(_listed_dict(report, problems, totals))
    if generated_at is not None:
        doc["generated_at"] = generated_at.astimezone(UTC).isoformat(timespec="seconds")
    doc["groups"] = groups
    doc["problems_total"] = len(report.problems)
    doc["frictionless"] = cap_frictionless(doc.get("frictionless"))
    for problem, entry in zip(problems, doc["problems"], strict=True):
        value = cell_value(draft, problem)
        if value is not None:
            entry["value"] = value
        rule = rules.rule_for(problem)
        if rule is not None:
            entry["readability_rule"] = {
                "id": rule,
                "title": {lang: rules.title(rule, lang) for lang in ("ja", "en")},
            }
    return doc


def _listed_dict(report: Report, problems: list[Problem], totals: dict[str, int]) -> dict[str, Any]:
    """``report.to_dict()`` with only ``problems`` rendered: the document lists the first few
    of each group, and rendering all (two messages each) took minutes at 1M problems."""
    from dataclasses import replace

    return {
        **replace(report, problems=problems).to_dict(),
        "valid": verdict(report, totals) != "blocked",
        "summary": {sev.value: totals[sev.value] for sev in Severity},
    }


def write_json(draft: Draft, path: Path, *, title: str | None = None) -> Path:
    """Write the report as UTF-8 JSON (keys sorted, so two runs differ only where data does).

    Written beside the target and renamed into place, so a reader never sees half a report.
    """
    text = json.dumps(
        report_document(draft, title=title),
        ensure_ascii=False,
        indent=2,
        sort_keys=True,
        default=_json_default,
    )
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _json_default(value: Any) -> Any:
    """Facts may hold numpy numbers, paths or dates; keep numbers numbers, the rest as text."""
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)
