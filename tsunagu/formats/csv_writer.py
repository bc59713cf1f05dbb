"""The published standard CSV, and a "CSV for Excel" variant.

The byte rules of the canonical file (:class:`StandardCsvWriter`):

- **UTF-8 without BOM, CRLF line endings, RFC 4180 quoting** (a field is quoted only when it
  holds a comma, a double quote or a line break; quotes are doubled), header = the standard's
  field names in the standard's order, exactly as ``Draft.table`` holds them after normalize.
- Where the rule comes from: we searched for the Digital Agency's own rule (デジタル庁
  「自治体標準オープンデータセット」データ項目定義書 共通ルール, 文字コード / BOM / 改行) in the
  project's reference search (pages, docs and code corpora, 2026-11-24) and found no statement
  on BOM or line endings; /work/shared/standards has none either. So we follow RFC 4180
  (https://www.rfc-editor.org/rfc/rfc4180, §2: records end with CRLF) and the common open-data
  practice of UTF-8 without BOM (a BOM ends up glued to the first header name in most parsers,
  e.g. ``\\ufeff全国地方公共団体コード``, which breaks column lookup by name). Revisit if the
  definition document's 共通ルール sheet turns out to say otherwise.
- Cells are written byte-exact: no formula neutralisation. The canonical file is
  machine-readable data, and a leading ``'`` would change a value such as ``-1`` or ``=``.

:func:`write_excel_csv` is the download for people who double-click a CSV: Excel only detects
UTF-8 with a BOM, and a cell starting with ``=``, ``+``, ``-`` or ``@`` would run as a formula,
so that variant has a BOM and neutralises formulas (OWASP ASVS V1.2.10).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from tsunagu.config import Settings
    from tsunagu.model import Draft

ENCODING = "utf-8"
EXCEL_ENCODING = "utf-8-sig"  # UTF-8 with BOM: what Excel needs to detect UTF-8
LINE_TERMINATOR = "\r\n"
#: Rows converted and written at a time: memory stays bounded by one block, not the file.
BLOCK_ROWS = 50_000


def table_columns(table: pd.DataFrame) -> list[str]:
    """The columns to publish: every column but a GeoDataFrame's geometry (WKT is not a cell
    of any standard; points keep their 緯度/経度 columns)."""
    geometry = getattr(getattr(table, "geometry", None), "name", None)
    return [str(c) for c in table.columns if c != geometry]


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None / NaN → empty
        return ""
    return str(value)


def _write_rows(
    table: pd.DataFrame, path: Path, encoding: str, cell: Callable[[int, str], str]
) -> Path:
    columns = table_columns(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator=LINE_TERMINATOR, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(columns)
        for values in table[columns].itertuples(index=False, name=None):
            writer.writerow([cell(i, _cell(v)) for i, v in enumerate(values)])
    return path


def _text_block(table: pd.DataFrame, columns: list[str]) -> pa.Table | None:
    """``table``'s ``columns`` as Arrow text, empty cells null; None if a cell is not text.

    A cell that is not ``str`` (a number, a date) would need ``str()`` per value to match the
    row writer, so such a table takes that path instead.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    positions = [i for i, name in enumerate(table.columns) if str(name) in columns]
    if len(positions) != len(columns):
        return None
    arrays = []
    for position in positions:
        try:
            array = pa.array(table.iloc[:, position], type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        arrays.append(pc.if_else(pc.equal(array, ""), None, array))
    return pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])


def _write_blocks(table: pd.DataFrame, path: Path) -> bool:
    """The standard CSV written by polars in blocks of :data:`BLOCK_ROWS` rows (one Arrow
    block in memory at a time); False when the table has a cell that is not text (the caller
    then rewrites the file with the row writer).

    polars' ``necessary`` quoting is the csv module's QUOTE_MINIMAL (a comma, a quote, CR or
    LF), except for a one-column row holding an empty cell, which csv writes as ``""``: a
    one-column table keeps the row writer. The header line is the csv module's, so duplicate
    or odd column names never reach polars.
    """
    import polars as pl

    columns = table_columns(table)
    if len(columns) < 2:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(_header_line(columns).encode(ENCODING))
        for start in range(0, len(table), BLOCK_ROWS):
            block = _text_block(table.iloc[start : start + BLOCK_ROWS], columns)
            if block is None:
                return False
            # Into memory, then written by Python: a full disk is then an OSError with its
            # errno (polars' own write loses it, and the user would not read "disk full").
            text = pl.DataFrame(block).write_csv(
                include_header=False,
                line_terminator=LINE_TERMINATOR,
                quote_style="necessary",
                null_value="",
            )
            fh.write(text.encode(ENCODING))
    return True


def _header_line(columns: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=LINE_TERMINATOR, quoting=csv.QUOTE_MINIMAL).writerow(columns)
    return buffer.getvalue()


def write_standard_csv(table: pd.DataFrame, path: Path) -> Path:
    """Write ``table`` as the canonical standard CSV (UTF-8, no BOM, CRLF, RFC 4180)."""
    if _write_blocks(table, path):
        return path
    return _write_rows(table, path, ENCODING, lambda _i, value: value)


def write_excel_csv(
    table: pd.DataFrame, path: Path, *, numeric_columns: Iterable[str] = ()
) -> Path:
    """Write the "for Excel" CSV: UTF-8 with BOM, formulas neutralised with a leading ``'``.

    ``numeric_columns`` (the schema's number/integer fields) keep plain number literals such
    as ``-3.5`` unquoted, so Excel still reads them as numbers.
    """
    from tsunagu.formats.spreadsheet_safety import neutralize_formula

    numeric = set(numeric_columns)
    flags = [name in numeric for name in table_columns(table)]
    return _write_rows(
        table,
        path,
        EXCEL_ENCODING,
        lambda i, value: neutralize_formula(value, numeric=flags[i]),
    )


class StandardCsvWriter:
    """Writes ``<stem>.csv``, the canonical standard CSV of a dataset."""

    name: ClassVar[str] = "csv"

    def write(self, draft: Draft, out_dir: Path, settings: Settings, *, stem: str) -> Path:
        return write_standard_csv(draft.table, out_dir / f"{stem}.csv")
