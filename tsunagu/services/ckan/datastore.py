"""CKAN's ``datastore_search`` over the rows store — no Flask and no CKAN envelope here.

A CKAN client that reads data (not only metadata) calls ``datastore_search`` with a resource
id. Tsunagu answers it from the same loaded table the rows API uses, typed the way a CKAN
publish by Tsunagu types the DataStore (:mod:`tsunagu.catalogue.ckan_datastore`, from the
file's Table Schema), so a record reads the same from either: integers and decimals as JSON
numbers, booleans, ISO dates, ``HH:MM:SS`` times, missing values as null, and ``_id`` as the
row's position in the file (CKAN numbers rows in insert order, which is the file's).

Hand-written over polars because no library speaks ``datastore_search``: CKAN's own code
turns it into SQL for its PostgreSQL tables, and the rows store holds no database.

Measured against CKAN 2.12's DataStore (../shared/ckan-local), and where ours differs:

- ``q`` (a string: every term somewhere in the row; an object: per field) matches after
  width/kana folding and *inside* words, like the rows API. CKAN uses PostgreSQL's full-text
  search with the ``english`` configuration, which matches Japanese only as whole
  space-separated tokens (its ``q=柏`` finds nothing in 「柏駅東口」; ours finds it). Our
  ``rank`` counts term occurrences; CKAN's is ``ts_rank``. Either way rows come best first when
  no ``sort`` is given.
- ``filters`` takes CKAN's classic form, ``{"field": value}`` or ``{"field": [values]}``
  (equality on the typed value); CKAN 2.12's ``$and``/``$or`` operator objects are refused
  with a validation error naming ``filters``.
- ``sort`` is ``"field [asc|desc], …"``; empty cells sort as PostgreSQL sorts nulls (last
  ascending, first descending).
- ``records_format``: ``objects``, ``lists``, ``csv``, ``tsv``, as CKAN.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import polars as pl

from tsunagu.catalogue.ckan_datastore import datastore_fields, record_converters
from tsunagu.catalogue.search_text import fold
from tsunagu.services.request_input import bounded_int
from tsunagu.services.rows import RowsTable

#: CKAN's ``ckan.datastore.search.rows_max`` default: larger limits are cut to it, silently.
ROWS_MAX = 32000
DEFAULT_LIMIT = 100
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")
_NUMERIC = ("int8", "int4", "numeric")
_ID = "_id"


class DatastoreQueryInvalid(ValueError):
    """CKAN's 409 Validation Error: field name → messages, as CKAN words them."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))
        self.fields = fields


@dataclass(frozen=True)
class TypedTable:
    """A loaded table and its DataStore column types (``field → type``, in file order)."""

    table: RowsTable
    types: dict[str, str]
    schema: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, table: RowsTable, schema: Mapping[str, Any] | None) -> TypedTable:
        fields, _ = datastore_fields(table.fields, schema)
        return cls(table, {f["id"]: f["type"] for f in fields}, schema)


@dataclass(frozen=True)
class DatastoreQuery:
    filters: dict[str, list[str]]
    q: str | dict[str, str]
    sort: list[tuple[str, bool]]  # (field, descending)
    fields: list[str] | None
    limit: int
    offset: int
    include_total: bool
    records_format: str
    distinct: bool


def _error(name: str, *messages: str) -> DatastoreQueryInvalid:
    return DatastoreQueryInvalid({name: list(messages)})


def json_param(params: Mapping[str, Any], name: str) -> Any:
    """``filters`` (and a ``q`` object) arrive as JSON text in a GET query string."""
    value = params.get(name)
    if not isinstance(value, str) or (name == "q" and not value.lstrip().startswith("{")):
        return value
    try:
        return json.loads(value)
    except ValueError:
        if name == "filters":
            raise _error("filters", "Cannot parse JSON") from None
        return value


def _natural(params: Mapping[str, Any], name: str, default: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:  # bounded: a JSON 1e400 or Infinity is "Invalid integer", never an OverflowError
        number = bounded_int(value)
    except (TypeError, ValueError):
        if name == "offset":
            raise _error(name, f'invalid value "{value}"') from None
        raise _error(name, "Invalid integer", "Please enter an integer value") from None
    if number < 0:
        if name == "offset":
            raise _error(name, f'invalid value "{value}"')
        raise _error(name, "Must be a natural number")
    return number


def _flag(params: Mapping[str, Any], name: str, default: bool) -> bool:
    value = params.get(name, default)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def _list(value: Any) -> list[str]:
    """CKAN's ``get_list``: a list, or comma-separated text."""
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(v).strip() for v in parsed]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def parse(params: Mapping[str, Any], typed: TypedTable) -> DatastoreQuery:
    """Validate every parameter against the table, with CKAN's field names and messages."""
    known = [_ID, *typed.types]
    records_format = str(params.get("records_format") or "objects")
    if records_format not in RECORDS_FORMATS:
        raise _error("records_format", f"Value must be one of {list(RECORDS_FORMATS)}")
    filters = _filters(json_param(params, "filters"), known)
    q = json_param(params, "q") or ""
    if isinstance(q, dict):
        unknown = [k for k in q if k not in known]
        if unknown:
            raise _error("q", f'invalid value "{unknown[0]}"')
        q = {str(k): str(v) for k, v in q.items()}
    elif not isinstance(q, str):
        raise _error("q", "Not a string or an object")
    sort = []
    for clause in _list(params["sort"]) if params.get("sort") else []:
        name, _, direction = clause.partition(" ")
        direction = direction.strip().lower() or "asc"
        if name.strip('"') not in known or direction not in ("asc", "desc"):
            raise _error("sort", f'invalid value "{clause}"')
        sort.append((name.strip('"'), direction == "desc"))
    fields = _list(params["fields"]) if params.get("fields") else None
    for name in fields or []:
        if name not in known:
            raise _error("fields", f'invalid value "{name}"')
    return DatastoreQuery(
        filters=filters,
        q=q,
        sort=sort,
        fields=fields,
        limit=min(_natural(params, "limit", DEFAULT_LIMIT), ROWS_MAX),
        offset=_natural(params, "offset", 0),
        include_total=_flag(params, "include_total", True),
        records_format=records_format,
        distinct=_flag(params, "distinct", False),
    )


def _filters(value: Any, known: list[str]) -> dict[str, list[str]]:
    if value in (None, "", {}):
        return {}
    if not isinstance(value, dict) or any(str(k).startswith("$") for k in value):
        raise _error("filters", "Only {field: value} or {field: [values]} filters are supported")
    unknown = [k for k in value if k not in known]
    if unknown:
        raise _error("filters", f"Unknown field: {unknown[0]}")
    return {
        str(k): [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in value.items()
    }


def filterops(filters: dict[str, list[str]], raw: Any) -> dict[str, Any] | None:
    """CKAN 2.12 echoes the parsed filters as ``filterops``: eq / in per field, $and over many."""
    ops = [
        {"op": "in", "field": name, "value": raw[name]}
        if isinstance(raw[name], list)
        else {"op": "eq", "field": name, "value": raw[name]}
        for name in filters
    ]
    if not ops:
        return None
    return ops[0] if len(ops) == 1 else {"op": "$and", "field": None, "value": ops}


def schema_for(datapackage: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """The Table Schema of resource ``key`` (``csv`` or ``<source>-csv``) in the dataset's
    ``datapackage.json`` (the source's own package names the standard CSV ``csv``)."""
    for resource in datapackage.get("resources") or []:
        if resource.get("name") == "csv" and isinstance(resource.get("schema"), dict):
            return resource["schema"]
    return None


def datapackage_key(key: str) -> str:
    """``csv`` → ``datapackage``; ``part2-csv`` → ``part2-datapackage`` (same source)."""
    return key.removesuffix("csv") + "datapackage"


# -- running -----------------------------------------------------------------------------------
def _typed_column(frame: pl.DataFrame, name: str, kind: str) -> pl.Series:
    """A column as comparable values: numbers as floats, everything else text; empty → null."""
    if name == _ID:
        return frame[_ID]
    column = frame[name].replace("", None)
    if kind in _NUMERIC:
        return column.cast(pl.Float64, strict=False)
    return column


def search(typed: TypedTable, query: DatastoreQuery) -> tuple[list[Any] | str, int, list[str]]:
    """(records in the requested format, total matching, the output field names)."""
    table = typed.table
    frame = table.frame.with_row_index(_ID, offset=1).with_columns(pl.col(_ID).cast(pl.Int64))
    keep = pl.repeat(True, frame.height, eager=True)
    converters = record_converters(list(typed.types), typed.schema)
    for name, values in query.filters.items():
        kind = "int" if name == _ID else typed.types[name]
        column = _typed_column(frame, name, kind)
        if kind in (*_NUMERIC, "int"):
            try:
                wanted = [float(v) for v in values]
            except ValueError:
                raise _error("query", "Invalid query") from None
            keep = keep & column.cast(pl.Float64).is_in(wanted)
        elif kind == "text":
            keep = keep & frame[name].is_in(values)
        else:  # dates, times, booleans: compare the values the DataStore would hold
            convert = converters[name]
            canonical = [_canonical(convert, v) for v in values]
            cells = frame[name].map_elements(partial(_canonical, convert), pl.String)
            keep = keep & cells.is_in(canonical).fill_null(False)
    ranks = _ranks(typed, frame, query.q)
    for name, rank in ranks.items():
        keep = keep & (rank > 0)
        frame = frame.with_columns(rank.alias(name))
    frame = frame.filter(keep)
    if query.sort:
        keys = [
            _typed_column(frame, n, "int" if n == _ID else typed.types[n]).alias(f"__k{i}")
            for i, (n, _) in enumerate(query.sort)
        ]
        descending = [d for _, d in query.sort]
        frame = (
            frame.with_columns(keys)
            .sort(
                [k.name for k in keys],
                descending=descending,
                nulls_last=[not d for d in descending],
                maintain_order=True,
            )
            .drop([k.name for k in keys])
        )
    elif ranks:
        frame = frame.sort(list(ranks), descending=True, maintain_order=True)
    names = query.fields or [_ID, *typed.types]
    if query.fields is None:
        names = [*names, *ranks]
    out = frame.select(names)
    if query.distinct:
        out = out.unique(maintain_order=True)
    total = out.height
    page = out[query.offset : query.offset + query.limit]
    rows = [
        [_output(row[i], name, typed, converters) for i, name in enumerate(names)]
        for row in page.iter_rows()
    ]
    return _formatted(rows, names, query.records_format), total, names


def _canonical(convert: Callable[[str], Any], cell: str) -> str:
    """The text of the value the DataStore would hold for ``cell`` (the cell when it has none)."""
    try:
        return str(convert(cell))
    except ValueError:
        return cell


def _ranks(typed: TypedTable, frame: pl.DataFrame, q: str | dict[str, str]) -> dict[str, pl.Series]:
    """CKAN's rank columns: ``rank`` for a text ``q``, ``rank <field>`` per field of an object
    ``q``. Each is the product of every term's occurrences (0 when a term is missing)."""
    if not q:
        return {}
    wanted = (
        {"rank": (typed.table.folded, q)}
        if isinstance(q, str)
        else {
            f"rank {name}": (frame[name].cast(pl.String).map_elements(fold, pl.String), text)
            for name, text in q.items()
        }
    )
    ranks = {}
    for name, (texts, text) in wanted.items():
        score = pl.repeat(1.0, frame.height, eager=True)
        for term in fold(text).split():
            score = score * texts.str.count_matches(term, literal=True).cast(pl.Float64)
        ranks[name] = score
    return ranks


def _output(cell: Any, name: str, typed: TypedTable, converters: Mapping[str, Any]) -> Any:
    if name == _ID or name.startswith("rank"):
        return cell
    value = converters[name](cell)
    if value is None:
        return None
    kind = typed.types[name]
    if kind in ("int8", "int4"):
        return int(value)
    if kind == "numeric":
        number = float(value)
        return int(number) if number.is_integer() and "." not in str(value) else number
    return value


def _formatted(rows: list[list[Any]], names: list[str], records_format: str) -> list[Any] | str:
    if records_format == "objects":
        return [dict(zip(names, row, strict=True)) for row in rows]
    if records_format == "lists":
        return rows
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter="\t" if records_format == "tsv" else ",", lineterminator="\n"
    )
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue()


def fields_out(typed: TypedTable, names: list[str]) -> list[dict[str, str]]:
    kinds = {_ID: "int", **typed.types}
    return [{"id": name, "type": kinds.get(name, "float")} for name in names]
