"""The column-wise CSV reading against the ``csv`` module's, file by file, on every shape the
departments send: the same table, row numbers, problems and facts, or the same refusal."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from tsunagu.errors import FormatError
from tsunagu.formats import csv_tokens
from tsunagu.formats.base import ReadOptions
from tsunagu.formats.csv import CsvReader, _read_columns, _read_with_csv
from tsunagu.formats.csv_tokens import WHITESPACE, tokenize
from tsunagu.formats.encoding import to_utf8

CELLS = [
    "",
    "",
    "1",
    "柏市役所",
    " 柏 ",
    "\u3000",
    " ",
    "※ 休館日は除く",
    "注1 土日",
    '"引用"',
    '"柏市,柏5丁目"',
    '"一行目\n二行目"',
    '"一行目\r\n二行目"',
    '"彼は""はい""と"',
    '""',
    '""""',
    '" "',
    "９時～17時",
    "①",
]
LINE_ENDS = ["\n", "\r\n", "\r"]


def _outcome(call):
    try:
        table, header_row, report, facts = call()
    except FormatError as error:
        problem = error.problem
        return ("refused", problem.code, problem.location, problem.params)
    problems = [(p.code, p.severity, p.location, p.params) for p in report.problems]
    return table, header_row, problems, facts


def _both(path, delimiter, settings, header_row=None):
    options = ReadOptions(header_row=header_row)
    records = tokenize(to_utf8(path, "utf-8"), delimiter)
    assert records is not None
    columns = _outcome(lambda: _read_columns(records, options, settings, path.name))
    rows = _outcome(lambda: _read_with_csv(path, "utf-8", delimiter, options, settings, path.name))
    return columns, rows


def _assert_same(columns, rows):
    if isinstance(rows[0], str) or isinstance(columns[0], str):
        assert columns == rows
        return
    pd.testing.assert_frame_equal(columns[0], rows[0])
    assert columns[0].dtypes.tolist() == rows[0].dtypes.tolist()
    assert list(columns[0].index) == list(rows[0].index)
    assert columns[1:] == rows[1:]


def _random_file(rng: random.Random, delimiter: str) -> str:
    width = rng.randint(1, 6)
    end = rng.choice(LINE_ENDS)
    lines = [f"タイトル{delimiter * rng.randint(0, width)}" for _ in range(rng.randint(0, 2))]
    lines += [""] * rng.randint(0, 1)
    lines.append(delimiter.join(f"列{i}" for i in range(width)))
    for _ in range(rng.randint(0, 12)):
        kind = rng.random()
        if kind < 0.1:
            lines.append("")
        elif kind < 0.15:
            lines.append(delimiter * rng.randint(1, width) + rng.choice(["", " ", "\u3000"]))
        else:
            cells = rng.randint(1, width + 2)
            lines.append(delimiter.join(rng.choice(CELLS) for _ in range(cells)))
    for _ in range(rng.randint(0, 3)):
        lines.append(rng.choice(["※ 問合せ先：保健予防課", "", "出典：柏市", "単独の注記"]))
    text = end.join(lines)
    return text + (end if rng.random() < 0.7 else "")


@pytest.mark.parametrize("seed", range(300))
def test_random_departmental_files_read_alike(tmp_path, settings, seed):
    rng = random.Random(seed)
    delimiter = rng.choice([",", ",", "\t"])
    path = tmp_path / "ledger.csv"
    path.write_bytes(_random_file(rng, delimiter).encode("utf-8"))
    _assert_same(*_both(path, delimiter, settings))


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2",  # no line end after the last record
        "a,b\r\n1,2\r\n\r\n\r\n",  # blank rows at the end
        "a,b\r1,2\r3,4\r",  # old Mac line ends
        "a,b\n1,2\r\r\n3,4\n",  # CR then CR LF: a blank record between
        'a,b\n"1\n2",3\n4,5\n',  # a quoted line end keeps the record numbers
        'a,b\n"",""\n1,2\n',  # a record of empty quoted cells is blank
        'a,b\n"""",\n1,2\n',  # a quoted quote is content
        "a,b\n1,2,,,\n3,4\n",  # empty cells beyond the header: not extra cells
        "a,b\n1,2,,x\n3\n",  # content beyond the header, and a short row
        "a,b\n" + " \u3000\x85\u2028,\t\n" + "1,2\n",  # every kind of whitespace is blank
        "\n\n\na,b\n1,2\n",  # blank rows above the header
        "a\n1\n2\n\n※ note\n",  # one column
        ",a,b\n,1,2\n",  # an empty first header name
        "a,b\n1,2\n\n3,4\n単独\n",  # a single-cell row after a blank row is a note
    ],
)
def test_edge_files_read_alike(tmp_path, settings, text):
    path = tmp_path / "edge.csv"
    path.write_bytes(text.encode("utf-8"))
    _assert_same(*_both(path, ",", settings))


@pytest.mark.parametrize("header_row", [1, 2, 3, 4, 9])
def test_forced_header_row_reads_alike(tmp_path, settings, header_row):
    path = tmp_path / "forced.csv"
    path.write_bytes("題名\n\na,b\n1,2\n3,4\n".encode())
    _assert_same(*_both(path, ",", settings, header_row))


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,\n\n" + "x" * 40000 + ",2\n",  # an over-long cell (Excel's limit)
        "a,b\n1,2\n" + " " * 40000 + ",\n",  # an over-long blank cell: the row is blank
        "a,b\n1,2\n" + ",".join("x" * 1200) + "\n",  # too many columns
        "a,b\n" + "y" * 140000 + ",2\n" + ",".join("x" * 1200) + "\n",  # beyond csv's limit
        "",  # only a line end below
        "\n\n",
        "題名\na,b\n",  # a header and nothing under it
    ],
)
def test_refusals_read_alike(tmp_path, settings, text):
    path = tmp_path / "bad.csv"
    path.write_bytes(text.encode("utf-8"))
    _assert_same(*_both(path, ",", settings.replace(max_line_bytes=10**6)))


@pytest.mark.parametrize(
    "text",
    ['a,b\n1,x"y\n', 'a,b\n"1"x,2\n', 'a,b\n"1,2\n', 'a,b\n "1",2\n', 'a,b\n"1" ,2\n'],
)
def test_loose_quoting_is_left_to_the_csv_module(tmp_path, settings, text):
    path = tmp_path / "loose.csv"
    path.write_bytes(text.encode("utf-8"))
    assert tokenize(text.encode("utf-8"), ",") is None
    draft = CsvReader().read(path, ReadOptions(), settings)  # still read, by csv's own rules
    assert draft.table.index.tolist() == [2]


def test_whitespace_list_is_what_str_strip_removes():
    assert "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) == WHITESPACE


def test_searching_in_small_blocks_finds_the_same_cells(monkeypatch):
    rng = random.Random(7)
    lines = (",".join(rng.choice(CELLS) for _ in range(rng.randint(0, 5))) for _ in range(300))
    text = "".join(line + rng.choice(LINE_ENDS) for line in lines).encode("utf-8")
    whole = tokenize(text, ",")
    monkeypatch.setattr(csv_tokens, "FIND_BLOCK", 7)
    blocks = tokenize(text, ",")
    assert whole is not None and blocks is not None
    assert [whole.row(i) for i in range(len(whole))] == [blocks.row(i) for i in range(len(blocks))]
    assert whole.cells.equals(blocks.cells)
