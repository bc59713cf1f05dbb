"""The table of a sheet whose rows arrive one at a time, built in bounded blocks.

:func:`~tsunagu.formats.layout_detect.detect_layout` wants every row in a list, which for a
100k-row Excel sheet meant a Python list per row held three times over (the rows read, the rows
fitted to the header, the DataFrame). Every decision it makes needs only the first rows (the
table's width from the first 1,000, the header among the first 30) or the last ones (notes are a
tail of note-like rows), so :class:`LayoutBuilder` keeps the head until the header is known, then
turns the data into DataFrame blocks of :data:`BLOCK_ROWS` rows as they come, holding back only
the current run of note-like rows. It calls ``layout_detect``'s own rules, so both give the same
header, the same rows under the same numbers and the same facts (tests/formats/test_layout_blocks
compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tsunagu.formats.guards import refuse
from tsunagu.formats.layout_detect import (
    MAX_HEADER_SEARCH,
    MODAL_SAMPLE_ROWS,
    NOTE_MARK,
    Layout,
    Row,
    filled,
    is_blank,
    layout_facts,
    row_text,
    unique_names,
    used_width,
)
from tsunagu.formats.layout_detect import _find_header as find_header  # the same rules
from tsunagu.formats.layout_detect import _fit as fit
from tsunagu.formats.layout_detect import _modal_width as modal_width

if TYPE_CHECKING:
    import pandas as pd

#: Rows per DataFrame block: large enough that pandas' per-frame cost vanishes, small enough
#: that one block of Python lists stays a few MB.
BLOCK_ROWS = 10_000
#: Rows kept before the header is decided: what detect_layout looks at, and no more.
HEAD_ROWS = max(MODAL_SAMPLE_ROWS, MAX_HEADER_SEARCH)


@dataclass(frozen=True)
class BlockLayout:
    """Where the table is (``shape``: a Layout whose ``rows`` is left empty) and the table."""

    shape: Layout
    table: pd.DataFrame

    def facts(self) -> dict[str, object]:
        return {**layout_facts(self.shape), "rows": len(self.table)}


@dataclass
class LayoutBuilder:
    """Feed rows with :meth:`add` in sheet order, then call :meth:`finish`.

    ``on_content(number, cells, header)`` sees every non-blank row once the header is known
    (title rows and notes too), so the reader can apply its per-record guards as rows pass.
    """

    file_name: str
    header_row: int | None = None
    on_content: Callable[[int, list[str], list[str]], None] | None = None
    head: list[Row] = field(default_factory=list)
    decided: Layout | None = None  # the header and title rows, once known
    columns: int = 0
    width: int = 0
    block: list[Row] = field(default_factory=list)
    frames: list[pd.DataFrame] = field(default_factory=list)
    pending: list[Row] = field(default_factory=list)  # the current run of note-like rows
    data_rows: int = 0
    last_data: int = 0
    last_content: int = 0
    extra_cells: dict[int, int] = field(default_factory=dict)

    def add(self, number: int, cells: list[str]) -> None:
        if is_blank(cells):
            return
        self.last_content = number
        if self.decided is not None:
            self._content(number, cells)
            return
        self.head.append((number, cells))
        if self._head_is_enough(number):
            self._decide()

    def finish(self, last_row: int) -> BlockLayout:
        """The layout and table; ``last_row`` is the sheet's last row number (blank or not)."""
        if self.decided is None:
            if not self.head:
                raise refuse("file-empty", self.file_name)
            self._decide()
        notes = self._split_pending()
        if not self.data_rows:
            raise refuse("file-header-only", self.file_name, row=self.shape.header_row)
        self._flush()
        shape = Layout(
            header_row=self.shape.header_row,
            header=self.shape.header,
            rows=[],
            extra_cells=self.extra_cells,
            title_rows=self.shape.title_rows,
            notes_below=[{"row": n, "text": row_text(c)} for n, c in notes],
            trailing_blank_rows=max(last_row - self.last_content, 0),
            blank_rows_inside=(self.last_data - self.shape.header_row) - self.data_rows,
        )
        return BlockLayout(shape, self._table())

    @property
    def shape(self) -> Layout:
        if self.decided is None:
            raise RuntimeError("the header is not known before the head rows are in")
        return self.decided

    def _head_is_enough(self, number: int) -> bool:
        """The width needs the first HEAD_ROWS rows; a forced header row must also be in."""
        return len(self.head) >= HEAD_ROWS and (
            self.header_row is None or number >= self.header_row
        )

    def _decide(self) -> None:
        """detect_layout's width and header, from the head rows it would have looked at."""
        self.width = modal_width(self.head)
        numbers = [number for number, _ in self.head]
        at = find_header(
            numbers, lambda start, stop: self.head[start:stop], self.width, self.header_row,
            self.file_name,
        )  # fmt: skip
        number, header_cells = self.head[at]
        self.columns = max(used_width(header_cells), self.width)
        header = [cell.strip() for cell in header_cells[: self.columns]]
        header += [""] * (self.columns - len(header))
        if header:
            header[0] = header[0].lstrip("\ufeff").strip()
        titles = [{"row": n, "text": row_text(c)} for n, c in self.head[:at]]
        self.decided = Layout(number, header, [], {}, titles, [], 0, 0)
        head, self.head = self.head, []
        if self.on_content:
            for row_number, cells in head[: at + 1]:
                self.on_content(row_number, cells, header)
        for row_number, cells in head[at + 1 :]:
            self._content(row_number, cells)

    def _content(self, number: int, cells: list[str]) -> None:
        if self.on_content:
            self.on_content(number, cells, self.shape.header)
        if self._is_notelike(cells):
            self.pending.append((number, cells))
            return
        for row in self.pending:
            self._data(*row)
        self.pending.clear()
        self._data(number, cells)

    def _is_notelike(self, cells: list[str]) -> bool:
        first = next((cell for cell in cells if cell.strip()), "")
        return bool(NOTE_MARK.match(first)) or (self.width > 1 and filled(cells) == 1)

    def _split_pending(self) -> list[Row]:
        """detect_layout's notes: in the trailing note-like run, from the first ※/注 row or the
        first row after a gap; the rows before it are data."""
        previous = self.last_data or self.shape.header_row
        split = len(self.pending)
        for index, (number, cells) in enumerate(self.pending):
            before = self.pending[index - 1][0] if index else previous
            first = next((cell for cell in cells if cell.strip()), "")
            if NOTE_MARK.match(first) or number - before > 1:
                split = index
                break
        for row in self.pending[:split]:
            self._data(*row)
        return self.pending[split:]

    def _data(self, number: int, cells: list[str]) -> None:
        used = used_width(cells)
        if used > self.columns:
            self.extra_cells[number] = used - self.columns
        self.block.append((number, fit(cells, self.columns)))
        self.data_rows += 1
        self.last_data = number
        if len(self.block) >= BLOCK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.block:
            self.frames.append(self._frame(self.block))
            self.block = []

    def _frame(self, rows: list[Row]) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [cells for _, cells in rows],
            columns=unique_names(self.shape.header),
            index=pd.Index([n for n, _ in rows], dtype="int64"),
            dtype=str,
        )

    def _table(self) -> pd.DataFrame:
        import pandas as pd

        if len(self.frames) == 1:
            return self.frames[0]
        table = pd.concat(self.frames)
        self.frames.clear()
        return table


__all__ = ["BLOCK_ROWS", "BlockLayout", "LayoutBuilder"]
