"""The fast engine: Frictionless' answer for a whole table, computed batch by batch.

Frictionless validates row by row in Python (~7k rows/s). Here the rows come in batches of
pyarrow string columns (a streamed file, or slices of a table); each column is checked with
vectorised kernels (types, ``required``, ``enum``, ``pattern``, bounds, lengths), texts with no
canonical reading go to Frictionless' cell reader once per distinct text, keys are found with
per-key state that spans batches (:mod:`.keys`), and only the rows with a finding are replayed
in Python to emit Frictionless' own error objects, in its order, with its notes. Memory is
O(batch) plus that key state. Labels come from Frictionless' ``Header`` itself. The result is
the same ``Report.to_descriptor()``-shaped dict, so nothing downstream knows which engine ran.

Anything outside what this reproduces raises :class:`FastUnsupported`; the caller hands the whole
table to Frictionless and says why (see :mod:`tsunagu.validators.fast.coverage`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from tsunagu.errors import ConfigError
from tsunagu.validators.fast import keys
from tsunagu.validators.fast.constraints import ColumnOutcome, ColumnReader
from tsunagu.validators.fast.coverage import unsupported_reason
from tsunagu.validators.fast.labels import read_header
from tsunagu.validators.fast.rows import RowAssembler, RowFindings

if TYPE_CHECKING:
    from frictionless import Field, Schema

TASK_NAME = "table"
TASK_PLACE = "table.csv"
BATCH_ROWS = 65_536  # rows per batch: memory is O(batch), per-batch overhead stays small


class FastUnsupported(Exception):
    """The fast engine cannot promise Frictionless' answer for this table; ``str()`` says why."""


@dataclass(frozen=True)
class FastResult:
    errors: list[dict[str, Any]]  # as ``frictionless.Error.to_descriptor()`` gives them
    labels: list[str]
    rows: int
    fields: int
    seconds: float

    def to_descriptor(self) -> dict[str, Any]:
        """The shape of ``frictionless.Report.to_descriptor()`` for one table task.

        File statistics (bytes, md5, sha256) are left out: the fast engine never writes the
        intermediate CSV Frictionless hashes.
        """
        errors = self.errors
        seconds = round(self.seconds, 3)
        task: dict[str, Any] = {
            "name": TASK_NAME,
            "type": "table",
            "valid": not errors,
            "place": TASK_PLACE,
            "labels": self.labels,
            "stats": {
                "errors": len(errors),
                "warnings": 0,
                "seconds": seconds,
                "fields": self.fields,
            },
            "warnings": [],
            "errors": errors,
        }
        if self.rows:  # Frictionless leaves the count out for a table without data rows
            task["stats"]["rows"] = self.rows
        return {
            "valid": not errors,
            "stats": {"tasks": 1, "errors": len(errors), "warnings": 0, "seconds": seconds},
            "warnings": [],
            "errors": [],
            "tasks": [task],
        }


def build_schema(descriptor: Mapping[str, Any]) -> Schema:
    """The Frictionless schema exactly as ``frictionless_run.validate_csv`` builds it."""
    from frictionless import FrictionlessException, Schema

    from tsunagu.validators.frictionless_run import safe_descriptor

    safe = safe_descriptor(descriptor)
    safe.setdefault("missingValues", [""])
    try:
        return Schema.from_descriptor(safe)
    except FrictionlessException as exc:
        raise ConfigError(
            f"the standard schema is not a valid Table Schema: {exc}",
            message_ja=f"標準スキーマが Table Schema として正しくありません: {exc}",
            code="schema-invalid",
        ) from exc


class TableValidator:
    """Validates one table batch after batch, in bounded memory, with Frictionless' answers.

    Built from the labels and the schema (header errors come first, once); each
    :meth:`validate_batch` gets the next rows' string columns and returns their errors, in
    Frictionless' order. What spans batches is only what genuinely spans rows: per column the
    note lists and the cell reader's memory of odd texts, per key the distinct values seen and
    the last row of each. A batch's rows are done when its errors are returned — duplicates
    name earlier rows, never later ones — so its arrays can be dropped at once.
    """

    def __init__(self, labels: Sequence[str], descriptor: Mapping[str, Any]) -> None:
        self.started = time.perf_counter()
        reason = unsupported_reason(descriptor, list(labels))
        if reason:
            raise FastUnsupported(reason)
        schema = build_schema(descriptor)
        reason = _metadata_reason(schema)
        if reason:
            raise FastUnsupported(reason)
        header = read_header(list(labels), schema)
        self.labels = list(labels)
        self.fields: list[Field] = header.expected
        self.field_count = len(schema.fields)
        self.readers = [ColumnReader(f) for f in self.fields]
        self.unique_fields = [i for i, f in enumerate(self.fields) if f.constraints.get("unique")]
        self.key_fields = _key_indices([f.name for f in self.fields], schema.primary_key)
        keyed = sorted(set(self.unique_fields) | set(self.key_fields))
        self.ids = {i: keys.KeyIds(keys.key_type(self.fields[i].type)) for i in keyed}
        self.last_unique = {i: keys.LastSeen() for i in self.unique_fields}
        self.last_key = keys.LastSeen()
        self.tuples = keys.KeyIds(pa.binary(8 * max(len(self.key_fields), 1)))
        self.rows = 0
        self.errors: list[dict[str, Any]] = [e.to_descriptor() for e in header.errors]

    def validate_batch(self, columns: list[Any]) -> list[dict[str, Any]]:
        """Errors of the next rows (one string column per label); also kept in ``errors``."""
        if len(columns) != len(self.fields):
            raise FastUnsupported("the header does not pair every column with one field")
        _as_strings(columns)
        outcomes = [r.evaluate(c) for r, c in zip(self.readers, columns, strict=True)]
        size = len(columns[0]) if columns else 0
        findings = self._find(outcomes, size)
        positions = sorted(findings)
        assembler = RowAssembler(
            self.fields,
            outcomes,
            self.unique_fields,
            self.key_fields,
            _cells_reader(columns, positions),
            self.rows,
        )
        found: list[dict[str, Any]] = []
        for position in positions:
            found += assembler.errors(findings[position])
        self.rows += size
        self.errors += found
        return found

    def result(self) -> FastResult:
        seconds = time.perf_counter() - self.started
        return FastResult(self.errors, self.labels, self.rows, self.field_count, seconds)

    def _find(self, outcomes: list[ColumnOutcome], size: int) -> dict[int, RowFindings]:
        """Every row of the batch with a finding: bad cells, blank rows, duplicates."""
        found: dict[int, RowFindings] = {}

        def at(position: int) -> RowFindings:
            return found.setdefault(position, RowFindings(position))

        for outcome in outcomes:
            for position in outcome.bad_rows().tolist():
                at(position)
        blank = np.ones(size, dtype=bool)
        for outcome in outcomes:
            blank &= outcome.missing
        for position in np.flatnonzero(blank).tolist():
            at(position).blank = True
        ids = {i: self._field_ids(i, outcomes[i]) for i in self.ids}
        for index in self.unique_fields:
            dup = self.last_unique[index].duplicates(
                ids[index], ids[index] != keys.NO_VALUE, self.rows
            )
            for position, previous in zip(dup.rows.tolist(), dup.previous.tolist(), strict=True):
                at(position).unique[index] = previous
        if self.key_fields:
            combined, all_none = keys.tuple_ids([ids[i] for i in self.key_fields], self.tuples)
            for position in np.flatnonzero(all_none).tolist():
                at(position).primary_key = -1
            dup = self.last_key.duplicates(combined, ~all_none, self.rows)
            for position, previous in zip(dup.rows.tolist(), dup.previous.tolist(), strict=True):
                at(position).primary_key = previous
        return found

    def _field_ids(self, index: int, outcome: ColumnOutcome) -> np.ndarray:
        spec = self.fields[index]
        try:
            return keys.field_ids(spec.type, outcome, self.ids[index])
        except keys.UnhashableValue as exc:
            raise FastUnsupported(f'field "{spec.name}" holds {exc} values in a key') from exc


def validate_columns(
    labels: Sequence[str],
    columns: list[pa.Array | pa.ChunkedArray],
    descriptor: Mapping[str, Any],
    *,
    batch_rows: int = BATCH_ROWS,
) -> FastResult:
    """Validate string columns (one per label, cells as written) against a schema descriptor.

    The columns are validated ``batch_rows`` rows at a time, as a file is streamed, so the
    answer never depends on how a table arrives.
    """
    validator = TableValidator(labels, descriptor)
    if len(columns) != len(validator.fields):
        raise FastUnsupported("the header does not pair every column with one field")
    rows = len(columns[0]) if columns else 0
    for start in range(0, rows, batch_rows):
        batch = [_contiguous(c.slice(start, batch_rows)) for c in columns]
        validator.validate_batch(batch)
        del batch
    return validator.result()


def _contiguous(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks()
    return column


def _metadata_reason(schema: Schema) -> str | None:
    """Frictionless validates the resource descriptor before any data and reports, not raises.

    (A v2-only constraint in a schema that loads, for one.) Rare, and its report is the
    reference's own, so Frictionless produces it.
    """
    from frictionless import FrictionlessException, Resource

    resource = Resource(path=TASK_PLACE, schema=schema, format="csv", encoding="utf-8")
    try:
        resource.to_descriptor(validate=True)
    except FrictionlessException as exc:
        return f"Frictionless reports the schema itself: {exc.error.note or exc.error.type}"
    return None


def _as_strings(columns: list[Any]) -> None:
    """Make each column a string array without nulls, in place, one column at a time.

    Chunked columns stay chunked (every step works on them), so nothing is copied.
    """
    for i, column in enumerate(columns):
        if column.type != pa.string():
            column = column.cast(pa.string())
        columns[i] = column.fill_null("") if column.null_count else column
        del column


def _key_indices(names: list[str], primary_key: list[str]) -> list[int]:
    if not primary_key or not set(primary_key) <= set(names):
        return []
    return [names.index(n) for n in primary_key]


def _cells_reader(columns: list[pa.Array], positions: list[int]) -> Callable[[int], list[str]]:
    """Cells of the rows with findings, fetched once in one ``take`` per column."""
    if not positions:
        return lambda position: []
    picked = pa.array(positions, pa.int64())
    table = [c.take(picked).fill_null("").to_pylist() for c in columns]
    where = {p: i for i, p in enumerate(positions)}
    return lambda position: [column[where[position]] for column in table]
