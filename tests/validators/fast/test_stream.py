"""Cutting a CSV file into blocks of whole rows: the same cells as reading it in one go."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from tests.validators.fast.test_engine import SCHEMA
from tsunagu.validators.fast import FastUnsupported, validate_csv_file
from tsunagu.validators.fast.stream import _last_row_end, csv_batches

NAMES = ["ID", "名称", "備考"]
ROWS = [
    ["K0000001", "柏市役所", ""],
    ["K0000002", '"改行\nのある"名称', "引用符  を含む"],
    ["K0000003", "沼南支所", '"a,b\n\nc"'],
] * 40


def _write(tmp_path: Path, encoding: str, trailing_newline: bool = True) -> Path:
    text = "\n".join([",".join(NAMES)] + [",".join(r) for r in ROWS])
    path = tmp_path / f"施設_{encoding}.csv"
    path.write_bytes((text + ("\n" if trailing_newline else "")).encode(encoding))
    return path


def _whole(path: Path, encoding: str) -> list[list[str]]:
    table = pacsv.read_csv(
        path,
        pacsv.ReadOptions(encoding=encoding),
        pacsv.ParseOptions(newlines_in_values=True),
        pacsv.ConvertOptions(column_types=dict.fromkeys(NAMES, pa.string())),
    )
    return [c.to_pylist() for c in table.columns]


CASES = [(e, b) for e in ("utf-8", "cp932") for b in (7, 64, 1 << 20)] + [("utf-16", 1 << 20)]


@pytest.mark.parametrize(("encoding", "block_size"), CASES)
def test_blocks_hold_whole_rows_whatever_the_cut(
    tmp_path: Path, encoding: str, block_size: int
) -> None:
    """UTF-16 cannot be cut bytewise: Arrow's own streaming reader reads it."""
    path = _write(tmp_path, encoding, trailing_newline=block_size != 64)
    batches = [columns for columns, _ in csv_batches(path, NAMES, encoding, block_size)]
    cells = [[c for b in batches for c in b[i].to_pylist()] for i in range(len(NAMES))]
    assert cells == _whole(path, encoding)
    assert cells[1][1] == "改行\nのある名称"
    if encoding != "utf-16" and block_size == 64:
        assert len(batches) > 10  # really cut into many blocks


def test_a_line_break_inside_quotes_is_never_a_cut() -> None:
    assert _last_row_end(b'a,b\n1,"x\ny"') == 3
    assert _last_row_end(b'1,"x\ny"\n2') == 7
    assert _last_row_end(b'1,"x\ny') == -1


def test_small_blocks_give_the_same_errors(tmp_path: Path) -> None:
    lines = ["ID,名称,開設日,定員"] + [
        f"{i % 7},施設{i},2024-02-{i % 31 + 1:02d},{i - 3}" for i in range(60)
    ]
    path = tmp_path / "施設.csv"
    path.write_text("\n".join(lines) + "\n", encoding="cp932")
    whole = validate_csv_file(path, SCHEMA, encoding="cp932").errors
    assert validate_csv_file(path, SCHEMA, encoding="cp932", block_size=50).errors == whole
    assert {e["type"] for e in whole} >= {"primary-key", "type-error", "constraint-error"}


def test_a_quote_far_down_a_streamed_file_is_still_refused(tmp_path: Path) -> None:
    """The sniffed dialect (from 100 lines) misreads a later ``"``: Frictionless must decide."""
    lines = ["ID,名称,開設日,定員"] + [f"{i},施設,2024-04-01,{i}" for i in range(1, 300)]
    lines.append('300,"施設""本館""",2024-04-01,300')
    path = tmp_path / "施設.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FastUnsupported, match="double quote"):
        validate_csv_file(path, SCHEMA, block_size=256)
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    assert validate_csv_file(path, SCHEMA, block_size=256).rows == 299
