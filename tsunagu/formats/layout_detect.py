"""Find the table inside a departmental sheet: title rows, the header, the data, notes below.

Departments lay out CSV and Excel files for printing: a title such as
「柏市AED設置一覧（令和6年4月1日現在）」 in row 1, the header in row 3, the data, then
「※ 休館日は除く」 under a blank row. The table's
width is the commonest used width among non-blank rows; the header is the first row that fills
that width. Everything above it is a title row, and a tail of blank, ※/注 or single-cell rows is
notes. Both the CSV and the Excel reader call :func:`detect_layout`, so both behave alike.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tsunagu.errors import Location, Problem, Severity
from tsunagu.formats.guards import refuse

if TYPE_CHECKING:
    import pandas as pd

Row = tuple[int, list[str]]  # (1-based row number in the file, cells)

# A header is searched for among the first rows only; a title block is never longer.
MAX_HEADER_SEARCH = 30
# The table's width is plain from its first rows; counting them all would only cost time.
MODAL_SAMPLE_ROWS = 1000
NOTE_MARK = re.compile(r"^\s*(※|＊|\*|注[\s:：.．)）0-9０-９]|注記|[(（]注|備考[:：]|出典[:：])")


@dataclass(frozen=True)
class Layout:
    """Where the table is. ``rows`` are the data rows, padded or cut to ``len(header)``."""

    header_row: int
    header: list[str]
    rows: list[Row]
    extra_cells: dict[int, int]  # row number -> cells beyond the header's width
    title_rows: list[dict[str, object]]
    notes_below: list[dict[str, object]]
    trailing_blank_rows: int
    blank_rows_inside: int


def is_blank(cells: Sequence[str]) -> bool:
    return not "".join(cells).strip()


def used_width(cells: Sequence[str]) -> int:
    """Cells up to the last non-empty one (Excel pads title rows with empty cells)."""
    for position in range(len(cells), 0, -1):
        if cells[position - 1].strip():
            return position
    return 0


def filled(cells: Sequence[str]) -> int:
    return len(cells) - [cell.strip() for cell in cells].count("")


def row_text(cells: Sequence[str]) -> str:
    return " ".join(cell.strip() for cell in cells if cell.strip())


def detect_layout(
    rows: Sequence[Row], last_row: int, file_name: str, header_row: int | None = None
) -> Layout:
    """Split ``rows`` (blank rows may be omitted) into title rows, header, data and notes.

    ``last_row`` is the last row number the file has, so blank rows at the end are counted.
    Raises ``file-empty`` when no row has content, ``header-row-not-found`` when a forced
    header row is blank or beyond the end, and ``file-header-only`` when no data follows.
    """
    content = [(n, cells) for n, cells in rows if not is_blank(cells)]
    if not content:
        raise refuse("file-empty", file_name)
    width = _modal_width(content)
    header_at = _find_header(content, width, header_row, file_name)
    number, header_cells = content[header_at]
    data, notes = _split_notes(content[header_at + 1 :], number, width)
    if not data:
        raise refuse("file-header-only", file_name, row=number)
    columns = max(used_width(header_cells), width)
    header = [cell.strip() for cell in header_cells[:columns]]
    header += [""] * (columns - len(header))
    if header:
        header[0] = header[0].lstrip("\ufeff").strip()
    return Layout(
        header_row=number,
        header=header,
        rows=[(n, _fit(cells, columns)) for n, cells in data],
        extra_cells={n: used_width(c) - columns for n, c in data if used_width(c) > columns},
        title_rows=[{"row": n, "text": row_text(c)} for n, c in content[:header_at]],
        notes_below=[{"row": n, "text": row_text(c)} for n, c in notes],
        trailing_blank_rows=max(last_row - content[-1][0], 0),
        blank_rows_inside=(data[-1][0] - number) - len(data),
    )


def _modal_width(content: Sequence[Row]) -> int:
    """The commonest used width among rows of two or more cells (titles and notes have one);
    ties go to the wider, so a short file's title block cannot outvote its table."""
    sample = content[:MODAL_SAMPLE_ROWS]
    widths = [used_width(cells) for _, cells in sample if filled(cells) >= 2]
    counts = Counter(widths or [used_width(cells) for _, cells in sample])
    return max(counts.items(), key=lambda item: (item[1], item[0]))[0]


def _find_header(content: Sequence[Row], width: int, header_row: int | None, file_name: str) -> int:
    if header_row is not None:
        for index, (number, _) in enumerate(content):
            if number == header_row:
                return index
        raise refuse("header-row-not-found", file_name, row=header_row)
    # The header spans the table and names most of its columns (one name may be missing, the
    # last one too, which header_problems reports); a title row is short or sparse.
    search = content[:MAX_HEADER_SEARCH]
    for index, (_, cells) in enumerate(search):
        if used_width(cells) >= width - 1 and filled(cells) * 2 >= width:
            return index
    return max(range(len(search)), key=lambda index: filled(search[index][1]))


def _split_notes(data: Sequence[Row], header_row: int, width: int) -> tuple[list[Row], list[Row]]:
    """Notes are a tail of ※/注 rows, or single-cell rows that follow a blank row."""

    def is_notelike(cells: list[str]) -> bool:
        first = next((cell for cell in cells if cell.strip()), "")
        return bool(NOTE_MARK.match(first)) or (width > 1 and filled(cells) == 1)

    start = len(data)
    while start > 0 and is_notelike(data[start - 1][1]):
        start -= 1
    for index in range(start, len(data)):
        number, cells = data[index]
        previous = data[index - 1][0] if index > 0 else header_row
        first = next((cell for cell in cells if cell.strip()), "")
        if NOTE_MARK.match(first) or number - previous > 1:
            return list(data[:index]), list(data[index:])
    return list(data), []


def _fit(cells: list[str], columns: int) -> list[str]:
    if len(cells) >= columns:
        return cells[:columns]
    return cells + [""] * (columns - len(cells))


def header_problems(layout: Layout, file_name: str, sheet: str | None = None) -> list[Problem]:
    """Empty and duplicate header names: errors, since a column must be named once to map."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for position, name in enumerate(layout.header, start=1):
        where = Location(
            file=file_name, sheet=sheet, row=layout.header_row, column=name or str(position)
        )
        if not name:
            problems.append(Problem("header-empty", Severity.ERROR, where, {"position": position}))
        elif name in seen:
            params = {"name": name, "position": position, "first_position": seen[name]}
            problems.append(Problem("header-duplicate", Severity.ERROR, where, params))
        else:
            seen[name] = position
    return problems


def unique_names(header: list[str]) -> list[str]:
    """``header`` with each repeat of a name made distinct by its 1-based position."""
    seen: set[str] = set()
    names = []
    for position, name in enumerate(header, start=1):
        if name in seen:  # a repeated blank becomes 列N, which the statistics header reader
            # (two header rows) still treats as blank and fills from the row above
            name = f"{name} ({position})" if name else f"列{position}"
        names.append(name)
        seen.add(name)
    return names


def layout_facts(layout: Layout) -> dict[str, object]:
    """The facts both readers report (keys are read by the machine-readability checks)."""
    return {
        "header_row": layout.header_row,
        "title_rows": layout.title_rows,
        "notes_below": layout.notes_below,
        "trailing_blank_rows": layout.trailing_blank_rows,
        "blank_rows_inside": layout.blank_rows_inside,
        "rows": len(layout.rows),
        "columns": len(layout.header),
    }


def layout_table(layout: Layout) -> pd.DataFrame:
    """The data rows as a DataFrame of ``str`` indexed by their row number in the file.

    A repeated header name (already a ``header-duplicate`` error that blocks publishing) gets
    its position appended in the frame, ``名称 (3)``, so every later step sees one column per
    name: two columns under one name made mapping and drift checks crash instead of report.
    """
    import pandas as pd

    return pd.DataFrame(
        [cells for _, cells in layout.rows],
        columns=unique_names(layout.header),
        index=pd.Index([n for n, _ in layout.rows], dtype="int64"),
        dtype=str,
    )
