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
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import pandas as pd

    from tsunagu.config import Settings
    from tsunagu.model import Draft

ENCODING = "utf-8"
EXCEL_ENCODING = "utf-8-sig"  # UTF-8 with BOM: what Excel needs to detect UTF-8
LINE_TERMINATOR = "\r\n"


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


def write_standard_csv(table: pd.DataFrame, path: Path) -> Path:
    """Write ``table`` as the canonical standard CSV (UTF-8, no BOM, CRLF, RFC 4180)."""
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
