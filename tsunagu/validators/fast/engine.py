"""The fast engine: Frictionless' answer for a whole table, computed column by column.

Frictionless validates row by row in Python (~7k rows/s). Here each column is read once into a
pyarrow array, dictionary-encoded, and checked per distinct value (types, ``required``,
``enum``, ``pattern``, bounds, lengths), keys are found by sorting, and only the rows with a
finding are replayed in Python to emit Frictionless' own error objects, in its order, with its
notes. Labels come from Frictionless' ``Header`` itself. The result is the same
``Report.to_descriptor()``-shaped dict, so nothing downstream knows which engine ran.

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
from tsunagu.validators.fast.constraints import ColumnOutcome, evaluate_column
from tsunagu.validators.fast.coverage import unsupported_reason
from tsunagu.validators.fast.labels import read_header
from tsunagu.validators.fast.rows import RowAssembler, RowFindings

if TYPE_CHECKING:
    from frictionless import Field, Schema

TASK_NAME = "table"
TASK_PLACE = "table.csv"


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
        task = {
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


def validate_columns(
    labels: Sequence[str],
    columns: list[pa.Array | pa.ChunkedArray],
    descriptor: Mapping[str, Any],
) -> FastResult:
    """Validate string columns (one per label, cells as written) against a schema descriptor.

    ``columns`` (arrays or chunked arrays) is normalized *in place*, one column at a time, so a
    table is never held twice: pass a list nothing else needs.
    """
    started = time.perf_counter()
    reason = unsupported_reason(descriptor, list(labels))
    if reason:
        raise FastUnsupported(reason)
    schema = build_schema(descriptor)
    reason = _metadata_reason(schema)
    if reason:
        raise FastUnsupported(reason)
    header = read_header(list(labels), schema)
    if len(header.expected) != len(columns):
        raise FastUnsupported("the header does not pair every column with one field")
    _as_strings(columns)
    outcomes = [evaluate_column(f, c) for f, c in zip(header.expected, columns, strict=True)]
    rows = len(columns[0]) if columns else 0
    findings = _find(header.expected, outcomes, schema.primary_key, rows)
    names = [f.name for f in header.expected]
    assembler = RowAssembler(
        header.expected,
        outcomes,
        [i for i, f in enumerate(header.expected) if f.constraints.get("unique")],
        _key_indices(names, schema.primary_key),
        _cells_reader(columns, sorted(findings)),
    )
    errors = [e.to_descriptor() for e in header.errors]
    for position in sorted(findings):
        errors += assembler.errors(findings[position])
    seconds = time.perf_counter() - started
    return FastResult(errors, list(labels), rows, len(schema.fields), seconds)


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


def _find(
    fields: Sequence[Field], outcomes: list[ColumnOutcome], primary_key: list[str], rows: int
) -> dict[int, RowFindings]:
    """Every row with a finding: bad cells, blank rows, duplicates."""
    found: dict[int, RowFindings] = {}

    def at(position: int) -> RowFindings:
        return found.setdefault(position, RowFindings(position))

    for outcome in outcomes:
        for position in outcome.bad_rows().tolist():
            at(position)
    blank = np.ones(rows, dtype=bool)
    for outcome in outcomes:
        blank &= outcome.missing
    for position in np.flatnonzero(blank).tolist():
        at(position).blank = True
    ids: dict[int, np.ndarray] = {}
    for index, spec in enumerate(fields):
        if spec.constraints.get("unique"):
            ids[index] = _ids(spec, outcomes[index])
            dup = keys.unique_duplicates(ids[index])
            for position, previous in zip(dup.rows.tolist(), dup.previous.tolist(), strict=True):
                at(position).unique[index] = previous
    key = _key_indices([f.name for f in fields], primary_key)
    if key:
        columns = [ids[i] if i in ids else _ids(fields[i], outcomes[i]) for i in key]
        combined, all_none = keys.primary_key_ids(columns)
        for position in np.flatnonzero(all_none).tolist():
            at(position).primary_key = -1
        dup = keys.find_duplicates(combined, ~all_none)
        for position, previous in zip(dup.rows.tolist(), dup.previous.tolist(), strict=True):
            at(position).primary_key = previous
    return found


def _ids(spec: Field, outcome: ColumnOutcome) -> np.ndarray:
    try:
        return keys.group_ids(spec.type, outcome)
    except keys.UnhashableValue as exc:
        raise FastUnsupported(f'field "{spec.name}" holds {exc} values in a key') from exc


def _cells_reader(columns: list[pa.Array], positions: list[int]) -> Callable[[int], list[str]]:
    """Cells of the rows with findings, fetched once in one ``take`` per column."""
    if not positions:
        return lambda position: []
    picked = pa.array(positions, pa.int64())
    table = [c.take(picked).fill_null("").to_pylist() for c in columns]
    where = {p: i for i, p in enumerate(positions)}
    return lambda position: [column[where[position]] for column in table]
