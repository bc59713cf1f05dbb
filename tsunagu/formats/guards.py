"""Cheap, streaming pre-checks that run before any parser sees a departmental file.

Parsers are the expensive and fragile part: Frictionless took 79 s and 1.6 GB on one 256 MB line,
and 573 s on a 2.5 MB file of 100,000 columns (security-and-bad-inputs §2.2). Every check here
reads in bounded chunks and stops at the first violation, so a hostile upload costs seconds and
a few megabytes, and is refused with the row (and byte) a department can look up.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tsunagu.errors import FormatError, Location, Problem, Severity

if TYPE_CHECKING:
    from tsunagu.config import Settings

CHUNK_BYTES = 1024 * 1024
# Signatures of binary files that get renamed to .csv (PNG, JPEG, GIF, PDF, ZIP/xlsx, OLE/xls).
BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
)
# Allowed C0 controls in text: TAB, LF, CR (and FF/VT that some exports emit).
TEXT_CONTROLS = {9, 10, 11, 12, 13}
MAX_CONTROL_RATIO = 0.05
# Office XML compresses 10-30x; only a large archive with an extreme ratio is a bomb.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_FROM_BYTES = 50 * 1024 * 1024
# Encodings in which bytes 0x00 and 0x0A never occur inside a multibyte character.
ASCII_SAFE = ("utf-8", "utf-8-sig", "cp932", "euc-jp")
MACRO_SUFFIXES = (".xlsm", ".xlsb", ".xltm", ".xlam")


def refuse(
    code: str,
    file_name: str,
    *,
    row: int | None = None,
    column: str | None = None,
    byte_offset: int | None = None,
    sheet: str | None = None,
    **params: Any,
) -> FormatError:
    """A FormatError carrying one problem; the caller raises it (``raise refuse(...)``)."""
    location = Location(
        file=file_name, sheet=sheet, row=row, column=column, byte_offset=byte_offset
    )
    return FormatError.from_problem(Problem(code, Severity.ERROR, location, params))


def check_size(path: Path, settings: Settings, file_name: str) -> int:
    """Refuse an empty file or one over ``settings.max_file_bytes``; return the size."""
    size = path.stat().st_size
    if size == 0:
        raise refuse("file-empty", file_name)
    if size > settings.max_file_bytes:
        raise refuse("file-too-large", file_name, size=size, limit=settings.max_file_bytes)
    return size


def check_text_head(head: bytes, file_name: str) -> None:
    """Refuse a file whose first bytes show it is not text (an image, a PDF, random bytes).

    A UTF-16 file is full of NUL bytes by design, so it is recognised by its BOM first.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    kind = next((magic for magic in BINARY_MAGIC if head.startswith(magic)), None)
    controls = sum(1 for byte in head if byte < 32 and byte not in TEXT_CONTROLS)
    if kind is not None or controls > max(1, len(head) * MAX_CONTROL_RATIO):
        raise refuse("file-not-text", file_name)


def scan_lines(path: Path, encoding: str, settings: Settings, file_name: str) -> int:
    """Stream the file once: refuse NUL characters and over-long lines; count lines.

    Line length is measured in bytes of the file's own encoding, as ``max_line_bytes`` says. In
    the encodings where bytes 0x00 and 0x0A only ever mean NUL and LF (UTF-8, CP932, EUC-JP) the
    raw bytes are searched column-wise with numpy; UTF-16 is decoded and measured piece by piece.
    """
    if encoding not in ASCII_SAFE:
        return _scan_decoded_lines(path, encoding, settings, file_name)
    import numpy as np

    limit = settings.max_line_bytes
    line, length = 1, 0
    with path.open("rb") as fh:
        if encoding == "utf-8-sig" and fh.read(3) != codecs.BOM_UTF8:
            fh.seek(0)
        while chunk := fh.read(CHUNK_BYTES):
            buf = np.frombuffer(chunk, dtype=np.uint8)
            ends = np.flatnonzero(buf == 0x0A)
            # Piece i is the text before the i-th LF of the chunk (the last: after the last LF).
            edges = np.concatenate(([-1], ends, [len(buf)]))
            sizes = np.diff(edges) - 1
            sizes[-1] += 1
            sizes[0] += length
            nuls = np.flatnonzero(buf == 0)
            bad = sizes > limit
            if len(nuls):
                bad[np.searchsorted(ends, nuls)] = True
            if bad.any():
                piece = int(np.argmax(bad))
                row = line + piece
                if len(nuls) and int(np.searchsorted(ends, nuls[0])) == piece:
                    raise refuse("nul-byte", file_name, row=row)
                raise refuse("line-too-long", file_name, row=row, limit=limit)
            line += len(ends)
            length = int(sizes[-1])
    return line


def _scan_decoded_lines(path: Path, encoding: str, settings: Settings, file_name: str) -> int:
    """:func:`scan_lines` for encodings whose bytes cannot be searched directly (UTF-16)."""
    measure = {"utf-8-sig": "utf-8", "utf-16": "utf-16-le"}.get(encoding, encoding)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line, length = 1, 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            text = decoder.decode(chunk)
            pieces = text.split("\n")
            for index, piece in enumerate(pieces):
                if "\x00" in piece:
                    raise refuse("nul-byte", file_name, row=line)
                length += len(piece.encode(measure))
                if length > settings.max_line_bytes:
                    raise refuse(
                        "line-too-long", file_name, row=line, limit=settings.max_line_bytes
                    )
                if index < len(pieces) - 1:
                    line, length = line + 1, 0
    return line


def check_record(
    cells: list[str], row: int, settings: Settings, file_name: str, header: list[str] | None
) -> None:
    """Refuse a record with more cells than ``max_columns`` or a cell over ``max_cell_chars``."""
    if len(cells) > settings.max_columns:
        raise refuse(
            "too-many-columns", file_name, row=row, count=len(cells), limit=settings.max_columns
        )
    for position, cell in enumerate(cells, start=1):
        if len(cell) > settings.max_cell_chars:
            name = header[position - 1] if header and position <= len(header) else str(position)
            raise refuse(
                "cell-too-long",
                file_name,
                row=row,
                column=name,
                length=len(cell),
                limit=settings.max_cell_chars,
            )


def check_xlsx_archive(path: Path, settings: Settings, file_name: str) -> None:
    """Refuse macro workbooks and zip bombs from the central directory, before openpyxl.

    Sizes in a central directory can lie, so openpyxl is then run in read-only streaming mode
    and the reader stops at the real data; this check catches the honest bombs cheaply.
    """
    if {path.suffix.lower(), Path(file_name).suffix.lower()} & set(MACRO_SUFFIXES):
        raise refuse("excel-macro-refused", file_name)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise refuse("excel-unreadable", file_name) from exc
    names = {m.filename.lower() for m in members}
    if any(n.endswith("vbaproject.bin") for n in names):
        raise refuse("excel-macro-refused", file_name)
    unzipped = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    limit = settings.max_unzipped_bytes
    is_bomb = unzipped > RATIO_CHECK_FROM_BYTES and unzipped / packed > MAX_COMPRESSION_RATIO
    if unzipped > limit or is_bomb or len(members) > max(settings.max_zip_members, 1000):
        raise refuse(
            "archive-too-large", file_name, size=unzipped, limit=limit, ratio=unzipped // packed
        )
