"""A CSV file as batches of string columns, read and parsed a bounded block at a time.

Arrow's streaming CSV reader parses ahead of its consumer: with a slower consumer (validation)
it holds twenty or more blocks (≈200 MB for a 1M-row file), whatever ``block_size`` says. So the
file is cut here instead: read ``block_size`` bytes, cut after the last line break that is not
inside quotes (an even number of ``"`` before it, as RFC 4180 quoting doubles them), parse that
with Arrow's multithreaded reader, carry the rest over. The next block is parsed on a worker
thread while the current one is validated, so two blocks are alive at a time, never more.

Cutting bytes is only safe in encodings where ``\\n`` and ``"`` are never part of a multibyte
character: UTF-8, CP932/Shift_JIS (trail bytes are ``0x40``–``0xFC``), EUC-JP. Any other
encoding is left to Arrow's own streaming reader.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa

CUTTABLE = frozenset({"utf-8", "utf-8-sig", "cp932", "shift_jis", "euc_jp", "ascii"})
QUOTE, NEWLINE = b'"', b"\n"


def csv_batches(
    path: Path, names: list[str], encoding: str, block_size: int
) -> Iterator[tuple[list[pa.Array], bytes | None]]:
    """String columns (cells as written, "" for empty) of each block of rows after the header.

    Each comes with the block's raw bytes when the file was cut here (None from Arrow's own
    reader), so callers can rule things out with one byte search instead of a column scan.
    """
    import pyarrow.csv as pacsv

    parse_csv_options = pacsv.ParseOptions(delimiter=",", quote_char='"', newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    if codecs.lookup(encoding).name not in CUTTABLE:
        read = pacsv.ReadOptions(encoding=encoding, block_size=block_size)
        for batch in pacsv.open_csv(path, read, parse_csv_options, convert):
            yield batch.columns, None
        return
    # Other encodings are decoded here, a whole block at a time: ~20% faster than Arrow's
    # transcoding stream, which calls the same Python codec on small pieces.
    utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    first = pacsv.ReadOptions(block_size=2 * block_size + (1 << 20))
    rest = pacsv.ReadOptions(block_size=first.block_size, column_names=list(names))

    def parse(block: bytes, options: Any) -> list[Any]:
        text = block if utf8 else block.decode(encoding).encode("utf-8")
        table = pacsv.read_csv(pa.py_buffer(text), options, parse_csv_options, convert)
        del text
        return [c.combine_chunks() for c in table.columns]

    # The next block is decoded and parsed on a worker thread (Arrow and the codec release
    # the GIL) while the caller validates this one: two blocks are alive, never more.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-block") as pool:
        pending: tuple[Future[list[Any]], bytes] | None = None
        for index, block in enumerate(_blocks(path, block_size)):
            future = pool.submit(parse, block, first if index == 0 else rest)
            if pending is not None:
                yield from _ready(*pending)
            pending = (future, block)
            del future, block
        if pending is not None:
            yield from _ready(*pending)


def _ready(future: Future[list[Any]], block: bytes) -> Iterator[tuple[list[pa.Array], bytes]]:
    columns = future.result()
    if columns and len(columns[0]):
        yield columns, block


def _blocks(path: Path, block_size: int) -> Iterator[bytes]:
    """Whole rows of the file, about ``block_size`` bytes at a time (the first holds the header)."""
    carried = b""
    with path.open("rb") as handle:
        while chunk := handle.read(block_size):
            data = carried + chunk
            cut = _last_row_end(data)
            if cut < 0:  # no complete row yet (a huge quoted cell): read more
                carried = data
                continue
            carried = data[cut + 1 :]
            yield data[: cut + 1]
    if carried:
        yield carried


def _last_row_end(data: bytes) -> int:
    """Index of the last ``\\n`` outside quotes, or -1."""
    cut = data.rfind(NEWLINE)
    if data.find(QUOTE, 0, cut) < 0:  # no quote at all (usual): a fast search, no count
        return cut
    while cut >= 0 and data.count(QUOTE, 0, cut) % 2:
        cut = data.rfind(NEWLINE, 0, cut)
    return cut
