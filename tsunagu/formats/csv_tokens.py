"""Split a whole UTF-8 CSV buffer into records and cells column-wise, the way ``csv`` would.

pyarrow's and polars' CSV readers refuse or drop ragged rows and skip blank records, so they lose
the cell counts and the Excel row numbers the reports need; hence this small numpy tokenizer.
It finds quotes, delimiters and line ends with vectorised byte searches (all three are ASCII and
never occur inside a UTF-8 multibyte character) and keeps every cell as a slice of one Arrow
buffer: no Python object per row. It reproduces the standard library reader (default dialect,
``newline=""``) exactly for files whose quoting is well formed, i.e. every quoted cell opens at
the start of the cell and closes just before a delimiter or line end; :func:`tokenize` returns
``None`` for any other file and the caller keeps the ``csv`` module's own lenient reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

QUOTE, LF, CR = 0x22, 0x0A, 0x0D
FIND_BLOCK = 16 * 1024 * 1024
# Every character str.strip() removes (str.isspace), listed rather than scanned at start-up.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WS_CLASS = "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE)


@dataclass(frozen=True)
class Records:
    """Record and cell boundaries of one UTF-8 buffer; record ``i`` is row ``i + 1``."""

    data: bytes | bytearray
    starts: np.ndarray  # byte where record i starts
    ends: np.ndarray  # byte where its content ends (line end excluded)
    cell_counts: np.ndarray  # cells per record, 0 for an empty line (as csv yields [])
    first_cell: np.ndarray  # index of record i's first cell
    cell_starts: np.ndarray  # content of cell k: data[cell_starts[k]:cell_ends[k]], quotes off
    cell_ends: np.ndarray
    bounds: np.ndarray  # cell_starts and cell_ends interleaved (they are views of it)
    escaped: bool  # some quoted cell holds "" (one quote)
    delimiter: str

    def __len__(self) -> int:
        return len(self.starts)

    @cached_property
    def cells(self) -> pa.StringArray:
        """Cell ``k`` at index ``2k``: the buffer cut at every cell boundary, zero-copy."""
        kind = pa.StringArray if self.bounds.dtype == np.int32 else pa.LargeStringArray
        return kind.from_buffers(
            len(self.bounds) - 1, pa.py_buffer(self.bounds), pa.py_buffer(self.data)
        )

    def text(self, cell: int) -> str:
        """Cell ``cell`` as ``csv`` gives it."""
        text = self.data[self.cell_starts[cell] : self.cell_ends[cell]].decode("utf-8")
        return text.replace('""', '"') if self.escaped else text

    def row(self, index: int) -> list[str]:
        """Record ``index`` as the ``csv`` module gives it (for the few rows layout reads)."""
        line = self.data[self.starts[index] : self.ends[index]]
        if self.cell_counts[index] and b'"' not in line:  # unquoted: the delimiters split it
            return line.decode("utf-8").split(self.delimiter)
        first = int(self.first_cell[index])
        return [self.text(k) for k in range(first, first + int(self.cell_counts[index]))]

    def column(self, records: np.ndarray, position: int) -> pa.Array:
        """Cell ``position`` (0-based) of each of ``records``; ``""`` where a record is short."""
        present = self.cell_counts[records] > position
        index = 2 * (self.first_cell[records] + position)
        if present.all():
            values = pc.take(self.cells, index)
        else:
            values = pc.fill_null(pc.take(self.cells, pa.array(index, mask=~present)), "")
        if self.escaped:
            values = pc.replace_substring(values, '""', '"')
        return values.cast(pa.large_string())  # what pandas keeps: no copy when it takes it

    def content(self) -> np.ndarray:
        """Indices of the records with a non-blank cell (``csv`` rows that are not blank)."""
        lines = _slices(self.data, self.starts, self.ends)
        ignorable = f'^[{_WS_CLASS}"\\x{{{ord(self.delimiter):x}}}]*$'
        maybe_blank = _flags(pc.match_substring_regex(lines, ignorable))[0::2]
        blank = maybe_blank.copy()
        # A blank-looking record with a quote may hold a quoted quote ("""" is one "): check it.
        for index in np.flatnonzero(maybe_blank):
            if b'"' in self.data[self.starts[index] : self.ends[index]]:
                blank[index] = not "".join(self.row(int(index))).strip()
        return np.flatnonzero(~blank)

    def nonblank_cells(self, cells: np.ndarray) -> np.ndarray:
        """Which of the cells (by index) hold more than whitespace."""
        if not len(cells):
            return np.zeros(0, dtype=bool)
        values = pc.take(self.cells, pa.array(2 * cells))
        if self.escaped:
            values = pc.replace_substring(values, '""', '"')
        blank = pc.match_substring_regex(values, f"^[{_WS_CLASS}]*$")
        return ~_flags(blank)


def _slices(data: bytes | bytearray, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    """Slice ``k`` of ``data`` at index ``2k`` (the gaps between slices at the odd indices)."""
    large = len(data) >= 2**31 - 1
    bounds = np.empty(2 * len(starts) + (not len(starts)), dtype=np.int64 if large else np.int32)
    bounds[0 : 2 * len(starts) : 2] = starts
    bounds[1 : 2 * len(starts) : 2] = ends
    if not len(starts):
        bounds[0] = 0
    kind = pa.LargeStringArray if large else pa.StringArray
    return kind.from_buffers(len(bounds) - 1, pa.py_buffer(bounds), pa.py_buffer(data))


def _flags(values: pa.Array) -> np.ndarray:
    return values.to_numpy(zero_copy_only=False).astype(bool)


def tokenize(data: bytes | bytearray, delimiter: str) -> Records | None:
    """Records and cells of ``data`` (UTF-8), or ``None`` when its quoting is not well formed."""
    buf = np.frombuffer(data, dtype=np.uint8)
    size = len(buf)
    sep = ord(delimiter)
    at: Any = np.int32 if size < 2**31 - 2 else np.int64  # byte positions: half the memory
    quotes = _find(buf, at, QUOTE)
    if not _well_quoted(buf, quotes, sep):
        return None
    breaks = _find(buf, at, LF, CR)
    marks = _find(buf, at, sep)
    if len(quotes):  # drop line ends and delimiters inside quoted cells (odd quote count before)
        breaks = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
        marks = marks[np.searchsorted(quotes, marks) % 2 == 0]
    # CR LF is one line end; a lone CR or LF is one too (newline="" splits on all three).
    crlf = (buf[breaks] == LF) & (breaks > 0)
    crlf[crlf] = buf[breaks[crlf] - 1] == CR
    ends = breaks[~crlf]
    widths = np.ones(len(ends), dtype=np.int64)
    has_next = (ends + 1 < size) & (buf[ends] == CR)
    widths[has_next] += buf[ends[has_next] + 1] == LF
    starts = np.concatenate(([0], ends + widths))
    if starts[-1] < size:
        ends = np.concatenate((ends, [size]))
    else:
        starts = starts[:-1]
    marks_before = np.searchsorted(marks, ends)  # delimiters before each record's end
    cell_counts = np.diff(marks_before, prepend=0).astype(np.int64) + 1
    cell_counts[ends == starts] = 0
    first_cell = np.concatenate(([0], np.cumsum(cell_counts)[:-1]))
    # A record's first cell starts at the record, its last ends at the line end; every other
    # boundary is a delimiter, and both lists are already in file order: no sort needed.
    nonempty = cell_counts > 0
    total = int(cell_counts.sum())
    firsts = first_cell[nonempty]
    lasts = firsts + cell_counts[nonempty] - 1
    # Starts and ends interleaved are the offsets of the Arrow array of cells (views, not copies).
    bounds = np.zeros(max(2 * total, 1), dtype=at)
    cell_starts, cell_ends = bounds[0 : 2 * total : 2], bounds[1 : 2 * total : 2]
    inner = np.ones(total, dtype=bool)
    inner[firsts] = False
    cell_starts[firsts] = starts[nonempty]
    cell_starts[inner] = marks + 1
    inner[firsts] = True
    inner[lasts] = False
    cell_ends[lasts] = ends[nonempty]
    cell_ends[inner] = marks
    escaped = False
    if len(quotes):
        opened = np.zeros(len(cell_starts), dtype=bool)
        inside = cell_starts < size
        opened[inside] = buf[cell_starts[inside]] == QUOTE
        opened &= cell_ends > cell_starts
        cell_starts += opened
        cell_ends -= opened
        escaped = bool(np.any(np.diff(quotes) == 1))
    return Records(
        data=data,
        starts=starts,
        ends=ends,
        cell_counts=cell_counts,
        first_cell=first_cell,
        cell_starts=cell_starts,
        cell_ends=cell_ends,
        bounds=bounds,
        escaped=escaped,
        delimiter=delimiter,
    )


def _find(buf: np.ndarray, at: Any, *values: int) -> np.ndarray:
    """Positions of any of ``values`` in ``buf``, found block by block so that the comparison
    masks stay a few megabytes however large the file is."""
    found: list[np.ndarray] = [np.zeros(0, dtype=at)]
    for low in range(0, len(buf), FIND_BLOCK):
        block = buf[low : low + FIND_BLOCK]
        hit = block == values[0]
        for value in values[1:]:
            hit |= block == value
        found.append(np.flatnonzero(hit).astype(at) + low)
    return np.concatenate(found)


def _well_quoted(buf: np.ndarray, quotes: np.ndarray, sep: int) -> bool:
    """Whether every quote opens a cell, closes one before a delimiter or line end, or is
    half of a doubled quote inside one: then quote parity alone says what is quoted."""
    if not len(quotes):
        return True
    if len(quotes) % 2:
        return False
    size = len(buf)
    opening, closing = quotes[0::2], quotes[1::2]
    before = np.where(opening > 0, buf[np.maximum(opening - 1, 0)], LF)
    at_cell_start = (before == sep) | (before == LF) | (before == CR)
    after_closing = np.concatenate((closing[:-1] + 1, [closing[-1] + 1]))
    escape_open = np.zeros(len(opening), dtype=bool)
    escape_open[1:] = closing[:-1] == opening[1:] - 1
    if not np.all(at_cell_start | escape_open):
        return False
    following = np.where(after_closing < size, buf[np.minimum(after_closing, size - 1)], LF)
    at_cell_end = (following == sep) | (following == LF) | (following == CR)
    escape_close = np.zeros(len(closing), dtype=bool)
    escape_close[:-1] = opening[1:] == closing[:-1] + 1
    return bool(np.all(at_cell_end | escape_close))
