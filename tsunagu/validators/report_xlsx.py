"""The department's own table back as .xlsx, with every problem cell coloured and commented.

Departments work in Excel, so the most useful report is their table, in their row order under
their headers, with the bad cells marked where they are: red for errors, yellow for warnings,
blue for notes, and the Japanese (and English) explanation in a comment. A second sheet lists
every problem with filters; a third sums up.

The workbook is written in openpyxl's write-only mode, so a 100,000-row table streams to disk
and only the marked cells carry styles. Every text cell goes through
:func:`~tsunagu.formats.spreadsheet_safety.excel_text`, so department text never becomes a
formula (no ``<f>`` element in the file, ASVS V1.2.10).
"""

from __future__ import annotations

import os
import unicodedata
from collections import defaultdict
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tsunagu.errors import Problem, Severity
from tsunagu.formats.spreadsheet_safety import excel_text
from tsunagu.messages import render, title
from tsunagu.validators.report_json import (
    SEVERITY_ORDER,
    RuleBook,
    cell_text,
    cell_value,
    code_totals,
    column_position,
    default_title,
    load_rules,
    severity_label,
    severity_totals,
    sorted_problems,
    summary_rows,
    verdict_text,
    where_text,
)

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from tsunagu.model import Draft

#: Cell fill (ARGB without alpha) per severity: red, red, yellow, blue, as Excel's own styles.
FILL_COLOURS = {
    Severity.BLOCK: "FFC7CE",
    Severity.ERROR: "FFC7CE",
    Severity.WARNING: "FFEB9C",
    Severity.INFO: "DDEBF7",
}
# Excel forbids / in sheet names, so the bilingual names use brackets.
DATA_SHEET = "データ (Data)"
PROBLEMS_SHEET = "エラー一覧 (Problems)"
SUMMARY_SHEET = "概要 (Summary)"
ROW_HEADER = "行番号 / row"
PROBLEM_HEADERS = (
    "重要度 / severity",
    "行 / row",
    "列 / column",
    "値 / value",
    "コード / code",
    "規則 / rule",
    "内容（日本語）",
    "message (English)",
)
EXCEL_MAX_ROWS = 1_048_576
HEADER = "header"  # mark key for the header row
WIDTH_SAMPLE_ROWS = 200
MAX_COMMENTS = 10_000


def write_annotated_xlsx(draft: Draft, path: Path, *, max_comments: int = MAX_COMMENTS) -> Path:
    """Write the annotated workbook to ``path`` (renamed into place once complete)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    rules = load_rules()
    notes = _write_data_sheet(wb, draft, rules, max_comments)
    notes += _write_problems_sheet(wb, draft, rules)
    _write_summary_sheet(wb, draft, notes)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    os.replace(tmp, path)
    return path


def _text(value: Any) -> str:
    """Every string cell: neutralized, XML-legal; a bare number literal stays readable."""
    return excel_text(cell_text(value), numeric=True)


def _styled(ws: WriteOnlyWorksheet, value: Any, severity: Severity | None) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import PatternFill

    cell = WriteOnlyCell(ws, value=_text(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"
    if severity is not None:
        cell.fill = PatternFill("solid", fgColor=FILL_COLOURS[severity])
    return cell


def _bold_header(ws: WriteOnlyWorksheet, names: list[str]) -> list[Any]:
    from openpyxl.styles import Font

    cells = [_styled(ws, name, None) for name in names]
    for cell in cells:
        cell.font = Font(bold=True)
    return cells


def _cell_marks(draft: Draft) -> dict[Any, dict[int, list[Problem]]]:
    """{row number or HEADER: {column position (-1 = the row-number column): problems}}.

    A problem with a row and a column marks that cell; a row-level one marks the row number;
    a column-level one marks the header. Problems on rows not in the table mark nothing here
    and appear only in the problems sheet.
    """
    marks: dict[Any, dict[int, list[Problem]]] = defaultdict(lambda: defaultdict(list))
    table = draft.raw_table
    header_row = draft.report.facts.get("header_row") or draft.source.header_row
    for problem in draft.report.problems:
        loc = problem.location
        col = column_position(draft, loc.column) if loc.column else None
        if loc.row is None:
            row: Any = HEADER if col is not None else None
        elif loc.row in table.index:
            row = loc.row
        else:
            row = HEADER if loc.row == header_row else None
        if row is not None and (col is not None or loc.row is not None):
            marks[row][-1 if col is None else col].append(problem)
    return marks


class _Marker:
    """Fills problem cells and comments them, up to :data:`MAX_COMMENTS` comments.

    Excel slows to a crawl on sheets with tens of thousands of comments (each is a VML shape),
    so past the cap cells are still coloured and every problem is still on the problems sheet.
    """

    def __init__(self, ws: WriteOnlyWorksheet, rules: RuleBook, max_comments: int) -> None:
        self.ws, self.rules, self.left = ws, rules, max_comments
        self.skipped = 0

    def cell(self, value: Any, problems: list[Problem]) -> Any:
        from openpyxl.comments import Comment

        worst = max(problems, key=lambda p: p.severity.rank).severity
        cell = _styled(self.ws, value, worst)
        if self.left <= 0:
            self.skipped += 1
            return cell
        self.left -= 1
        text = excel_text("\n".join(self._lines(problems)))
        height = min(400, 40 + 15 * text.count("\n"))
        cell.comment = Comment(text, "tsunagu", height=height, width=360)
        return cell

    def _lines(self, problems: list[Problem]) -> list[str]:
        lines = []
        for p in sorted(problems, key=lambda p: -p.severity.rank):
            rule = self.rules.label(p, "ja")
            lines.append(
                f"【{severity_label(p.severity, 'ja')}】{render(p.code, 'ja', **p.params)}"
            )
            lines.append(render(p.code, "en", **p.params) + (f"\n({rule})" if rule else ""))
        return lines


def _write_data_sheet(
    wb: Workbook, draft: Draft, rules: RuleBook, max_comments: int
) -> list[list[str]]:
    ws = wb.create_sheet(DATA_SHEET)
    table = draft.raw_table
    if table is None:
        ws.append([_text(render("report-no-table", lang)) for lang in ("ja", "en")])
        return []
    headers = [cell_text(c) for c in table.columns]
    _set_widths(ws, [ROW_HEADER, *headers], table)
    ws.freeze_panes = "B2"
    marks, marker = _cell_marks(draft), _Marker(ws, rules, max_comments)
    header_marks = marks.get(HEADER, {})
    ws.append(
        [
            marker.cell(name, header_marks[pos]) if pos in header_marks else _text(name)
            for pos, name in enumerate([ROW_HEADER, *headers], start=-1)
        ]
    )
    limit = EXCEL_MAX_ROWS - 1
    for number, *values in islice(table.itertuples(index=True, name=None), limit):
        row_marks = marks.get(number)
        if row_marks is None:
            ws.append([number, *(_text(v) or None for v in values)])
            continue
        cells = [number, *(cell_text(v) for v in values)]
        ws.append(
            [
                marker.cell(v, row_marks[pos]) if pos in row_marks else _value(v)
                for pos, v in enumerate(cells, start=-1)
            ]
        )
    ws.auto_filter.ref = f"A1:{_letter(len(headers) + 1)}{min(len(table), limit) + 1}"
    notes = []
    if len(table) > limit:
        notes.append(_both("report-rows-truncated", shown=limit, total=len(table)))
    if marker.skipped:
        notes.append(_both("report-comments-capped", shown=max_comments, more=marker.skipped))
    return notes


def _value(value: Any) -> Any:
    """Numbers we produce (row numbers, counts) stay numbers; anything else is safe text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return _text(value if isinstance(value, str) else str(value)) or None


def _write_problems_sheet(wb: Workbook, draft: Draft, rules: RuleBook) -> list[list[str]]:
    ws = wb.create_sheet(PROBLEMS_SHEET)
    for letter, width in zip("ABCDEFGH", (14, 8, 16, 24, 22, 24, 60, 60), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.append(_bold_header(ws, list(PROBLEM_HEADERS)))
    problems = sorted_problems(draft.report)
    limit = EXCEL_MAX_ROWS - 1
    for p in problems[:limit]:
        loc = p.location
        ws.append(
            [
                _styled(ws, f"{severity_label(p.severity, 'ja')} / {p.severity.value}", p.severity),
                loc.row if loc.row is not None else _text(where_text(loc, "ja")),
                _text(loc.column or ""),
                _text(cell_value(draft, p) or ""),
                _text(p.code),
                _text(rules.label(p, "ja")),
                _text(render(p.code, "ja", **p.params)),
                _text(render(p.code, "en", **p.params)),
            ]
        )
    ws.auto_filter.ref = f"A1:H{min(len(problems), limit) + 1}"
    if len(problems) > limit:
        return [_both("report-more-problems", more=len(problems) - limit, shown=limit)]
    return []


def _write_summary_sheet(wb: Workbook, draft: Draft, notes: list[list[str]]) -> None:
    ws = wb.create_sheet(SUMMARY_SHEET)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 90
    report = draft.report
    ws.append(_bold_header(ws, ["項目 / item", "内容 / value"]))
    rows: list[tuple[str, Any]] = [
        ("表題 / title", default_title(draft)),
        ("判定", verdict_text(report, "ja")),
        ("verdict", verdict_text(report, "en")),
        *((f"{ja} / {en}", value) for ja, en, value in summary_rows(draft)),
    ]
    totals = severity_totals(report)
    for sev in SEVERITY_ORDER:
        label = f"{severity_label(sev, 'ja')} / {severity_label(sev, 'en')}"
        rows.append((label, totals[sev.value]))
    rows += [
        (f"{title(code, 'ja')} / {title(code, 'en')} ({code})", n)
        for code, n in code_totals(report).items()
    ]
    for code, n in sorted(report.changes.items()):
        rows.append(("自動修正 / change", render(code, "ja", count=n)))
        rows.append(("", render(code, "en", count=n)))
    rows += [("注意 / note", text) for note in notes for text in note]
    for key, value in rows:
        ws.append([_text(key), _value(value)])


def _both(code: str, **params: Any) -> list[str]:
    return [render(code, lang, **params) for lang in ("ja", "en")]


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _display_width(text: str) -> int:
    """Columns a text takes on screen: full-width (漢字, かな) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _set_widths(ws: WriteOnlyWorksheet, headers: list[str], table: Any) -> None:
    """Widths from the header and the first rows (write-only sheets need them before rows)."""
    widths = [_display_width(h) for h in headers]
    sample = table.head(WIDTH_SAMPLE_ROWS).itertuples(index=True, name=None)
    for values in sample:
        for i, value in enumerate(values):
            widths[i] = max(widths[i], _display_width(cell_text(value)))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[_letter(i)].width = min(60, max(8, width + 2))  # type: ignore[attr-defined]  # real on write-only sheets; types-openpyxl omits it
