"""The block-built layout equals detect_layout's on the same rows: header, numbered rows, facts.

The Excel reader streams its rows through :class:`LayoutBuilder` instead of handing
:func:`detect_layout` a list of them (issue 17); each case here runs both on the same rows with
blocks of a few rows, so block edges fall everywhere, and compares what a department would see.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tsunagu.errors import FormatError
from tsunagu.formats import layout_blocks
from tsunagu.formats.layout_blocks import LayoutBuilder
from tsunagu.formats.layout_detect import Row, detect_layout, layout_facts, layout_table

HEADER = ["番号", "施設名", "住所", "電話"]


def data(count: int, start: int = 1) -> list[Row]:
    return [(start + i, [str(i + 1), f"施設{i}", f"柏市{i}", "04-7167-1111"]) for i in range(count)]


def title(number: int, text: str) -> Row:
    return (number, [text, "", "", ""])


CASES = {
    "plain": [(1, HEADER), *data(23, 2)],
    "title rows and notes": [
        title(1, "柏市避難所一覧（令和6年4月1日現在）"),
        (3, HEADER),
        *data(20, 4),
        title(26, "※ 休館日は除く"),
        title(27, "出典: 防災安全課"),
    ],
    "single-cell rows in the data stay data": [
        (1, HEADER),
        *data(5, 2),
        title(7, "柏"),
        title(8, "我孫子"),
        *data(5, 9),
        title(14, "流山"),
    ],
    "gap then single cells are notes": [
        (1, HEADER),
        *data(9, 2),
        title(13, "補足"),
        title(14, "x"),
    ],
    "blank rows inside and a wide row": [
        (1, HEADER),
        *data(4, 2),
        *data(4, 8),
        (12, ["9", "x", "y", "z", "beyond", "more"]),
        *data(3, 13),
    ],
    "every data row single-cell": [(1, HEADER), title(2, "柏"), title(3, "我孫子")],
    "wide title": [(1, ["一覧", "", "", "", "", "", "作成日"]), (2, HEADER), *data(15, 3)],
    "many rows": [title(1, "一覧"), (2, HEADER), *data(2600, 3)],
}


def built(rows: list[Row], last_row: int, header_row: int | None = None):
    builder = LayoutBuilder("x.xlsx", header_row)
    for number, cells in rows:
        builder.add(number, cells)
    return builder.finish(last_row)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("block_rows", [3, 10_000])
def test_same_layout_as_detect_layout(name, block_rows, monkeypatch):
    monkeypatch.setattr(layout_blocks, "BLOCK_ROWS", block_rows)
    monkeypatch.setattr(layout_blocks, "HEAD_ROWS", 1000)
    rows = CASES[name]
    last_row = rows[-1][0] + 2  # two blank rows at the end
    expected = detect_layout(rows, last_row, "x.xlsx")
    layout = built(rows, last_row)
    pd.testing.assert_frame_equal(layout.table, layout_table(expected))
    assert layout.facts() == layout_facts(expected)
    assert layout.shape.header == expected.header
    assert layout.shape.extra_cells == expected.extra_cells


def test_forced_header_row_and_its_refusals():
    rows = [title(1, "一覧"), (2, ["a", "b"]), (3, HEADER), *data(5, 4)]
    expected = detect_layout(rows, 8, "x.xlsx", header_row=3)
    layout = built(rows, 8, header_row=3)
    assert layout.facts() == layout_facts(expected)
    pd.testing.assert_frame_equal(layout.table, layout_table(expected))
    only_notes = [(1, HEADER), title(2, "※ 1"), title(3, "※ 2")]
    for bad_rows, header_row in (([], None), ([(1, HEADER)], None), (only_notes, None), (rows, 40)):
        with pytest.raises(FormatError) as reference:
            detect_layout(bad_rows, 9, "x.xlsx", header_row)
        with pytest.raises(FormatError) as ours:
            built(bad_rows, 9, header_row)
        assert ours.value.code == reference.value.code


def test_only_the_head_and_one_block_are_held_as_rows(monkeypatch):
    """The point of it: once the header is known, rows leave as DataFrame blocks."""
    monkeypatch.setattr(layout_blocks, "BLOCK_ROWS", 100)
    builder = LayoutBuilder("x.xlsx")
    for number, cells in [(1, HEADER), *data(5000, 2)]:
        builder.add(number, cells)
        assert len(builder.head) <= layout_blocks.HEAD_ROWS and len(builder.block) <= 100
    assert len(builder.finish(5001).table) == 5000
