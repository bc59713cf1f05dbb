"""The validation report for the terminal: a summary table and the first few problems.

The CLI shows this after ``tsunagu validate``; the full list lives in the JSON/HTML/.xlsx files.
Cell values reach the terminal inside messages, so control characters (ANSI escapes that could
clear the screen or fake output, bidi overrides) are shown as visible escapes, and the rich
table holds :class:`rich.text.Text` cells, so a ``[bold]`` in the data is not read as markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from tsunagu.messages import render, title
from tsunagu.validators.report_json import (
    SEVERITY_ORDER,
    default_title,
    severity_label,
    severity_totals,
    sorted_problems,
    summary_rows,
    verdict,
    verdict_text,
)

if TYPE_CHECKING:
    from tsunagu.model import Draft

# C0/C1 controls and DEL, plus bidi embeddings/overrides/isolates ("Trojan Source").
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_VERDICT_STYLE = {
    "blocked": "bold white on red",
    "warnings": "bold black on yellow",
    "ok": "bold green",
}


def printable(text: str) -> str:
    """``text`` with control characters made visible (``\\x1b``), safe to print to a terminal."""
    return _UNPRINTABLE.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def counts_line(draft: Draft, lang: str = "ja") -> str:
    """``"公開禁止 0 件、エラー 3 件、警告 1 件、情報 0 件"``."""
    return render("report-counts", lang, **severity_totals(draft.report))


def summary_table(draft: Draft, lang: str = "ja") -> Table:
    """Verdict, the file's facts and the count per severity, as a two-column rich table."""
    report = draft.report
    table = Table(title=Text(printable(default_title(draft))), show_header=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    status = verdict(report)
    label = "判定" if lang == "ja" else "Verdict"
    table.add_row(Text(label), Text(verdict_text(report, lang), style=_VERDICT_STYLE[status]))
    for ja, en, value in summary_rows(draft):
        table.add_row(Text(ja if lang == "ja" else en), Text(printable(str(value))))
    totals = severity_totals(report)
    for sev in SEVERITY_ORDER:
        table.add_row(Text(severity_label(sev, lang)), Text(str(totals[sev.value])))
    return table


def problem_lines(draft: Draft, limit: int = 20, lang: str = "ja") -> list[str]:
    """Plain lines: the verdict, the counts, then the ``limit`` most severe problems, each
    named by its title (``[エラー] 存在しない日付 — aed.csv 3行目 …``), never by its raw code.

    Lines are plain text (no rich markup), so print them with ``markup=False`` or ``click.echo``.
    """
    report = draft.report
    problems = sorted_problems(report)
    lines = [verdict_text(report, lang), counts_line(draft, lang)]
    for problem in problems[: max(0, limit)]:
        tag = severity_label(problem.severity, lang)
        name = title(problem.code, lang)
        lines.append(printable(f"[{tag}] {name} — {problem.message(lang)}"))
    shown = min(len(problems), max(0, limit))
    if len(problems) > shown:
        lines.append(render("report-more-problems", lang, more=len(problems) - shown, shown=shown))
    return lines
