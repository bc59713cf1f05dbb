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
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from tsunagu.errors import Location, Problem, Severity
from tsunagu.formats.guards import refuse

if TYPE_CHECKING:
    import numpy as np
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


RowsAt = Callable[[int, int], list[Row]]  # content rows [start, stop) by position
Numbers = Union[Sequence[int], "np.ndarray"]  # content row numbers, ascending


@dataclass(frozen=True)
class Frame:
    """Where the table sits among the content (non-blank) rows, by position, before any data
    row is built: the CSV reader keeps its body column-wise and asks only for these rows."""

    header_row: int
    header: list[str]
    data_start: int  # position of the first data row among the content rows
    data_stop: int  # one past the last data row (the notes below start here)
    title_rows: list[dict[str, object]]
    notes_below: list[dict[str, object]]
    trailing_blank_rows: int
    blank_rows_inside: int


def detect_layout(
    rows: Sequence[Row], last_row: int, file_name: str, header_row: int | None = None
) -> Layout:
    """Split ``rows`` (blank rows may be omitted) into title rows, header, data and notes.

    ``last_row`` is the last row number the file has, so blank rows at the end are counted.
    Raises ``file-empty`` when no row has content, ``header-row-not-found`` when a forced
    header row is blank or beyond the end, and ``file-header-only`` when no data follows.
    """
    content = [(n, cells) for n, cells in rows if not is_blank(cells)]
    frame = find_frame(
        [n for n, _ in content], lambda i, j: content[i:j], last_row, file_name, header_row
    )
    data = content[frame.data_start : frame.data_stop]
    columns = len(frame.header)
    return Layout(
        header_row=frame.header_row,
        header=frame.header,
        rows=[(n, _fit(cells, columns)) for n, cells in data],
        extra_cells={n: used_width(c) - columns for n, c in data if used_width(c) > columns},
        title_rows=frame.title_rows,
        notes_below=frame.notes_below,
        trailing_blank_rows=frame.trailing_blank_rows,
        blank_rows_inside=frame.blank_rows_inside,
    )


def find_frame(
    numbers: Numbers,
    rows_at: RowsAt,
    last_row: int,
    file_name: str,
    header_row: int | None = None,
) -> Frame:
    """The layout of the content rows whose row numbers are ``numbers`` (ascending).

    Only the first rows (width, header, titles) and the tail (notes) are asked of ``rows_at``,
    so a reader may keep the body in columns; :func:`detect_layout` passes a list slice.
    """
    count = len(numbers)
    if not count:
        raise refuse("file-empty", file_name)
    width = _modal_width(rows_at(0, min(count, MODAL_SAMPLE_ROWS)))
    header_at = _find_header(numbers, rows_at, width, header_row, file_name)
    number, header_cells = rows_at(header_at, header_at + 1)[0]
    data_stop = _notes_start(numbers, rows_at, header_at + 1, width)
    if data_stop == header_at + 1:
        raise refuse("file-header-only", file_name, row=number)
    columns = max(used_width(header_cells), width)
    header = [cell.strip() for cell in header_cells[:columns]]
    header += [""] * (columns - len(header))
    if header:
        header[0] = header[0].lstrip("\ufeff").strip()
    notes = rows_at(data_stop, count) if data_stop < count else []
    return Frame(
        header_row=number,
        header=header,
        data_start=header_at + 1,
        data_stop=data_stop,
        title_rows=[{"row": n, "text": row_text(c)} for n, c in rows_at(0, header_at)],
        notes_below=[{"row": n, "text": row_text(c)} for n, c in notes],
        trailing_blank_rows=max(last_row - int(numbers[-1]), 0),
        blank_rows_inside=(int(numbers[data_stop - 1]) - number) - (data_stop - header_at - 1),
    )


def _modal_width(content: Sequence[Row]) -> int:
    """The commonest used width among rows of two or more cells (titles and notes have one);
    ties go to the wider, so a short file's title block cannot outvote its table."""
    sample = content[:MODAL_SAMPLE_ROWS]
    widths = [used_width(cells) for _, cells in sample if filled(cells) >= 2]
    counts = Counter(widths or [used_width(cells) for _, cells in sample])
    return max(counts.items(), key=lambda item: (item[1], item[0]))[0]


def _find_header(
    numbers: Numbers, rows_at: RowsAt, width: int, header_row: int | None, file_name: str
) -> int:
    if header_row is not None:
        index = bisect_left(numbers, header_row)
        if index < len(numbers) and numbers[index] == header_row:
            return index
        raise refuse("header-row-not-found", file_name, row=header_row)
    # The header spans the table and names most of its columns (one name may be missing, the
    # last one too, which header_problems reports); a title row is short or sparse.
    search = rows_at(0, min(len(numbers), MAX_HEADER_SEARCH))
    for index, (_, cells) in enumerate(search):
        if used_width(cells) >= width - 1 and filled(cells) * 2 >= width:
            return index
    return max(range(len(search)), key=lambda index: filled(search[index][1]))


def _notes_start(numbers: Numbers, rows_at: RowsAt, first: int, width: int) -> int:
    """Where the notes begin: a tail of ※/注 rows, or single-cell rows after a blank row.

    The tail of note-like rows is read backwards in growing windows, so a reader that keeps
    its rows in columns builds Python rows for the notes and a few rows above them only.
    """

    def is_notelike(cells: list[str]) -> bool:
        first_text = next((cell for cell in cells if cell.strip()), "")
        return bool(NOTE_MARK.match(first_text)) or (width > 1 and filled(cells) == 1)

    count = len(numbers)
    start, window = count, 64
    while start > first:
        low = max(first, start - window)
        rows = rows_at(low, start)
        index = len(rows)
        while index > 0 and is_notelike(rows[index - 1][1]):
            index -= 1
        if index > 0:
            start = low + index
            break
        start, window = low, window * 2
    tail = rows_at(start, count)
    for offset, (number, cells) in enumerate(tail):
        previous = int(numbers[start + offset - 1])  # the header when no data row precedes
        first_text = next((cell for cell in cells if cell.strip()), "")
        if NOTE_MARK.match(first_text) or number - previous > 1:
            return start + offset
    return count


def _fit(cells: list[str], columns: int) -> list[str]:
    if len(cells) >= columns:
        return cells[:columns]
    return cells + [""] * (columns - len(cells))


def header_problems(
    layout: Layout | Frame, file_name: str, sheet: str | None = None
) -> list[Problem]:
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
