"""Type and constraint outcomes for one column, computed once per *distinct* cell text.

Municipal columns repeat themselves, and even a column of unique IDs is only parsed once: the
column is dictionary-encoded, every distinct text gets its outcome (the error notes Frictionless
would attach to it, and the value its ``unique``/primary-key memory would hold), and rows pick
their outcome up by index. Canonical texts are checked here with pyarrow compute; the rest go
through Frictionless' own ``Field.create_cell_reader()`` — the reference itself, so they agree.

Constraint notes follow Frictionless: checked in the field type's ``supported_constraints``
order, only when the type was read, each worded ``constraint "<name>" is "<declared value>"``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tsunagu.validators.fast.types import (
    Canonical,
    exact_bound,
    read_canonical,
    to_arrow_value,
)

if TYPE_CHECKING:
    from frictionless import Field

Note = tuple[str, str]  # (Frictionless error type, note)
BOUNDS: dict[str, Callable[[Any, Any], Any]] = {
    "minimum": pc.greater_equal,
    "maximum": pc.less_equal,
    "exclusiveMinimum": pc.greater,
    "exclusiveMaximum": pc.less,
}
PY_BOUNDS = {
    "minimum": operator.ge,
    "maximum": operator.le,
    "exclusiveMinimum": operator.gt,
    "exclusiveMaximum": operator.lt,
}
# A pattern runs in RE2 only when Python's re reads it the same way: no classes whose meaning
# differs (\d is Unicode in Python), no $ or lookarounds, no escapes other than punctuation.
_RE2_UNSAFE = re.compile(r"\\[A-Za-z0-9]|\$|\(\?|\{,|\[:")


@dataclass
class ColumnOutcome:
    """What Frictionless would say about each cell of one column."""

    codes: np.ndarray  # per row: index of its distinct text
    distinct: pa.Array  # the distinct cell texts
    missing: np.ndarray  # per distinct: a missing value (blank for the blank-row rule)
    fast: np.ndarray  # per distinct: read and checked here (canonical and not missing)
    canonical: Canonical | None = None  # typed values of the ``fast`` distinct texts
    notes: dict[int, list[Note]] = field(default_factory=dict)  # per distinct with errors
    rest_values: dict[int, Any] = field(default_factory=dict)  # Frictionless' value, the rest

    def bad_rows(self) -> np.ndarray:
        """Row positions whose cell carries a type or constraint error."""
        bad = np.zeros(len(self.distinct), dtype=bool)
        bad[list(self.notes)] = True
        return np.flatnonzero(bad[self.codes])


def _mask(array: pa.Array) -> np.ndarray:
    return np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def constraint_note(spec: Field, name: str) -> Note:
    return ("constraint-error", f'constraint "{name}" is "{spec.constraints[name]}"')


def missing_values(spec: Field) -> list[str]:
    """The missing values the cell reader uses: the field's own, else the schema's."""
    values = spec.missing_values
    if not spec.has_defined("missing_values") and spec.schema:
        values = spec.schema.missing_values
    return [str(v) for v in values]


def evaluate_column(spec: Field, column: pa.Array) -> ColumnOutcome:
    """Outcome of every cell of ``column`` (a string array) for ``spec``."""
    encoded = pc.dictionary_encode(column.fill_null(""))
    distinct = encoded.dictionary
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    missing = _mask(pc.is_in(distinct, value_set=pa.array(missing_values(spec), pa.string())))
    canonical = read_canonical(spec, distinct)
    fast = np.zeros(len(distinct), dtype=bool)
    if canonical is not None and _vectorisable(spec):
        fast = canonical.mask & ~missing
    else:
        canonical = None
    outcome = ColumnOutcome(codes, distinct, missing, fast, canonical)
    if canonical is not None:
        _check_canonical(spec, canonical, fast, outcome)
    _read_rest(spec, distinct, np.flatnonzero(~fast), outcome)
    return outcome


def _vectorisable(spec: Field) -> bool:
    """Whether every declared constraint of ``spec`` can be checked on canonical values."""
    reader = spec.create_value_reader()
    for name in type(spec).supported_constraints:
        value = spec.constraints.get(name)
        if value is None:
            continue
        if name in BOUNDS and not exact_bound(spec.type, reader(value)):
            return False
        if name == "enum" and spec.type == "number":
            return False
        if name == "pattern" and not isinstance(value, str):
            return False
    return True


def _check_canonical(spec: Field, canonical: Canonical, fast: np.ndarray, out: ColumnOutcome):
    """Constraint notes for canonical cells, in Frictionless' order."""
    reader = spec.create_value_reader()
    values = canonical.values
    for name in type(spec).supported_constraints:
        declared = spec.constraints.get(name)
        if declared is None or name == "required":
            continue
        if name in BOUNDS:
            bound = to_arrow_value(spec.type, reader(declared))
            passed = BOUNDS[name](values, pa.scalar(bound, values.type))
        elif name == "enum":
            allowed = [v for v in map(reader, declared) if v is not None]
            passed = pc.is_in(values, value_set=pa.array(allowed, values.type))
        elif name == "pattern":
            passed = _pattern_passes(declared, values, fast)
        elif name == "minLength":
            passed = pc.greater_equal(pc.utf8_length(values), declared)
        elif name == "maxLength":
            passed = pc.less_equal(pc.utf8_length(values), declared)
        else:
            continue
        if isinstance(passed, pa.Array):
            passed = _mask(passed.fill_null(True))
        failed = fast & ~passed
        note = constraint_note(spec, name)
        for position in np.flatnonzero(failed).tolist():
            out.notes.setdefault(position, []).append(note)


def _pattern_passes(pattern: str, values: pa.Array, fast: np.ndarray) -> pa.Array | np.ndarray:
    """``re.match("^{pattern}$", cell)`` over the array, in RE2 when that is the same thing."""
    if not _RE2_UNSAFE.search(pattern):
        try:
            # Python's "$" also matches before a final newline; "\n?\z" says so in RE2.
            return pc.match_substring_regex(values, rf"\A(?:^{pattern}\n?\z)")
        except pa.ArrowInvalid:
            pass  # RE2 refuses the pattern (backreferences …): Python below
    compiled = re.compile(f"^{pattern}$")
    texts = values.to_pylist()
    passed = np.ones(len(texts), dtype=bool)
    for position in np.flatnonzero(fast).tolist():
        passed[position] = compiled.match(texts[position]) is not None
    return passed


def _read_rest(spec: Field, distinct: pa.Array, positions: np.ndarray, out: ColumnOutcome):
    """Frictionless' own cell reader on the few distinct texts with no fast path."""
    if not len(positions):
        return
    read = spec.create_cell_reader()
    texts = distinct.take(pa.array(positions)).to_pylist()
    for position, text in zip(positions.tolist(), texts, strict=True):
        value, notes = read(text)
        if notes:
            type_note = notes.pop("type", None)
            found = [("type-error", type_note)] if type_note else []
            found += [("constraint-error", note) for note in notes.values()]
            out.notes[position] = found
        if value is not None:
            out.rest_values[position] = value
