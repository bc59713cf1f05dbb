"""マイナンバー in the parts of a workbook nobody looks at: hidden sheets and hidden columns.

The personal-data check reads the table that will be published, so a hidden column the manifest
leaves out, or a hidden sheet the reader never picks, was never scanned: the file went through
with a "hidden content" warning while it carried 特定個人情報 (issue 16). A hidden column is a
classic leak, and the 番号法 forbids handing My Numbers out at all, so here the same column
rule as the visible check (a header naming マイナンバー, or most filled cells valid My Numbers,
check digit and all) makes the read a ``block`` nobody can override.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

#: Same share as the personal-data check's BLOCK_SHARE: most of a column's filled cells.
BLOCK_SHARE = 0.9
#: Rows looked at for a header naming the column (titles and notes may sit above it).
HEADER_ROWS = 5


@dataclass(frozen=True)
class HiddenMyNumbers:
    sheet: str
    column: str  # the column letter, as a department sees it in Excel
    rows: tuple[int, ...]  # sheet row numbers of the My Number cells (first few)
    count: int


def scan_columns(
    sheet: str, columns: Mapping[str, Sequence[tuple[int, str]]]
) -> Iterator[HiddenMyNumbers]:
    """``columns``: column letter → (row number, cell text) of its filled cells."""
    from tsunagu.identifiers import pii_patterns as pii

    for letter, cells in columns.items():
        if not cells:
            continue
        numbers = [row for row, _ in cells]
        texts = pd.Series([text for _, text in cells], dtype=object).astype(str)
        normalised = texts.str.normalize("NFKC")
        found = pii.my_number_cells(normalised)
        count = int(found.sum())
        if not count:
            continue
        hinted = pii.is_my_number_header(*texts.head(HEADER_ROWS).tolist())
        if hinted or count >= BLOCK_SHARE * (len(cells) - 1):  # minus a header cell
            rows = tuple(numbers[i] for i in found[found].index[:5])
            yield HiddenMyNumbers(sheet, letter, rows, count)


def columns_of(
    rows: Sequence[tuple[int, Sequence[str]]], indices: Sequence[int] | None = None
) -> dict[str, list[tuple[int, str]]]:
    """Filled cells per column letter, for every column or only ``indices`` (1-based)."""
    from openpyxl.utils import get_column_letter

    out: dict[str, list[tuple[int, str]]] = {}
    for number, cells in rows:
        wanted = indices if indices is not None else range(1, len(cells) + 1)
        for index in wanted:
            if index <= len(cells) and str(cells[index - 1]).strip():
                out.setdefault(get_column_letter(index), []).append((number, cells[index - 1]))
    return out
