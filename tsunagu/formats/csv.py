"""Read a departmental CSV (or TSV) file into a Draft, refusing what cannot be read safely.

Order matters: size and binary checks first (cheap, from ``stat`` and the first bytes), then
the encoding over the whole file (that pass keeps the text as UTF-8), then a byte scan for NUL
and over-long lines, and only then the records. The layout (title rows above the header, notes
below) is found on the first and last rows only; the body stays in Arrow columns cut from the
one UTF-8 buffer (:mod:`tsunagu.formats.csv_tokens`), every cell exactly the text the department
wrote, with no Python object per row. A file whose quoting is loose (a quote inside an unquoted
cell, text after a closing quote) is read record by record with the ``csv`` module instead,
whose lenient rules define what such a file means.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from tsunagu.errors import Location
from tsunagu.formats.csv_tokens import Records, tokenize
from tsunagu.formats.encoding import EncodingResult, detect_encoding, to_utf8
from tsunagu.formats.guards import (
    BINARY_MAGIC,
    check_record,
    check_size,
    check_text_head,
    refuse,
    scan_lines,
)
from tsunagu.formats.layout_detect import (
    Layout,
    Row,
    detect_layout,
    find_frame,
    header_problems,
    layout_facts,
    layout_table,
    unique_names,
)
from tsunagu.formats.traps import find_cp932_traps
from tsunagu.model import Draft, Report, Source

if TYPE_CHECKING:
    import pandas as pd

    from tsunagu.config import Settings
    from tsunagu.formats.base import ReadOptions

DELIMITERS = (",", "\t", ";", "|")
SNIFF_CHARS = 64 * 1024
SNIFF_RECORDS = 50
HEAD_BYTES = 8192


class CsvReader:
    """Registry key ``"csv"``: delimited text in UTF-8, CP932, EUC-JP or UTF-16."""

    name: ClassVar[str] = "csv"
    suffixes: ClassVar[tuple[str, ...]] = (".csv", ".tsv", ".txt")

    def sniff(self, head: bytes, path: Path) -> bool:
        """Any suffix-matching file that does not start like a known binary format."""
        return not head.startswith(BINARY_MAGIC)

    def read(self, path: Path, options: ReadOptions, settings: Settings) -> Draft:
        name = options.display_name or path.name
        size = check_size(path, settings, name)
        with path.open("rb") as fh:
            check_text_head(fh.read(HEAD_BYTES), name)
        encoding = detect_encoding(path, options.encoding, file_name=name, keep_utf8=True)
        scan_lines(path, encoding.encoding, settings, name)
        delimiter = sniff_delimiter(path, encoding.encoding)
        text = encoding.utf8 if encoding.utf8 is not None else to_utf8(path, encoding.encoding)
        records = tokenize(text, delimiter)
        if records is None:  # quoting the column-wise reader cannot vouch for: csv's own rules
            table, header_row, report, facts = _read_with_csv(
                path, encoding.encoding, delimiter, options, settings, name
            )
        else:
            table, header_row, report, facts = _read_columns(records, options, settings, name)
        report.extend(find_cp932_traps(table, name))
        report.facts.update(_facts(encoding, delimiter, facts))
        with path.open("rb") as fh:
            sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
        source = Source(
            path=path,
            format=self.name,
            encoding=encoding.encoding,
            header_row=header_row,
            size=size,
            sha256=sha256,
        )
        return Draft(source=source, table=table, raw_table=table, report=report)


def _read_with_csv(
    path: Path,
    encoding: str,
    delimiter: str,
    options: ReadOptions,
    settings: Settings,
    name: str,
) -> tuple[pd.DataFrame, int, Report, dict[str, object]]:
    """Record by record with the ``csv`` module: for files whose quoting is not well formed."""
    records, lengths, last_row = read_records(path, encoding, delimiter, settings, name)
    layout = detect_layout(records, last_row, name, options.header_row)
    for number, cells in records:
        check_record(cells, number, settings, name, layout.header)
    report = Report()
    report.extend(header_problems(layout, name))
    _report_ragged(report, layout, lengths, name)
    return layout_table(layout), layout.header_row, report, layout_facts(layout)


def _read_columns(
    records: Records, options: ReadOptions, settings: Settings, name: str
) -> tuple[pd.DataFrame, int, Report, dict[str, object]]:
    """The same table, problems and facts as :func:`_read_with_csv`, with the body kept in
    Arrow columns: Python rows are built only for the title rows, header and notes."""
    import pandas as pd
    import pyarrow as pa

    _check_records(records, settings, name)
    content = records.content()
    numbers = content + 1

    def rows_at(start: int, stop: int) -> list[Row]:
        return [(int(numbers[k]), records.row(int(content[k]))) for k in range(start, stop)]

    frame = find_frame(numbers, rows_at, len(records), name, options.header_row)
    _check_cells(records, content, settings, name, frame.header)
    data = content[frame.data_start : frame.data_stop]
    columns = len(frame.header)
    report = Report()
    report.extend(header_problems(frame, name))
    counts = records.cell_counts[data]
    extra = _extra_cells(records, data, columns)
    for index in np.flatnonzero((extra > 0) | (counts < columns)):
        where = Location(file=name, row=int(data[index]) + 1)
        code, severity = (
            ("row-extra-cells", "error") if extra[index] else ("row-missing-cells", "warning")
        )
        report.add(code, severity, where, count=int(counts[index]), expected=columns)
    arrays = [records.column(data, position) for position in range(columns)]
    table = pa.Table.from_arrays(arrays, names=[str(p) for p in range(columns)]).to_pandas()
    table.columns = pd.Index(unique_names(frame.header))
    table.index = pd.Index(data + 1, dtype="int64")
    facts = {
        "header_row": frame.header_row,
        "title_rows": frame.title_rows,
        "notes_below": frame.notes_below,
        "trailing_blank_rows": frame.trailing_blank_rows,
        "blank_rows_inside": frame.blank_rows_inside,
        "rows": len(data),
        "columns": columns,
    }
    return table, frame.header_row, report, facts


def _check_records(records: Records, settings: Settings, name: str) -> None:
    """What ``csv`` refuses while reading, at the first record it happens in: more than
    ``max_columns`` cells, or a cell beyond its field size limit (Excel's is lower)."""
    wide = np.flatnonzero(records.cell_counts > settings.max_columns)
    first_wide = int(wide[0]) if len(wide) else len(records)
    limit = csv.field_size_limit()
    for cell in np.flatnonzero(records.cell_ends - records.cell_starts > limit):
        record = _record_of(records, int(cell))
        if record > first_wide:
            break
        if len(records.text(int(cell))) > limit:
            raise refuse("cell-too-long", name, row=record + 1, limit=settings.max_cell_chars)
    if len(wide):
        count = int(records.cell_counts[first_wide])
        raise refuse(
            "too-many-columns", name, row=first_wide + 1, count=count, limit=settings.max_columns
        )


def _check_cells(
    records: Records, content: np.ndarray, settings: Settings, name: str, header: list[str]
) -> None:
    """The first cell of a non-blank record longer than ``max_cell_chars`` (in characters)."""
    limit = settings.max_cell_chars
    for cell in np.flatnonzero(records.cell_ends - records.cell_starts > limit):
        record = _record_of(records, int(cell))
        index = np.searchsorted(content, record)
        if index >= len(content) or content[index] != record:
            continue  # a blank record: csv rows that hold only spaces are skipped
        text = records.text(int(cell))
        if len(text) > limit:
            position = int(cell) - int(records.first_cell[record]) + 1
            column = header[position - 1] if position <= len(header) else str(position)
            raise refuse(
                "cell-too-long", name, row=record + 1, column=column, length=len(text), limit=limit
            )


def _record_of(records: Records, cell: int) -> int:
    return int(np.searchsorted(records.first_cell, cell, side="right")) - 1


def _extra_cells(records: Records, data: np.ndarray, columns: int) -> np.ndarray:
    """Per data record, how many non-blank cells reach beyond the header's width (0 if none)."""
    extra = np.zeros(len(data), dtype=np.int64)
    wide = np.flatnonzero(records.cell_counts[data] > columns)
    if not len(wide):
        return extra
    beyond = records.cell_counts[data[wide]] - columns
    skip = np.repeat(np.cumsum(beyond) - beyond, beyond)
    offset = np.arange(int(beyond.sum())) - skip  # 0-based, past the header's width
    owner = np.repeat(wide, beyond)
    cells = records.first_cell[data[owner]] + columns + offset
    filled = records.nonblank_cells(cells)
    np.maximum.at(extra, owner[filled], offset[filled] + 1)
    return extra


def sniff_delimiter(path: Path, encoding: str) -> str:
    """The candidate that splits the most leading records into one consistent width (> 1)."""
    with path.open(encoding=encoding, newline="") as fh:
        sample = fh.read(SNIFF_CHARS)
    lines = sample.splitlines()[:SNIFF_RECORDS]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = Counter(len(cells) for cells in csv.reader(lines, delimiter=delimiter) if cells)
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]), default=(0, 0))
        score = (count, width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_records(
    path: Path, encoding: str, delimiter: str, settings: Settings, name: str
) -> tuple[list[Row], dict[int, int], int]:
    """Non-blank records with their record number, each record's cell count, and the count.

    Record numbers count every record, blank ones and the header included, so they match the
    row numbers a department sees when it opens the file in Excel.
    """
    rows: list[Row] = []
    lengths: dict[int, int] = {}
    number = 0
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            for number, cells in enumerate(reader, start=1):
                if len(cells) > settings.max_columns:
                    check_record(cells, number, settings, name, None)
                lengths[number] = len(cells)
                if any(cell.strip() for cell in cells):
                    rows.append((number, cells))
        except csv.Error as exc:
            code = "cell-too-long" if "field larger" in str(exc) else "csv-malformed"
            raise refuse(code, name, row=number + 1, limit=settings.max_cell_chars) from exc
    return rows, lengths, number


def _report_ragged(report: Report, layout: Layout, lengths: dict[int, int], name: str) -> None:
    """Rows with content beyond the header (error: it would be lost) or too few cells."""
    columns = len(layout.header)
    for number, _ in layout.rows:
        where = Location(file=name, row=number)
        if number in layout.extra_cells:
            report.add(
                "row-extra-cells",
                "error",
                where,
                count=lengths[number],
                expected=columns,
            )
        elif lengths[number] < columns:
            report.add(
                "row-missing-cells",
                "warning",
                where,
                count=lengths[number],
                expected=columns,
            )


def _facts(
    encoding: EncodingResult, delimiter: str, layout: dict[str, object]
) -> dict[str, object]:
    return {
        "format": CsvReader.name,
        "encoding": encoding.encoding,
        "encoding_method": encoding.method,
        "delimiter": delimiter,
        **layout,
    }
