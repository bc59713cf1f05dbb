"""Filling CKAN's DataStore from a published standard CSV, typed by its Table Schema.

CKAN's own Data API (``datastore_search``) then serves the same rows as Tsunagu's rows API.
Column types come from the Frictionless Table Schema the file was validated against (a
column the schema does not know stays ``text``); the schema's ``primaryKey`` becomes the
table's. Cells are converted to what PostgreSQL parses (missing values to null, booleans by the
schema's true/false values, dates in a declared ``strptime`` pattern to ISO 8601); the file was
validated against the same schema, so a cell that still does not convert is a fault, raised as
:class:`DataStoreRefused` and rolled back like any other failed publish step.

A changed file replaces the whole table (``datastore_delete`` the table, ``datastore_create``,
then ``datastore_upsert`` in batches), so rows removed from the file are gone, and the row count
is checked at the end. The whole fill is the unit of retry, because an ``insert`` batch whose
reply was lost may have been committed. No ckanapi here: ``call`` is CkanCatalogue's transport.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from tsunagu.errors import DatasetNotFound, PublishError

Call = Callable[..., Any]

#: Table Schema type → DataStore column type (CKAN's documented type names).
DATASTORE_TYPES: Mapping[str, str] = {
    "string": "text",
    "integer": "int8",
    "number": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "time": "time",
    "year": "int4",
}
#: Rows per ``datastore_upsert`` call: CKAN parses the whole JSON body of one request in memory.
BATCH_ROWS = 5000
_TRUE = ("true", "True", "TRUE", "1")
_FALSE = ("false", "False", "FALSE", "0")
_ISO = {"date": "%Y-%m-%d", "time": "%H:%M:%S", "datetime": "%Y-%m-%dT%H:%M:%S"}


class DataStoreRefused(PublishError):
    """A row CKAN's DataStore would not take (or took only in part): the publish rolls back."""

    code = "ckan-datastore-refused"


def read_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


def datastore_fields(
    header: list[str], schema: Mapping[str, Any] | None
) -> tuple[list[dict[str, str]], list[str]]:
    """``fields`` for ``datastore_create`` (in the file's column order) and the primary key."""
    by_name = {f["name"]: f for f in (schema or {}).get("fields", [])}
    fields = [
        {"id": name, "type": DATASTORE_TYPES.get(by_name.get(name, {}).get("type", ""), "text")}
        for name in header
    ]
    key = (schema or {}).get("primaryKey") or []
    key = [key] if isinstance(key, str) else list(key)
    return fields, [name for name in key if name in header] if set(key) <= set(header) else []


def _converter(field: Mapping[str, Any] | None, missing: frozenset[str]) -> Callable[[str], Any]:
    """One cell of this column → the JSON value the DataStore parses (None for missing)."""
    kind = (field or {}).get("type", "string")
    fmt = (field or {}).get("format") or "default"
    true_values = tuple((field or {}).get("trueValues") or _TRUE)
    false_values = tuple((field or {}).get("falseValues") or _FALSE)

    def convert(cell: str) -> Any:
        if cell in missing:
            return None
        if kind == "boolean":
            if cell in true_values:
                return True
            if cell in false_values:
                return False
            raise ValueError(f"not a boolean: {cell!r}")
        if kind in _ISO and fmt not in ("default", "any") and "%" in fmt:
            return datetime.strptime(cell, fmt).strftime(_ISO[kind])
        return cell

    return convert


def record_converters(
    header: list[str], schema: Mapping[str, Any] | None
) -> dict[str, Callable[[str], Any]]:
    """``field → cell converter`` for the file's columns (what :func:`records` applies)."""
    schema = schema or {}
    by_name = {f["name"]: f for f in schema.get("fields", [])}
    missing = frozenset(schema.get("missingValues", [""]))
    return {name: _converter(by_name.get(name), missing) for name in header}


def records(
    path: Path, schema: Mapping[str, Any] | None, batch_rows: int = BATCH_ROWS
) -> Iterator[list[dict[str, Any]]]:
    """The file's rows as DataStore records, in batches (streamed: bounded memory)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        by_name = record_converters(header, schema)
        converters = [by_name[name] for name in header]
        batch: list[dict[str, Any]] = []
        for number, row in enumerate(reader, start=2):
            try:
                batch.append(
                    {
                        name: conv(cell)
                        for name, conv, cell in zip(header, converters, row, strict=False)
                    }
                )
            except ValueError as exc:
                raise DataStoreRefused(
                    f"{path.name} row {number}: a cell does not match the schema's type ({exc})",
                    message_ja=f"{path.name} の {number} 行目: "
                    f"値がスキーマの型に合いません（{exc}）",
                ) from exc
            if len(batch) >= batch_rows:
                yield batch
                batch = []
        if batch:
            yield batch


def drop_table(call: Call, resource_id: str) -> None:
    """Remove the resource's DataStore table if it has one (nothing to do otherwise)."""
    try:
        call("datastore_delete", resource_id=resource_id, force=True)
    except DatasetNotFound:
        return


def fill(
    call: Call,
    resource_id: str,
    path: Path,
    schema: Mapping[str, Any] | None,
    *,
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Replace the resource's DataStore table with the file's rows; returns the row count."""
    fields, primary_key = datastore_fields(read_header(path), schema)
    drop_table(call, resource_id)
    create: dict[str, Any] = {"resource_id": resource_id, "force": True, "fields": fields}
    if primary_key:
        create["primary_key"] = primary_key
    call("datastore_create", records=[], **create)
    method = "upsert" if primary_key else "insert"
    count = 0
    for batch in records(path, schema, batch_rows):
        call("datastore_upsert", resource_id=resource_id, force=True, method=method, records=batch)
        count += len(batch)
    held = call("datastore_search", resource_id=resource_id, limit=0, include_total=True)
    if int(held.get("total", -1)) != count:
        raise DataStoreRefused(
            f"CKAN's DataStore holds {held.get('total')} rows of {path.name}, not {count}",
            message_ja=f"CKAN の DataStore の {path.name} が {held.get('total')} 行です"
            f"（{count} 行のはず）",
        )
    return count
