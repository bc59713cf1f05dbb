"""マイナンバー in the parts of a workbook nobody looks at: hidden sheets and hidden columns.

The personal-data check reads the table that will be published, so a hidden column the manifest
leaves out, or a hidden sheet the reader never picks, was never scanned: the file went through
with a "hidden content" warning while it carried 特定個人情報 (issue 16). A hidden column is a
classic leak, and the 番号法 forbids handing My Numbers out at all, so here the same column
rule as the visible check (a header naming マイナンバー, or most filled cells valid My Numbers,
check digit and all) makes the read a ``block`` nobody can override.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pandas as pd

#: Same share as the personal-data check's BLOCK_SHARE: most of a column's filled cells.
BLOCK_SHARE = 0.9
#: Rows looked at for a header naming the column (titles and notes may sit above it).
HEADER_ROWS = 5
#: Rows scanned at a time.
BLOCK_ROWS = 10_000


@dataclass(frozen=True)
class HiddenMyNumbers:
    sheet: str
    column: str  # the column letter, as a department sees it in Excel
    rows: tuple[int, ...]  # sheet row numbers of the My Number cells (first few)
    count: int


@dataclass
class _Column:
    filled: int = 0
    hits: int = 0
    head: list[str] = field(default_factory=list)  # its first filled cells (a header?)
    rows: list[int] = field(default_factory=list)  # the first My Number rows


@dataclass
class HiddenColumnScan:
    """The column rule over a sheet whose rows arrive one at a time, in bounded blocks.

    ``indices`` (1-based) limits the scan to those columns, the hidden ones of the visible
    sheet; ``None`` scans every column, as for a hidden sheet. Per column only counts and the
    first few cells are kept, so a 100k-row hidden sheet costs one block of rows, not a list
    of every filled cell.
    """

    sheet: str
    indices: tuple[int, ...] | None = None  # sorted
    block: list[tuple[int, Sequence[str]]] = field(default_factory=list)
    columns: dict[str, _Column] = field(default_factory=dict)

    def add(self, number: int, cells: Sequence[str]) -> None:
        self.block.append((number, cells))
        if len(self.block) >= BLOCK_ROWS:
            self._scan_block()

    def found(self) -> Iterator[HiddenMyNumbers]:
        """The columns most of whose filled cells are My Numbers, or headed as such."""
        from tsunagu.identifiers import pii_patterns as pii

        self._scan_block()
        for letter, column in self.columns.items():
            if not column.hits:
                continue
            hinted = pii.is_my_number_header(*column.head)
            if hinted or column.hits >= BLOCK_SHARE * (column.filled - 1):  # minus a header
                yield HiddenMyNumbers(self.sheet, letter, tuple(column.rows), column.hits)

    def _scan_block(self) -> None:
        from tsunagu.identifiers import pii_patterns as pii

        for letter, cells in columns_of(self.block, self.indices).items():
            column = self.columns.setdefault(letter, _Column())
            texts = pd.Series([text for _, text in cells], dtype=object).astype(str)
            column.head.extend(texts.head(HEADER_ROWS - len(column.head)).tolist())
            found = pii.my_number_cells(texts.str.normalize("NFKC"))
            column.filled += len(cells)
            column.hits += int(found.sum())
            wanted = 5 - len(column.rows)
            column.rows.extend(cells[i][0] for i in found[found].index[:wanted])
        self.block = []


def columns_of(
    rows: Sequence[tuple[int, Sequence[str]]], indices: Sequence[int] | None = None
) -> dict[str, list[tuple[int, str]]]:
    """Filled cells per column letter, for every column or only ``indices`` (1-based, sorted)."""
    from openpyxl.utils import get_column_letter

    out: dict[str, list[tuple[int, str]]] = {}
    for number, cells in rows:
        if indices is None:
            wanted: Iterable[int] = range(1, len(cells) + 1)
        else:
            wanted = indices[: bisect_right(indices, len(cells))]
        for index in wanted:
            if str(cells[index - 1]).strip():
                out.setdefault(get_column_letter(index), []).append((number, cells[index - 1]))
    return out
