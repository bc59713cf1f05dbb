"""The validation report as one self-contained HTML page a department can open and read.

One file, inline CSS, no script and no external asset: it is mailed, attached to tickets and
opened offline on a phone. Every value that comes from the data goes through Jinja2 with
autoescaping on, so a cell such as ``<img src=x onerror=…>`` is shown as text. Listings are
capped per code (and in total) so a file with 100,000 bad cells still gives a small page; the
JSON and .xlsx reports carry every problem.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from tsunagu import __version__
from tsunagu.errors import Problem
from tsunagu.messages import render, title
from tsunagu.validators.grouping import cells_of
from tsunagu.validators.report_json import (
    SEVERITY_ORDER,
    RuleBook,
    cell_value,
    default_title,
    load_rules,
    severity_label,
    severity_totals,
    summary_rows,
    verdict,
    verdict_text,
    where_text,
)

if TYPE_CHECKING:
    from tsunagu.model import Draft

#: A cell longer than this is cut in the listing (the .xlsx copy keeps it whole).
VALUE_PREVIEW_CHARS = 200


@cache
def _environment() -> Environment:
    """Built on first use, not at import (house style: no work at import time)."""
    return Environment(
        loader=PackageLoader("tsunagu.validators", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(
    draft: Draft,
    *,
    title: str | None = None,
    lang_primary: str = "ja",
    max_rows_per_code: int = 2000,
    max_rows_total: int = 10000,
    generated_at: datetime | None = None,
) -> str:
    """The report page; Japanese first with English below in smaller type (or the reverse)."""
    langs = (lang_primary, "en" if lang_primary == "ja" else "ja")
    report = draft.report
    totals = severity_totals(report)
    context = {
        "lang": lang_primary,
        "second": langs[1],
        "title": title or default_title(draft),
        "status": verdict(report, totals),
        "verdict": [verdict_text(report, lang, totals) for lang in langs],
        "summary": summary_rows(draft),
        "totals": [
            (sev.value, [severity_label(sev, lang) for lang in langs], n)
            for sev, n in zip(SEVERITY_ORDER, totals.values(), strict=True)
        ],
        "changes": [
            [render(code, lang, count=n) for lang in langs]
            for code, n in sorted(report.changes.items())
        ],
        "groups": _groups(draft, langs, max_rows_per_code, max_rows_total),
        "generated_at": generated_at.astimezone(UTC).isoformat(timespec="seconds")
        if generated_at
        else None,
        "version": __version__,
    }
    return _environment().get_template("report.html").render(context)


def write_html(draft: Draft, path: Path, *, title: str | None = None) -> Path:
    """Write the page as UTF-8, renamed into place so a half-written page is never served."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(render_html(draft, title=title), encoding="utf-8")
    os.replace(tmp, path)
    return path


def _groups(
    draft: Draft, langs: tuple[str, str], per_code: int, total: int
) -> list[dict[str, Any]]:
    """Problems grouped by severity (most severe first), then by code (most frequent first)."""
    by_severity: dict[Any, dict[str, list[Problem]]] = defaultdict(lambda: defaultdict(list))
    for problem in draft.report.problems:
        by_severity[problem.severity][problem.code].append(problem)
    rules, budget, groups = load_rules(), total, []
    for severity in SEVERITY_ORDER:
        codes = by_severity.get(severity)
        if not codes:
            continue
        entries = []
        for code, problems in sorted(codes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            shown = max(0, min(per_code, budget))
            budget -= shown
            entries.append(_code_group(draft, code, problems, shown, langs, rules))
        groups.append(
            {
                "severity": severity.value,
                "label": [severity_label(severity, lang) for lang in langs],
                "count": sum(e["count"] for e in entries),
                "codes": entries,
            }
        )
    return groups


def _code_group(
    draft: Draft,
    code: str,
    problems: list[Problem],
    shown: int,
    langs: tuple[str, str],
    rules: RuleBook,
) -> dict[str, Any]:
    listed = sorted(problems, key=lambda p: (p.location.row is not None, p.location.row or 0))
    more = len(problems) - min(shown, len(problems))
    return {
        "code": code,
        "title": [title(code, lang) for lang in langs],
        "count": sum(cells_of(p)[0] for p in problems),  # a column-wide finding counts its cells
        "rows": [_row(draft, p, langs, rules) for p in listed[:shown]],
        "more": [render("report-more-problems", lang, more=more, shown=shown) for lang in langs]
        if more
        else None,
    }


def _row(draft: Draft, problem: Problem, langs: tuple[str, str], rules: RuleBook) -> dict:
    loc = problem.location
    value = cell_value(draft, problem)
    if value is not None and len(value) > VALUE_PREVIEW_CHARS:
        value = value[:VALUE_PREVIEW_CHARS] + "…"
    return {
        "where": where_text(loc, langs[0]),
        "column": loc.column or "",
        "value": value,
        "text": [render(problem.code, lang, **problem.params) for lang in langs],
        "rule": [rules.label(problem, lang) for lang in langs],
    }
