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
    as_mask,
    exact_bound,
    read_canonical,
    to_arrow_value,
)

if TYPE_CHECKING:
    from frictionless import Field

Note = tuple[str, str]  # (Frictionless error type, note)
CACHE_LIMIT = 200_000  # distinct non-canonical texts remembered per column
# A column is checked once per distinct text when at most this share of a batch is distinct
# (dates, counts, kana, phone numbers: the checks cost more than the dictionary encoding).
DICTIONARY_RATIO = 0.6
REPROBE_BATCHES = 32  # a high-variety column is encoded again (to look) after this many batches
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
    """What Frictionless would say about each cell of one batch of a column (arrays per row)."""

    missing: np.ndarray  # a missing value (blank for the blank-row rule)
    fast: np.ndarray  # read and checked here (canonical and not missing)
    canonical: Canonical | None  # typed values where ``fast``
    note_ids: np.ndarray  # index into ``note_lists``; 0: no error
    note_lists: list[list[Note]] = field(default_factory=lambda: [[]])
    rest_values: dict[int, Any] = field(default_factory=dict)  # Frictionless' value, the rest

    def bad_rows(self) -> np.ndarray:
        """Row positions whose cell carries a type or constraint error."""
        return np.flatnonzero(self.note_ids)

    def notes(self, position: int) -> list[Note]:
        return self.note_lists[int(self.note_ids[position])]


def constraint_note(spec: Field, name: str) -> Note:
    return ("constraint-error", f'constraint "{name}" is "{spec.constraints[name]}"')


def missing_values(spec: Field) -> list[str]:
    """The missing values the cell reader uses: the field's own, else the schema's."""
    values = spec.missing_values
    if not spec.has_defined("missing_values") and spec.schema:
        values = spec.schema.missing_values
    return [str(v) for v in values]


def evaluate_column(spec: Field, column: pa.Array) -> ColumnOutcome:
    """Outcome of every cell of ``column`` (a string array without nulls) for ``spec``."""
    return ColumnReader(spec).evaluate(column)


class ColumnReader:
    """Reads one field's column batch after batch, remembering what spans batches.

    That is the note lists (one id per distinct list of notes, so a batch's outcome is an
    array of small ints) and Frictionless' reading of every non-canonical text seen so far:
    its cell reader runs once per distinct text in the whole file, not once per batch.
    """

    def __init__(self, spec: Field) -> None:
        self.spec = spec
        self.missing_values = missing_values(spec)
        self.vectorisable = _vectorisable(spec)
        self.note_lists: list[list[Note]] = [[]]
        self._note_ids: dict[tuple[Note, ...], int] = {(): 0}
        self._read = spec.create_cell_reader()
        self._seen: dict[str, tuple[Any, int]] = {}
        self._missing_note: int | None = None
        self._costly = _costly(spec, self.vectorisable)
        self._skip = 0  # batches left before a high-variety column is encoded again

    def note_id(self, notes: list[Note]) -> int:
        key = tuple(notes)
        found = self._note_ids.get(key)
        if found is None:
            found = self._note_ids[key] = len(self.note_lists)
            self.note_lists.append(notes)
        return found

    def evaluate(self, column: pa.Array) -> ColumnOutcome:
        """Outcome of every cell of ``column`` (a string array without nulls).

        Work is over the whole batch in pyarrow; only cells with no canonical reading go to
        Frictionless' cell reader, once per distinct text. A low-variety column with costly
        checks is dictionary-encoded first: its distinct texts are checked and rows pick the
        outcome up by index. Whether it is encoded changes the cost, never the outcome.
        """
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if not self._costly or len(column) < 2:
            return self._evaluate(column)
        if self._skip:
            self._skip -= 1
            return self._evaluate(column)
        encoded = pc.dictionary_encode(column)
        distinct = encoded.dictionary
        if len(distinct) > DICTIONARY_RATIO * len(column):
            self._skip = REPROBE_BATCHES
            return self._evaluate(column)
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        return _spread(self._evaluate(distinct), indices, encoded.indices)

    def _evaluate(self, column: pa.Array) -> ColumnOutcome:
        spec = self.spec
        missing = _missing(column, self.missing_values)
        canonical = read_canonical(spec, column) if self.vectorisable else None
        fast = canonical.mask & ~missing if canonical is not None else np.zeros(len(column), bool)
        note_ids = np.zeros(len(column), dtype=np.int32)
        outcome = ColumnOutcome(missing, fast, canonical, note_ids, self.note_lists)
        if canonical is not None:
            self._check_canonical(canonical, fast, outcome)
        self._read_rest(column, np.flatnonzero(~fast), outcome)
        return outcome

    def _check_canonical(self, canonical: Canonical, fast: np.ndarray, out: ColumnOutcome) -> None:
        """Constraint notes for canonical cells, in Frictionless' order.

        Each failed constraint sets one bit; every distinct combination of bits becomes one
        list of notes, so a batch costs a few vector operations and a handful of lists.
        """
        spec = self.spec
        bits: np.ndarray | None = None
        notes: list[Note] = []
        for name in type(spec).supported_constraints:
            passed = _passes(spec, name, canonical.values, fast)
            if passed is None:
                continue
            failed = (fast & ~passed).astype(np.int64) << len(notes)
            bits = failed if bits is None else bits | failed
            notes.append(constraint_note(spec, name))
        if bits is None:
            return
        failing = np.flatnonzero(bits)
        if not len(failing):
            return
        combinations = bits[failing]
        for combination in np.unique(combinations).tolist():
            listed = [note for k, note in enumerate(notes) if combination >> k & 1]
            out.note_ids[failing[combinations == combination]] = self.note_id(listed)

    def _read_rest(self, column: pa.Array, positions: np.ndarray, out: ColumnOutcome) -> None:
        """Frictionless' own cell reader for cells with no canonical reading, once per text."""
        if not len(positions):
            return
        missing = out.missing[positions]
        if missing.any():  # all missing cells read the same way: None, maybe a required note
            if self._missing_note is None:
                self._missing_note = self.note_id(_listed(self._read(None)[1] or {}))
            if self._missing_note:
                out.note_ids[positions[missing]] = self._missing_note
            positions = positions[~missing]
            if not len(positions):
                return
        seen = self._seen
        if len(seen) > CACHE_LIMIT:  # a column of distinct odd texts: keep memory bounded
            seen.clear()
        texts = column.take(positions).to_pylist()
        for position, text in zip(positions.tolist(), texts, strict=True):
            known = seen.get(text)
            if known is None:
                value, notes = self._read(text)
                known = seen[text] = (value, self.note_id(_listed(notes)) if notes else 0)
            value, note_id = known
            if note_id:
                out.note_ids[position] = note_id
            if value is not None:
                out.rest_values[position] = value


def _spread(distinct: ColumnOutcome, indices: np.ndarray, arrow_indices: pa.Array) -> ColumnOutcome:
    """The outcome of each row, from the outcome of each distinct text and the rows' indices.

    Frictionless' values of non-canonical texts are spread too, in row order, as
    :meth:`ColumnReader._read_rest` records them.
    """
    canonical = distinct.canonical
    if canonical is not None:
        values = canonical.values
        typed = values.take(arrow_indices) if values is not None else None
        canonical = Canonical(canonical.mask[indices], typed)
    rest: dict[int, Any] = {}
    if distinct.rest_values:
        which = np.fromiter(distinct.rest_values, dtype=np.int64, count=len(distinct.rest_values))
        rows = np.flatnonzero(np.isin(indices, which))
        read = distinct.rest_values
        rest = {p: read[d] for p, d in zip(rows.tolist(), indices[rows].tolist(), strict=True)}
    return ColumnOutcome(
        distinct.missing[indices],
        distinct.fast[indices],
        canonical,
        distinct.note_ids[indices],
        distinct.note_lists,
        rest,
    )


def _costly(spec: Field, vectorisable: bool) -> bool:
    """Whether checking a cell costs more than encoding it: a parse, a pattern.

    A plain string column (a name, an address) is a length test at most: never encoded.
    """
    if spec.type != "string" or spec.format != "default" or not vectorisable:
        return True
    return spec.constraints.get("pattern") is not None


def _missing(column: pa.Array, values: list[str]) -> np.ndarray:
    """Cells that are missing values; the usual ``[""]`` is a length test, not a hash lookup."""
    if values == [""]:
        return as_mask(pc.equal(pc.binary_length(column), 0))
    return as_mask(pc.is_in(column, value_set=pa.array(values, pa.string())))


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


def _passes(spec: Field, name: str, values: Any, fast: np.ndarray) -> np.ndarray | None:
    """Whether each canonical value passes constraint ``name`` (None: not declared/checked)."""
    declared = spec.constraints.get(name)
    if declared is None or name == "required":
        return None  # a canonical cell is never missing
    reader = spec.create_value_reader()
    if name in BOUNDS:
        bound = to_arrow_value(spec.type, reader(declared))
        passed = BOUNDS[name](values, pa.scalar(bound, values.type))
    elif name == "enum":
        # An allowed value no canonical value can equal (an integer past int64) is dropped:
        # converting it to the column's type would overflow, and it matches nothing here.
        read = (to_arrow_value(spec.type, v) for v in map(reader, declared) if v is not None)
        allowed = [v for v in read if v is not None]
        passed = pc.is_in(values, value_set=pa.array(allowed, values.type))
    elif name == "pattern":
        passed = _pattern_passes(declared, values, fast)
    elif name == "minLength":
        passed = pc.greater_equal(pc.utf8_length(values), declared)
    elif name == "maxLength":
        passed = pc.less_equal(pc.utf8_length(values), declared)
    else:
        return None
    if isinstance(passed, np.ndarray):
        return passed
    return as_mask(passed.fill_null(True))


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


def _listed(notes: dict[str, str]) -> list[Note]:
    notes = dict(notes)
    type_note = notes.pop("type", None)
    found = [("type-error", type_note)] if type_note else []
    return found + [("constraint-error", note) for note in notes.values()]
