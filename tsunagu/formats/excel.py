"""Read one sheet of a departmental Excel workbook (.xlsx) into a Draft of text cells.

The workbook is checked as a zip before openpyxl opens it (macros, zip bombs), then read in
read-only streaming mode with the declared dimension discarded, so a sheet that claims
``A1:XFD1048576`` costs only its real cells. Formulas are never evaluated: the values Excel
saved with the file are read (``data_only=True``) and the department is told. What a printout
hides — hidden sheets, rows and columns, comments, merged cells — is recorded and warned about,
because hidden columns are a classic way personal data ends up published.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, ClassVar

from defusedxml.ElementTree import iterparse
from openpyxl.utils import get_column_letter

from tsunagu.errors import Location
from tsunagu.formats.guards import check_record, check_size, check_xlsx_archive, refuse
from tsunagu.formats.hidden_pii import HiddenColumnScan, HiddenMyNumbers
from tsunagu.formats.layout_blocks import BlockLayout, LayoutBuilder
from tsunagu.formats.layout_detect import Layout, header_problems
from tsunagu.formats.traps import find_cp932_traps
from tsunagu.model import Draft, Report, Source

if TYPE_CHECKING:
    from tsunagu.config import Settings
    from tsunagu.formats.base import ReadOptions

# Hidden rows/columns are all listed in the facts; only this many get a problem each.
MAX_HIDDEN_PROBLEMS = 50


@dataclass
class SheetMeta:
    """What the sheet XML says beyond cell values, read by one streaming pass."""

    hidden_rows: list[int] = field(default_factory=list)
    hidden_column_ranges: list[tuple[int, int]] = field(default_factory=list)
    merged_cells: list[str] = field(default_factory=list)
    formula_cells: int = 0
    comments: int = 0

    def hidden_indices(self, limit: int) -> tuple[int, ...]:
        """1-based indices of the hidden columns up to ``limit`` (no row is wider), sorted."""
        return tuple(
            sorted(
                {
                    c
                    for low, high in self.hidden_column_ranges
                    for c in range(low, min(high, limit) + 1)
                }
            )
        )

    def hidden_columns(self, width: int) -> list[str]:
        """Hidden columns within the used width ("hide unused columns" hides up to XFD)."""
        return [
            get_column_letter(col)
            for low, high in self.hidden_column_ranges
            for col in range(low, min(high, width) + 1)
        ]


class ExcelReader:
    """Registry key ``"xlsx"``. ``.xlsm``/``.xlsb`` are claimed only to be refused clearly."""

    name: ClassVar[str] = "xlsx"
    suffixes: ClassVar[tuple[str, ...]] = (".xlsx", ".xlsm", ".xlsb")

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(b"PK\x03\x04")

    def read(self, path: Path, options: ReadOptions, settings: Settings) -> Draft:
        name = options.display_name or path.name
        size = check_size(path, settings, name)
        check_xlsx_archive(path, settings, name)
        book = _read_workbook(path, options, name, settings)
        layout, sheet, meta = book.layout, book.sheet, book.meta
        hidden_columns = meta.hidden_columns(book.width)
        report = Report()
        report.extend(header_problems(layout.shape, name, sheet))
        for problem in find_cp932_traps(layout.table, name):
            location = dataclasses.replace(problem.location, sheet=sheet)
            report.problems.append(dataclasses.replace(problem, location=location))
        _report_cells_beyond_header(report, layout.shape, name, sheet)
        _warn_hidden(report, name, sheet, book.hidden_sheets, meta.hidden_rows, hidden_columns)
        _block_hidden_my_numbers(report, name, book.my_numbers)
        if meta.formula_cells:
            where = Location(file=name, sheet=sheet)
            report.add("excel-formula-flattened", "warning", where, count=meta.formula_cells)
        report.facts.update(
            format=self.name,
            sheet=sheet,
            sheets=book.sheets,
            hidden_sheets=book.hidden_sheets,
            hidden_rows=meta.hidden_rows,
            hidden_columns=hidden_columns,
            merged_cells=meta.merged_cells,
            formula_cells=meta.formula_cells,
            comments=meta.comments,
            **layout.facts(),
        )
        source = Source(
            path=path,
            format=self.name,
            sheet=sheet,
            header_row=layout.shape.header_row,
            size=size,
            sha256=_sha256(path),
        )
        return Draft(source=source, table=layout.table, raw_table=layout.table, report=report)


@dataclass(frozen=True)
class _Workbook:
    """What one streaming pass over the workbook found."""

    sheet: str
    sheets: list[str]
    hidden_sheets: list[str]
    layout: BlockLayout
    width: int  # the widest non-blank row of the sheet
    meta: SheetMeta
    my_numbers: list[HiddenMyNumbers]


# What openpyxl (and lxml/ElementTree under it) raise on damaged parts: a truncated
# ``workbook.xml`` is an ``XMLSyntaxError`` (a SyntaxError), a missing attribute a TypeError.
_BROKEN_WORKBOOK = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    OSError,
    SyntaxError,
    TypeError,
    AttributeError,
    IndexError,
)


def _read_workbook(path: Path, options: ReadOptions, name: str, settings: Settings) -> _Workbook:
    """Open read-only, pick the sheet, scan its XML for metadata, then stream its rows into the
    table block by block; the rows of every *other* hidden sheet too, for the My Number scan.

    Every row passes once: through the per-record guards, into the layout (which keeps only
    the head until the header is known and then one block), and, for hidden columns, into the
    My Number scan. No list of all rows is ever built.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    # A file object, not a path: openpyxl refuses paths whose suffix it does not know, and
    # uploads are stored under a server-generated id.
    stream = path.open("rb")
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (*_BROKEN_WORKBOOK, InvalidFileException) as exc:
        stream.close()
        raise refuse("excel-unreadable", name) from exc
    try:
        sheets = list(workbook.sheetnames)
        hidden = [ws.title for ws in workbook.worksheets if ws.sheet_state != "visible"]
        worksheet = _choose_sheet(workbook, options.sheet, sheets, hidden, name)
        # openpyxl keeps the sheet's part name privately; it is the only link to its XML.
        meta = scan_sheet_xml(path, worksheet._worksheet_path)
        hidden_scan = HiddenColumnScan(worksheet.title, meta.hidden_indices(settings.max_columns))

        def guard(number: int, cells: list[str], header: list[str]) -> None:
            check_record(cells, number, settings, name, header)

        builder = LayoutBuilder(name, options.header_row, guard)
        width = 0
        last_row = 0
        for last_row, cells in _rows(worksheet, settings.max_columns, name):
            builder.add(last_row, cells)
            width = max(width, len(cells))
            if hidden_scan.indices and cells:
                hidden_scan.add(last_row, cells)
        found = list(hidden_scan.found())
        layout = builder.finish(last_row)
        for other in workbook.worksheets:
            if other.title in hidden and other.title != worksheet.title:
                scan = HiddenColumnScan(other.title)
                for number, cells in _rows(other, settings.max_columns, name):
                    if cells:
                        scan.add(number, cells)
                found.extend(scan.found())
    except _BROKEN_WORKBOOK as exc:  # a damaged sheet part, found while streaming it
        raise refuse("excel-unreadable", name) from exc
    finally:
        workbook.close()
        stream.close()
    return _Workbook(worksheet.title, sheets, hidden, layout, width, meta, found)


def _choose_sheet(
    workbook: Any, wanted: str | None, sheets: list[str], hidden: list[str], name: str
) -> Any:
    worksheets = {ws.title: ws for ws in workbook.worksheets}
    if wanted is not None:
        if wanted not in worksheets:
            raise refuse("excel-sheet-not-found", name, sheet=wanted, sheets=", ".join(sheets))
        return worksheets[wanted]
    visible = [title for title in worksheets if title not in hidden]
    if not visible:
        raise refuse("excel-no-visible-sheet", name)
    return worksheets[visible[0]]


def _rows(worksheet: Any, max_columns: int, name: str) -> Iterator[tuple[int, list[str]]]:
    """The sheet's rows as text with their sheet row numbers, blank ones included (as ``[]``)
    so the last one tells the sheet's length. A row wider than ``max_columns`` stops the read
    at once, before it is converted."""
    worksheet.reset_dimensions()  # never trust the declared A1:XFD1048576
    for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if len(row) > max_columns:
            raise refuse("too-many-columns", name, row=number, count=len(row), limit=max_columns)
        cells = [cell_text(value) for value in row]
        yield number, (cells if any(cell.strip() for cell in cells) else [])


def cell_text(value: Any) -> str:
    """An Excel value as the text a department means: ISO dates, ``42`` not ``42.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        return _datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M" if value.second == 0 else "%H:%M:%S")
    if isinstance(value, timedelta):
        seconds = round(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


def _datetime_text(value: datetime) -> str:
    """Date-only when the time is midnight; Excel's float noise is rounded to the second."""
    if value.microsecond >= 500_000:
        value += timedelta(seconds=1)
    rounded = value.replace(microsecond=0)
    if rounded.time() == time(0, 0):
        return rounded.date().isoformat()
    return rounded.isoformat(timespec="seconds")


def scan_sheet_xml(path: Path, part: str) -> SheetMeta:
    """Hidden rows and columns, merged ranges, formulas and comments from the sheet's XML.

    defusedxml refuses entity tricks (XXE, billion laughs); the archive size was bounded first.
    """
    meta = SheetMeta()
    with zipfile.ZipFile(path) as archive:
        with archive.open(part.lstrip("/")) as stream:
            for _, element in iterparse(stream, events=("end",)):
                _collect(meta, element.tag.rpartition("}")[2], element.attrib)
                if element.tag.endswith(("}c", "}row")):
                    element.clear()
        meta.comments = _count_comments(archive, part)
    return meta


def _collect(meta: SheetMeta, tag: str, attrib: dict[str, str]) -> None:
    hidden = attrib.get("hidden") in ("1", "true")
    if tag == "f":
        meta.formula_cells += 1
    elif tag == "row" and hidden:
        meta.hidden_rows.append(int(attrib.get("r", "0")))
    elif tag == "col" and hidden:
        meta.hidden_column_ranges.append((int(attrib["min"]), int(attrib["max"])))
    elif tag == "mergeCell":
        meta.merged_cells.append(attrib.get("ref", ""))


def _count_comments(archive: zipfile.ZipFile, part: str) -> int:
    """Follow the sheet's relationships to its comments part, if any, and count comments."""
    sheet = PurePosixPath(part.lstrip("/"))
    rels = str(sheet.parent / "_rels" / f"{sheet.name}.rels")
    if rels not in archive.namelist():
        return 0
    count = 0
    with archive.open(rels) as stream:
        targets = [
            el.attrib.get("Target", "")
            for _, el in iterparse(stream)
            if el.attrib.get("Type", "").endswith("/comments")
        ]
    for target in targets:
        member = _resolve(sheet.parent, target)
        if member in archive.namelist():
            with archive.open(member) as stream:
                count += sum(1 for _, el in iterparse(stream) if el.tag.endswith("}comment"))
    return count


def _resolve(base: PurePosixPath, target: str) -> str:
    parts: list[str] = []
    for piece in (target.lstrip("/") if target.startswith("/") else f"{base}/{target}").split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _block_hidden_my_numbers(report: Report, name: str, found: list[HiddenMyNumbers]) -> None:
    """A ``block`` per hidden column or hidden-sheet column holding My Numbers."""
    for hit in found:
        where = Location(file=name, sheet=hit.sheet, column=hit.column, row=hit.rows[0])
        rows_text = ", ".join(str(r) for r in hit.rows)
        report.add("excel-hidden-personal-number", "block", where, count=hit.count, rows=rows_text)


def _warn_hidden(
    report: Report,
    name: str,
    sheet: str,
    hidden_sheets: list[str],
    hidden_rows: list[int],
    hidden_columns: list[str],
) -> None:
    """One warning per hidden sheet, row and column, so each can be found and checked."""
    for hidden in hidden_sheets:
        report.add("excel-hidden-content", "warning", Location(file=name, sheet=hidden))
    for row in hidden_rows[:MAX_HIDDEN_PROBLEMS]:
        report.add("excel-hidden-content", "warning", Location(file=name, sheet=sheet, row=row))
    for column in hidden_columns[:MAX_HIDDEN_PROBLEMS]:
        where = Location(file=name, sheet=sheet, column=column)
        report.add("excel-hidden-content", "warning", where)


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


__all__ = ["ExcelReader", "SheetMeta", "cell_text", "scan_sheet_xml"]


def _report_cells_beyond_header(report: Report, shape: Layout, name: str, sheet: str) -> None:
    """Values right of the table's last column would not be read: an error (never lost
    silently), one per row, as the CSV reader reports ``row-extra-cells``."""
    columns = len(shape.header)
    for number, extra in sorted(shape.extra_cells.items()):
        where = Location(file=name, sheet=sheet, row=number)
        report.add(
            "sheet-cells-beyond-header", "error", where, count=columns + extra, expected=columns
        )
