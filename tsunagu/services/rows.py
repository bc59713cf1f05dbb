"""Rows store: a dataset's published standard CSV held as a polars table, for the rows API.

Why not read the CSV per request: even a 100k-row file takes a fraction of a second to parse,
while a filter over columns in memory takes milliseconds. So each published CSV is loaded once
per ``(dataset id, sha256)`` — a new version has a new checksum, hence a fresh entry — with

- every column as text (cells are never reinterpreted: ``"0012"`` stays ``"0012"``; an empty
  cell is ``""``);
- one *folded* text per row (:func:`tsunagu.catalogue.search_text.fold` of all its cells), so
  ``q`` matches across full-/half-width and hiragana/katakana variants, as the catalogue search
  does.

Entries live in an LRU bounded by count and by bytes. No Flask here (house style §3.2 e): the
blueprint :mod:`tsunagu.webapp.api.rows` parses the request and calls :func:`select_rows`.

With a cache folder (the web app gives ``<data_dir>/cache/rows``) a loaded table, folded text
included, is also written once as an uncompressed Arrow IPC file and every process opens it
memory-mapped: the gunicorn workers then share one copy of a table in the page cache instead
of parsing and folding the CSV each (issue 17: a 1M-row table is hundreds of MB per copy).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from tsunagu.catalogue.search_text import fold, fold_series
from tsunagu.errors import TsunaguError
from tsunagu.publisher.workspace import held_while_writing
from tsunagu.services.loaded_files import LoadedFiles
from tsunagu.services.request_input import (
    INVALID_VALUE,
    UNKNOWN_PARAMETER,
    BadParameter,
    query_int,
    query_text,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
#: Offsets past the table give an empty page; offsets past this are a malformed request.
MAX_OFFSET = 1_000_000_000
#: Query-string names that are not field filters.
RESERVED = frozenset({"q", "sort", "limit", "offset", "lang"})
_SEPARATOR = "\x00"  # between cells of the folded row: not whitespace, so fold() keeps it
#: The folded text's column in a cached table: a CSV header can never hold NUL (the reader
#: refuses NUL bytes), so it cannot collide with a field.
_FOLDED = "\x00folded"


class RowsQueryError(BadParameter):
    """A malformed rows request (bad limit, offset, sort or an unknown field): HTTP 400, with
    the code of the kind of mistake shared by every route."""


class RowsUnreadable(TsunaguError):
    """The published CSV itself cannot be parsed: a server-side fault, not the caller's."""

    code = "rows-unreadable"
    http_status = 500


@dataclass(frozen=True)
class RowsQuery:
    filters: Mapping[str, str] = field(default_factory=dict)
    q: str = ""
    sort: str | None = None
    descending: bool = False
    limit: int | None = DEFAULT_LIMIT  # None: every matching row (the CSV download)
    offset: int = 0


@dataclass(frozen=True)
class RowsTable:
    """One published CSV: its cells as text and a folded search text per row."""

    frame: pl.DataFrame
    folded: pl.Series

    @property
    def fields(self) -> list[str]:
        return list(self.frame.columns)

    @property
    def nbytes(self) -> int:
        return int(self.frame.estimated_size() + self.folded.estimated_size())


@dataclass(frozen=True)
class RowsPage:
    total: int
    frame: pl.DataFrame  # the selected rows, in order


def parse_rows_query(args: Mapping[str, str], *, max_limit: int | None = MAX_LIMIT) -> RowsQuery:
    """Validate the query string once; messages name the parameter and the value.

    ``max_limit=None`` (the CSV download) means no cap and no default page: every match.
    """
    default = DEFAULT_LIMIT if max_limit is not None else None
    limit = query_int(args, "limit", default, 0, max_limit, RowsQueryError)
    offset = query_int(args, "offset", 0, 0, MAX_OFFSET, RowsQueryError) or 0
    sort = args.get("sort") or None
    descending = bool(sort and sort.startswith("-"))
    if sort and descending:
        sort = sort[1:]
        if not sort:
            raise RowsQueryError(
                'sort must be a field name, or "-" and a field name for descending order',
                message_ja="sort には項目名（降順は「-項目名」）を指定してください",
            )
    filters = {k: v for k, v in args.items() if k not in RESERVED}
    q = query_text(args, "q", RowsQueryError)
    return RowsQuery(filters, q, sort, descending, limit, offset)


def load_table(path: Path, cached: Path | None = None) -> RowsTable:
    """A published standard CSV with every cell as text: from its memory-mapped Arrow copy
    ``cached`` when that exists, else parsed (and, with ``cached``, written for the others).
    """
    if cached is None:
        return _parse_table(path)
    if not cached.is_file():
        _write_cache(_parse_table(path), cached)
    try:
        # pyarrow maps the file (polars' read_ipc reads it through: 1.5 s for 280 MB); the
        # frame's buffers are views of the mapping, which they keep alive.
        mapped = pa.ipc.open_file(pa.memory_map(str(cached))).read_all()
        frame = pl.DataFrame(pl.from_arrow(mapped, rechunk=False))  # a Table: no copy
    except (OSError, pa.ArrowException, pl.exceptions.PolarsError):
        return _parse_table(path)  # a damaged cache file costs speed, never an answer
    return RowsTable(frame.drop(_FOLDED), frame[_FOLDED])


def cache_file(cache_dir: Path, name: str, sha256: str) -> Path:
    """The shared copy of ``name``'s file with checksum ``sha256``: one name per content, and
    a prefix per dataset so a new version's copy replaces the old one."""
    where = hashlib.sha256(name.encode()).hexdigest()[:16]  # any name, a safe file name
    what = hashlib.sha256(sha256.encode()).hexdigest()[:32]  # whatever a catalogue calls it
    return cache_dir / f"{where}-{what}.arrow"


def _write_cache(table: RowsTable, cached: Path) -> None:
    """Write atomically (another worker may be reading or writing the same name), then drop
    the copies of older states of the same file (mapped ones stay valid until unmapped)."""
    partial = cached.with_name(f".{cached.name}.{uuid.uuid4().hex}.part")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with held_while_writing(partial):  # the start-up sweep removes it if this process dies
            table.frame.with_columns(table.folded.alias(_FOLDED)).write_ipc(
                partial, compression="uncompressed"
            )
            os.replace(partial, cached)
    except OSError:
        return  # no room for the cache: the table is still served from memory
    finally:
        partial.unlink(missing_ok=True)
    where = cached.name.split("-", 1)[0]
    for older in cached.parent.glob(f"{where}-*.arrow"):
        if older != cached:
            older.unlink(missing_ok=True)


def _parse_table(path: Path) -> RowsTable:
    """Parse a published standard CSV (UTF-8, RFC 4180) with every cell as text."""
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8", raise_if_empty=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise RowsUnreadable(
            f"the published CSV {path.name} cannot be read; publish the dataset again",
            message_ja=f"公開済み CSV {path.name} を読めません。データセットを再公開してください",
            detail=repr(exc),
        ) from exc
    frame = frame.with_columns(pl.all().fill_null(""))
    joined = frame.select(pl.concat_str(pl.all(), separator=_SEPARATOR)) if frame.width else None
    texts = joined.to_series() if joined is not None else pl.Series([""] * frame.height)
    folded = fold_series(texts).alias("folded")
    return RowsTable(frame, folded)


def select_rows(table: RowsTable, query: RowsQuery) -> RowsPage:
    """The rows that pass the filters and ``q``, sorted, and the requested page of them."""
    _check_fields(table, list(query.filters), UNKNOWN_PARAMETER, "")
    _check_fields(table, [query.sort] if query.sort else [], INVALID_VALUE, "sort: ")
    keep = pl.repeat(True, table.frame.height, eager=True)
    for name, value in query.filters.items():
        keep = keep & (table.frame[name] == value)
    for term in fold(query.q.replace(_SEPARATOR, " ")).split():
        keep = keep & table.folded.str.contains(term, literal=True)
    frame = table.frame.filter(keep)
    if query.sort:
        frame = _sorted(frame, query.sort, query.descending)
    end = None if query.limit is None else query.offset + query.limit
    return RowsPage(frame.height, frame[query.offset : end])


def _check_fields(table: RowsTable, names: list[str], code: str, prefix: str) -> None:
    """A filter on a missing field is an unknown parameter; a sort by one, a bad value."""
    unknown = [name for name in names if name not in table.fields]
    if unknown:
        raise RowsQueryError(
            f"{prefix}unknown field {unknown[0]!r}; known: {', '.join(table.fields)}",
            message_ja=f"{prefix}項目「{unknown[0]}」はありません。"
            f"使える項目: {'、'.join(table.fields)}",
            code=code,
        )


def _sorted(frame: pl.DataFrame, name: str, descending: bool) -> pl.DataFrame:
    """Numbers as numbers when every filled cell of the column is one, else text; empty cells
    last either way; ties keep the file's order."""
    column = frame[name]
    numbers = column.cast(pl.Float64, strict=False)
    numeric = numbers.null_count() == (column == "").sum()
    key = numbers if numeric else column.replace("", None)
    return (
        frame.with_columns(key.alias("__key"))
        .sort("__key", descending=descending, nulls_last=True, maintain_order=True)
        .drop("__key")
    )


class RowsStore:
    """LRU of loaded tables keyed by ``(dataset id, sha256)``, bounded by count and bytes.

    ``opener(dataset_id) -> (path, sha256)`` finds the published CSV; it is called on every
    request (a cheap catalogue lookup) so a new version is picked up at once.
    """

    def __init__(
        self,
        opener: Callable[[str], tuple[Path, str]],
        *,
        max_tables: int = 8,
        max_bytes: int = 512 * 1024 * 1024,
        cache_dir: Path | None = None,
    ) -> None:
        self._opener = opener
        self._cache_dir = cache_dir
        self._tables: LoadedFiles[RowsTable] = LoadedFiles(
            load_table, max_entries=max_tables, max_bytes=max_bytes
        )

    def table(self, dataset_id: str) -> RowsTable:
        path, sha256 = self._opener(dataset_id)
        return self.load(dataset_id, path, sha256)

    def load(self, name: str, path: Path, sha256: str) -> RowsTable:
        """Any published CSV by name and checksum (``datastore_search`` reads every tabular
        resource, not only a dataset's main CSV), sharing this store's LRU and bounds."""
        if self._cache_dir is None:
            return self._tables.get(name, path, sha256)
        cached = cache_file(self._cache_dir, name, sha256)
        return self._tables.get(name, path, sha256, lambda p: load_table(p, cached))

    @property
    def nbytes(self) -> int:
        return self._tables.nbytes

    def __len__(self) -> int:
        return len(self._tables)

    def select(self, dataset_id: str, query: RowsQuery) -> tuple[RowsTable, RowsPage]:
        table = self.table(dataset_id)
        return table, select_rows(table, query)


def page_records(page: RowsPage) -> list[dict[str, Any]]:
    """The page's rows as ``{field: text}`` objects, in the file's column order."""
    return page.frame.to_dicts()
