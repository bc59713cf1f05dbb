"""Entry point: a Draft's table validated by the fast engine.

It mirrors what the reference path does before Frictionless sees the data, so the comparison
is like for like: the Draft is deduplicated by label and stripped of geometry as in
:func:`tsunagu.validators.frictionless_run.validate_table`. Frictionless takes over, with the
reason recorded, when the fast engine cannot promise its answer.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tsunagu.validators.fast.coverage import SNIFF_LINES, dialect_reason, sniff_dialect
from tsunagu.validators.fast.engine import (
    BATCH_ROWS,
    FastUnsupported,
    validate_columns,
)

if TYPE_CHECKING:
    from tsunagu.errors import Problem
    from tsunagu.model import Draft
    from tsunagu.validators.check import SchemaLike

USED_FAST = {"used": "fast"}


def validate_draft_table(
    draft: Draft, schema: SchemaLike, *, batch_rows: int = BATCH_ROWS
) -> tuple[list[Problem], dict[str, Any], dict[str, str]]:
    """Problems, Frictionless-style report and engine fact for ``draft.table``.

    Same contract as ``frictionless_run.validate_table`` plus the third item, which goes to
    ``report.facts["validation_engine"]``.
    """
    from tsunagu.validators.frictionless_run import (
        _attribute_columns,
        problem_from_error,
        validate_table,
        without_timings,
    )

    table = _attribute_columns(draft.table)
    duplicated = table.columns.duplicated()
    problems = [
        problem_from_error({"type": "duplicate-label", "label": str(label)}, draft, schema)
        for label in dict.fromkeys(table.columns[duplicated])
    ]
    table = table.loc[:, ~duplicated]
    try:
        labels = [str(c) for c in table.columns]
        columns = [_column(table[c]) for c in table.columns]
        _refuse_carriage_returns(labels, columns)
        _refuse_sniffed_dialect(table, labels, columns)
        standard = schema.frictionless_descriptor()
        result = validate_columns(labels, columns, standard, batch_rows=batch_rows)
    except FastUnsupported as exc:
        fallback_problems, descriptor = validate_table(draft, schema)
        return fallback_problems, descriptor, {"used": "frictionless", "reason": str(exc)}
    descriptor = without_timings(result.to_descriptor())
    errors = descriptor["tasks"][0]["errors"]
    problems += [problem_from_error(e, draft, schema) for e in errors]
    return problems, descriptor, dict(USED_FAST)


def _column(series: Any) -> pa.Array:
    values = series.astype(str) if series.dtype == object else series
    return pa.array(values, from_pandas=True, type=pa.string())


def _refuse_sniffed_dialect(table: Any, labels: list[str], columns: list[pa.Array]) -> None:
    """Raise when Frictionless would not read the CSV we would write back cell for cell."""
    head = table.head(SNIFF_LINES).to_csv(index=False, encoding="utf-8", lineterminator="\n")
    dialect = sniff_dialect(islice(io.StringIO(head, newline=""), SNIFF_LINES))
    reason = dialect_reason(dialect, _hazardous_cells(labels, columns))
    if reason:
        raise FastUnsupported(reason)


def _hazardous_cells(labels: list[str], columns: list[Any], dialect: Any = None) -> Iterator[str]:
    """Labels and cells a sniffed dialect could misread: holding a quote, starting with a space.

    With a ``dialect`` only its own hazards are looked for (``doublequote=False``: quotes;
    ``skipinitialspace=True``: leading spaces), one vectorised pass per column.
    """
    import pyarrow.compute as pc

    quotes = dialect is None or not dialect.doublequote
    spaces = dialect is None or dialect.skipinitialspace
    yield from labels
    for column in columns:
        checks = ([pc.match_substring(column, '"')] if quotes else []) + (
            [pc.starts_with(column, " ")] if spaces else []
        )
        for risky in checks:
            yield from column.filter(risky.fill_null(False)).to_pylist()


def _refuse_carriage_returns(labels: list[str], columns: list[pa.Array]) -> None:
    """Raise when a cell holds a bare CR: the CSV written for Frictionless does not quote it.

    pandas writes with ``lineterminator="\\n"`` and quotes only cells holding ``\\n``, so a
    ``\\r`` inside a cell reaches Frictionless as a line break: rows split, counts change.
    Frictionless' reading of that file is the reference, so it reads it.
    """
    import pyarrow.compute as pc

    if any("\r" in label for label in labels) or any(
        pc.any(pc.match_substring(c, "\r")).as_py() for c in columns
    ):
        raise FastUnsupported("a cell holds a carriage return (CR), which splits the CSV row")
