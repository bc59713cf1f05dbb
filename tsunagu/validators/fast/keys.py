"""``unique`` and ``primaryKey``, batch after batch: dense ids for read values, last rows by id.

Frictionless keeps, per unique field and for the primary key, a dictionary from *read value*
(so ``"1"`` and ``"01"`` collide in an integer field) to the last row holding it, and reports a
row whose value was seen before, naming that last row. Here :class:`KeyIds` gives every read
value a dense id that holds for the whole file (``NO_VALUE``: missing or a type error), looking a
batch's distinct values up by their hashes, kept sorted, and
:class:`LastSeen` keeps the last row per id in a numpy array. Within a batch a stable sort puts
equal ids next to each other: each row after the first of its group repeats the row before it,
and the first repeats the last row of earlier batches. So the state that spans batches is the
distinct key values (compact Arrow arrays) and one int64 per distinct value — no Python object
per row.

Values that are never equal to anything, even themselves (``Decimal("NaN")``), get an id of
their own per row, exactly as they never match in Frictionless' dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tsunagu.validators.fast.constraints import ColumnOutcome
from tsunagu.validators.fast.types import ARROW_TYPES, to_arrow_value

NO_VALUE = -1


class UnhashableValue(Exception):
    """A read value Frictionless could not put in its uniqueness memory (a list, a dict)."""


@dataclass(frozen=True)
class Duplicates:
    """Rows (positions) that repeat an earlier value, and the row each one repeats."""

    rows: np.ndarray
    previous: np.ndarray


class KeyIds:
    """Dense ids for the values of one column (or one key tuple) across all batches.

    A value's id is its index among the distinct values seen so far, kept as Arrow chunks.
    Looking a batch up must not cost the size of the whole table each time, so each value's
    Python hash is kept in a sorted numpy array (8 bytes per distinct value): a batch's distinct
    values are hashed once, found by binary search, and confirmed with ``==`` — the dictionary
    lookup Frictionless does, vectorised. Values compared in Python only (huge numbers, decimals
    beyond float's precision, other types) get ids from a dictionary, with null placeholders in
    the chunks so ids stay dense.
    """

    def __init__(self, arrow_type: pa.DataType) -> None:
        self.type = arrow_type
        self._chunks: list[pa.Array] = []
        self._count = 0
        self._hashes = np.empty(0, dtype=np.int64)  # sorted
        self._ids = np.empty(0, dtype=np.int64)  # the id of each hash
        self._loose: dict[Any, int] = {}

    def __len__(self) -> int:
        return self._count

    def assign(self, typed: pa.Array, valued: np.ndarray, loose: dict[int, Any]) -> np.ndarray:
        """Per row: the id of ``typed`` where ``valued``, of ``loose[row]``, else ``NO_VALUE``."""
        ids = np.full(len(valued), NO_VALUE, dtype=np.int64)
        rows = np.flatnonzero(valued)
        if len(rows) == len(valued):  # every row holds a value (a key column, usually)
            ids[:] = self._typed_ids(typed)
        elif len(rows):
            ids[rows] = self._typed_ids(typed.take(rows))
        if loose:
            self._loose_ids(loose, ids)
        return ids

    def _typed_ids(self, values: pa.Array) -> np.ndarray:
        encoded = pc.dictionary_encode(values)
        distinct = encoded.dictionary
        hashes = _hashes(distinct)
        order = np.argsort(hashes)  # sorted keys make the binary searches cache-friendly
        where = np.searchsorted(self._hashes, hashes[order])
        mapped = np.full(len(distinct), NO_VALUE, dtype=np.int64)
        mapped[order] = self._lookup(distinct, order, where, hashes[order])
        new = np.flatnonzero(mapped[order] == NO_VALUE)  # in hash order
        added = order[new]
        mapped[added] = self._count + np.arange(len(added))
        self._append(distinct.take(added), len(added))
        self._hashes = np.insert(self._hashes, where[new], hashes[added])
        self._ids = np.insert(self._ids, where[new], mapped[added])
        return mapped[encoded.indices.to_numpy(zero_copy_only=False)]

    def _lookup(
        self, distinct: pa.Array, order: np.ndarray, where: np.ndarray, hashes: np.ndarray
    ) -> np.ndarray:
        """Ids of values seen before (``NO_VALUE``: new), confirmed by equality, not hash.

        ``hashes`` are the batch's, sorted (``order`` says whose), ``where`` their places.
        """
        found = np.full(len(hashes), NO_VALUE, dtype=np.int64)
        size = len(self._hashes)
        if not size:
            return found
        hits = np.flatnonzero(self._hashes[np.minimum(where, size - 1)] == hashes)
        if not len(hits):
            return found
        seen = pa.chunked_array(self._chunks, self.type)
        first = self._ids[where[hits]]  # nearly always the only candidate: one take for all
        stored = seen.take(first).to_pylist()
        asked = distinct.take(order[hits]).to_pylist()  # Python values only for the hits
        for hit, candidate, known, value in zip(
            hits.tolist(), first.tolist(), stored, asked, strict=True
        ):
            if known == value:
                found[hit] = candidate
            else:  # a hash collision: look at every value with this hash
                found[hit] = self._scan(seen, int(where[hit]), int(hashes[hit]), value)
        return found

    def _scan(self, seen: pa.ChunkedArray, start: int, hashed: int, value: Any) -> int:
        stop = start
        while stop < len(self._hashes) and self._hashes[stop] == hashed:
            stop += 1
        candidates = self._ids[start:stop]
        stored = seen.take(candidates).to_pylist()
        for candidate, known in zip(candidates.tolist(), stored, strict=True):
            if known == value:
                return int(candidate)
        return NO_VALUE

    def _append(self, values: pa.Array, count: int) -> None:
        if count:
            self._chunks.append(values)
            self._count += count

    def _loose_ids(self, loose: dict[int, Any], ids: np.ndarray) -> None:
        fresh = 0
        for position, value in loose.items():
            if value != value:  # NaN: equal to nothing, not even itself
                ids[position] = self._count + fresh
                fresh += 1
                continue
            try:
                group = self._loose.get(value)
            except TypeError as exc:
                raise UnhashableValue(type(value).__name__) from exc
            if group is None:
                group = self._loose[value] = self._count + fresh
                fresh += 1
            ids[position] = group
        self._append(pa.nulls(fresh, self.type), fresh)


def _hashes(values: pa.Array) -> np.ndarray:
    """A 64-bit hash of each value, vectorised (polars): equal values, equal hashes.

    Only a first filter — every hit is confirmed with ``==`` on the Python values, so which
    hash function it is never changes an answer. (Canonical values hold no NaN, and -0.0 is
    folded into 0.0, so equal means equal bits for the float hash too.)
    """
    import polars as pl

    hashed = pl.from_arrow(values).hash(seed=0).to_numpy()  # type: ignore[union-attr]
    return np.ascontiguousarray(hashed).view(np.int64)


def field_ids(field_type: str, outcome: ColumnOutcome, known: KeyIds) -> np.ndarray:
    """Per row of one batch: the id of the value Frictionless read, ``NO_VALUE`` for none."""
    canonical = outcome.canonical
    if canonical is None or canonical.values is None:
        loose = outcome.rest_values
        empty = pa.nulls(0, known.type)
        return known.assign(empty, np.zeros(len(outcome.fast), dtype=bool), loose)
    typed, valued, loose = _typed_values(field_type, outcome, canonical.values)
    return known.assign(typed, valued, loose)


def key_type(field_type: str) -> pa.DataType:
    """The Arrow type canonical values of ``field_type`` have (null for types without any)."""
    return ARROW_TYPES.get(field_type, pa.null())


def _typed_values(
    field_type: str, outcome: ColumnOutcome, typed: pa.Array
) -> tuple[pa.Array, np.ndarray, dict[int, Any]]:
    """The canonical typed array with the other read values put in where they fit.

    Returns that array, which rows hold a value in it, and the values that did not fit.
    Only rows read here carry a value: a missing cell ("") has none, whatever its slot holds.
    """
    valued = outcome.fast.copy()
    fitting: dict[int, Any] = {}
    loose: dict[int, Any] = {}
    for position, value in outcome.rest_values.items():
        converted = to_arrow_value(field_type, value)
        if converted is None:
            loose[position] = value
        else:
            fitting[position] = converted
    if fitting:
        mask = np.zeros(len(typed), dtype=bool)
        order = sorted(fitting)
        mask[order] = True
        valued[order] = True
        replacements = pa.array([fitting[p] for p in order], typed.type)
        typed = pc.replace_with_mask(typed, pa.array(mask), replacements)
    return typed, valued, loose


def tuple_ids(columns: list[np.ndarray], known: KeyIds) -> tuple[np.ndarray, np.ndarray]:
    """One id per row for a key tuple, and the rows whose key cells are all empty.

    The tuple of per-field ids is packed into fixed-size bytes and given an id like any value.
    """
    stacked = np.ascontiguousarray(np.stack(columns, axis=1), dtype=np.int64)
    all_none = (stacked == NO_VALUE).all(axis=1)
    if len(columns) == 1:
        return stacked[:, 0], all_none
    width = 8 * len(columns)
    packed = pa.Array.from_buffers(
        pa.binary(width), len(stacked), [None, pa.py_buffer(stacked.tobytes())]
    )
    return known.assign(packed, np.ones(len(stacked), bool), {}), all_none


class LastSeen:
    """The last row (file position) per id, as Frictionless' uniqueness dictionary keeps it."""

    def __init__(self) -> None:
        self.last = np.full(0, NO_VALUE, dtype=np.int64)

    def duplicates(self, ids: np.ndarray, present: np.ndarray, offset: int) -> Duplicates:
        """Rows of this batch (positions in it) repeating an earlier row, and that row."""
        rows = np.flatnonzero(present)
        if not len(rows):
            return Duplicates(rows, rows)
        order = rows[np.argsort(ids[rows], kind="stable")]
        sorted_ids = ids[order]
        self._grow(int(sorted_ids[-1]) + 1)
        first = np.ones(len(order), dtype=bool)
        first[1:] = sorted_ids[1:] != sorted_ids[:-1]
        previous = np.empty(len(order), dtype=np.int64)
        previous[first] = self.last[sorted_ids[first]]
        later = np.flatnonzero(~first)
        previous[later] = order[later - 1] + offset
        ends = np.append(np.flatnonzero(first)[1:] - 1, len(order) - 1)
        self.last[sorted_ids[first]] = order[ends] + offset
        repeated = np.flatnonzero(previous != NO_VALUE)
        keep = np.argsort(order[repeated], kind="stable")
        return Duplicates(order[repeated][keep], previous[repeated][keep])

    def _grow(self, size: int) -> None:
        if size > len(self.last):
            grown = np.full(max(size, 2 * len(self.last)), NO_VALUE, dtype=np.int64)
            grown[: len(self.last)] = self.last
            self.last = grown
