"""Read a departmental CSV (or TSV) file into a Draft, refusing what cannot be read safely.

Order matters: size and binary checks first (cheap, from ``stat`` and the first bytes), then
the encoding over the whole file, then a streaming scan for NUL bytes and over-long lines, and
only then the ``csv`` module. The standard library parser is used rather than pandas because
the layout (title rows above the header, notes below) must be seen row by row before there is
a header to give pandas, and every cell must stay exactly the text the department wrote.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from tsunagu.errors import Location
from tsunagu.formats.encoding import EncodingResult, detect_encoding
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
    header_problems,
    layout_facts,
    layout_table,
)
from tsunagu.formats.traps import find_cp932_traps
from tsunagu.model import Draft, Report, Source

if TYPE_CHECKING:
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
        encoding = detect_encoding(path, options.encoding, file_name=name)
        scan_lines(path, encoding.encoding, settings, name)
        delimiter = sniff_delimiter(path, encoding.encoding)
        records, lengths, last_row = read_records(
            path, encoding.encoding, delimiter, settings, name
        )
        layout = detect_layout(records, last_row, name, options.header_row)
        for number, cells in records:
            check_record(cells, number, settings, name, layout.header)
        report = Report()
        report.extend(header_problems(layout, name))
        _report_ragged(report, layout, lengths, name)
        table = layout_table(layout)
        report.extend(find_cp932_traps(table, name))
        report.facts.update(_facts(encoding, delimiter, layout))
        with path.open("rb") as fh:
            sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
        source = Source(
            path=path,
            format=self.name,
            encoding=encoding.encoding,
            header_row=layout.header_row,
            size=size,
            sha256=sha256,
        )
        return Draft(source=source, table=table, raw_table=table, report=report)


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


def _facts(encoding: EncodingResult, delimiter: str, layout: Layout) -> dict[str, object]:
    return {
        "format": CsvReader.name,
        "encoding": encoding.encoding,
        "encoding_method": encoding.method,
        "delimiter": delimiter,
        **layout_facts(layout),
    }
