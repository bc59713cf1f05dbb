"""Standard CSV of points → RFC 7946 GeoJSON in bounded memory, with no Python object per row.

A 1M-row facility list is a normal upload for a prefecture-wide dataset, and building a dict per
feature (as :class:`~tsunagu.formats.geojson_writer.GeoJsonWriter` does) costs seconds and
hundreds of MB. Here the CSV is read in chunks by pyarrow's streaming reader, each chunk becomes a
polars frame (zero copy), and each feature's JSON text is assembled column-wise:

- coordinates are parsed, range-checked and rounded by the same vectorised rules as the
  GeoJSON writer (:func:`~tsunagu.formats.geojson_writer.parse_coordinates`), then printed by
  polars' shortest round-trip float formatting;
- properties are JSON-encoded by polars' ``struct.json_encode`` (escaping in Rust, UTF-8 kept);
- a chunk's features are joined into one string and written at once.

Rows without a usable position are left out, counted, and their record numbers returned (capped),
so the caller reports them (:func:`~tsunagu.formats.geojson_writer.report_left_out`). A record
number is the row as a spreadsheet shows it: the header is record 1, the first data row 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
from pyarrow import ArrowInvalid

from tsunagu.errors import FormatError, Location, Problem, Severity, TsunaguError
from tsunagu.formats.geojson_writer import dump, parse_coordinates

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

#: Record numbers of left-out rows kept in the result; the count is always exact.
MAX_LEFT_OUT_ROWS = 1000
_SAMPLE_BYTES = 1 << 16
# pyarrow's streaming reader keeps many blocks in flight (read-ahead and parsing), so memory
# grows with the block: 16 MiB blocks cost ~280 MB, 1 MiB ones ~40 MB. Small blocks are read and
# gathered into chunks of ``chunk_rows``. 1 MiB is also Settings.max_line_bytes' default: pyarrow
# cannot parse a record longer than a block.
_BLOCK_BYTES = 1 << 20
# Feature texts are built this many rows at a time: about 12 MB of JSON, whatever the chunk.
_TEXT_ROWS = 25_000
_PLAIN_ID = r"^[0-9A-Za-z_.-]*$"


@dataclass
class StreamResult:
    """What was written: feature count, rows left out (count and first record numbers), bbox."""

    features: int = 0
    skipped: int = 0
    skipped_rows: list[int] = field(default_factory=list)
    bbox: list[float] | None = None

    def _extend_bbox(self, lon: np.ndarray, lat: np.ndarray) -> None:
        if not len(lon):
            return
        chunk = [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]
        if self.bbox is None:
            self.bbox = chunk
        else:
            self.bbox = [
                min(self.bbox[0], chunk[0]),
                min(self.bbox[1], chunk[1]),
                max(self.bbox[2], chunk[2]),
                max(self.bbox[3], chunk[3]),
            ]


def _is_utf8(encoding: str) -> bool:
    return encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig")


def _header(csv_path: Path, encoding: str) -> list[str]:
    """Column names of the first record, a UTF-8 BOM stripped."""
    with csv_path.open("rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
    text = sample.decode("utf-8-sig" if _is_utf8(encoding) else encoding, errors="replace")
    return next(csv.reader(io.StringIO(text)), [])


def _missing_column(csv_path: Path, column: str) -> TsunaguError:
    problem = Problem(
        "points-column-missing", Severity.ERROR, Location(file=csv_path.name), {"column": column}
    )
    return FormatError.from_problem(problem)


def _open_reader(
    csv_path: Path, names: list[str], encoding: str, block_size: int
) -> pa.RecordBatchReader:
    from pyarrow import csv as pacsv
    from pyarrow import string

    return pacsv.open_csv(
        csv_path,
        # pyarrow decodes "utf8" natively; any other name goes through a slow Python codec.
        read_options=pacsv.ReadOptions(
            encoding="utf8" if _is_utf8(encoding) else encoding, block_size=block_size
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: string() for name in names},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )


def _id_text(frame: pl.DataFrame, id_field: str | None, first_record: int) -> pl.Expr:
    """The feature id as JSON text: the ID cell when filled in, else the record number."""
    import polars as pl

    record = (pl.int_range(pl.len()) + first_record).cast(pl.Utf8)
    if id_field is None or id_field not in frame.columns:
        return record
    ids = pl.col(id_field)
    filled = ids.is_not_null() & (ids != "")
    if frame[id_field].str.contains(_PLAIN_ID).all():
        # The standard's IDs are [0-9A-Za-z]: nothing to escape, so skip the JSON encoder.
        return pl.when(filled).then(pl.concat_str(pl.lit('"'), ids, pl.lit('"'))).otherwise(record)
    # json_encode of {"v": ID} is '{"v":<escaped ID>}'; the slice keeps the escaped value.
    encoded = pl.struct(ids.alias("v")).struct.json_encode()
    value = encoded.str.slice(5, encoded.str.len_bytes() - 6)
    return pl.when(filled).then(value).otherwise(record)


def _feature_texts(
    frame: pl.DataFrame, ids: pl.Series, lon: np.ndarray, lat: np.ndarray, first: bool
) -> pl.DataFrame:
    """One JSON text per row (id, Point, the row's cells as properties), comma-led but the
    file's first, so the texts can be written one per line as they are."""
    import polars as pl

    lead = pl.Series(np.where(np.arange(len(ids)) == 0, "" if first else ",", ","))
    return frame.select(
        pl.concat_str(
            pl.lit(lead),
            pl.lit('{"type":"Feature","id":'),
            pl.lit(ids),
            pl.lit(',"geometry":{"type":"Point","coordinates":['),
            pl.lit(pl.Series(lon).cast(pl.Utf8)),
            pl.lit(","),
            pl.lit(pl.Series(lat).cast(pl.Utf8)),
            pl.lit(']},"properties":'),
            pl.struct(*frame.columns).struct.json_encode(),
            pl.lit("}"),
        ).alias("feature")
    )


def _chunks(reader: pa.RecordBatchReader, chunk_rows: int) -> Iterator[pa.Table]:
    """The reader's small batches gathered into tables of at least ``chunk_rows`` rows."""
    import pyarrow as pa

    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in reader:
        pending.append(batch)
        rows += batch.num_rows
        if rows >= chunk_rows:
            yield pa.Table.from_batches(pending)
            pending, rows = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def _write_chunk(
    chunk: pa.Table,
    out: BinaryIO,
    result: StreamResult,
    first_record: int,
    fields: tuple[str, str, str | None],
) -> None:
    import polars as pl

    lat_field, lon_field, id_field = fields
    frame = pl.DataFrame(pl.from_arrow(chunk))
    lon, lat, usable = parse_coordinates(frame[lat_field], frame[lon_field])
    left_out = np.flatnonzero(~usable) + first_record
    result.skipped += len(left_out)
    room = max(MAX_LEFT_OUT_ROWS - len(result.skipped_rows), 0)
    result.skipped_rows.extend(int(r) for r in left_out[:room])
    if not usable.any():
        return
    # Ids are computed on the whole chunk, so a fallback id is the row's own record number.
    ids = frame.select(_id_text(frame, id_field, first_record)).to_series()
    if not usable.all():
        keep = pl.Series(usable)
        frame, ids, lon, lat = frame.filter(keep), ids.filter(keep), lon[usable], lat[usable]
    for start in range(0, frame.height, _TEXT_ROWS):
        part = slice(start, start + _TEXT_ROWS)
        texts = _feature_texts(
            frame[part], ids[part], lon[part], lat[part], first=not result.features
        )
        # polars writes the texts straight from Arrow memory: no Python string per row.
        out.flush()  # keep the order if polars writes to the file descriptor directly
        texts.write_csv(out, include_header=False, quote_style="never", line_terminator="\n")
        result.features += texts.height
    result._extend_bbox(lon, lat)


def csv_points_to_geojson(
    csv_path: Path,
    out_path: Path,
    *,
    lat_field: str = "緯度",
    lon_field: str = "経度",
    id_field: str | None = "ID",
    encoding: str = "utf-8",
    chunk_rows: int = 100_000,
) -> StreamResult:
    """Convert a CSV of points to RFC 7946 GeoJSON, chunk by chunk.

    The file is read in 1 MiB blocks, gathered into chunks of at least ``chunk_rows`` rows; each
    chunk is parsed, encoded and written column-wise. ``encoding`` is the CSV's text encoding
    (the standard CSV is UTF-8; a BOM is skipped). The GeoJSON appears at ``out_path`` only
    when complete. Raises FormatError when the latitude or longitude column is missing or the
    CSV cannot be parsed (a ragged row, bytes not in ``encoding``).
    """
    names = _header(csv_path, encoding)
    for column in (lat_field, lon_field):
        if column not in names:
            raise _missing_column(csv_path, column)
    result = StreamResult()
    partial = out_path.with_name(out_path.name + ".partial")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        _stream(
            csv_path, partial, names, encoding, chunk_rows, result, (lat_field, lon_field, id_field)
        )
    except (ArrowInvalid, UnicodeDecodeError) as exc:
        partial.unlink(missing_ok=True)
        problem = Problem("points-csv-unreadable", Severity.ERROR, Location(file=csv_path.name))
        raise FormatError.from_problem(problem, detail=str(exc)) from exc
    partial.replace(out_path)  # a reader never sees half a GeoJSON
    return result


def _stream(
    csv_path: Path,
    out_path: Path,
    names: list[str],
    encoding: str,
    chunk_rows: int,
    result: StreamResult,
    fields: tuple[str, str, str | None],
) -> None:
    reader = _open_reader(csv_path, names, encoding, _BLOCK_BYTES)
    first_record = 2
    with out_path.open("wb") as out:
        out.write(b'{"type":"FeatureCollection","features":[\n')
        for chunk in _chunks(reader, chunk_rows):
            _write_chunk(chunk, out, result, first_record, fields)
            first_record += chunk.num_rows
        tail = f',"bbox":{dump(result.bbox)}' if result.bbox is not None else ""
        out.write(f"]{tail}}}\n".encode())
