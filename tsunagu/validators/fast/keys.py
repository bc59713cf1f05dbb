"""``unique`` and ``primaryKey``: duplicates found by sorting, not by a per-row dictionary.

Frictionless keeps, per unique field and for the primary key, a dictionary from *read value*
(so ``"1"`` and ``"01"`` collide in an integer field) to the last row holding it, and reports a
row whose value was seen before, naming that last row. Here every row gets a group id for its
read value (``-1``: no value, i.e. missing or a type error); a stable sort puts equal ids next to
each other, and each row after the first of its group is a duplicate of the row before it.

Values that are never equal to anything, even themselves (``Decimal("NaN")``), get a group of
their own per row, exactly as they never match in Frictionless' dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tsunagu.validators.fast.constraints import ColumnOutcome
from tsunagu.validators.fast.types import to_arrow_value

NO_VALUE = -1


class UnhashableValue(Exception):
    """A read value Frictionless could not put in its uniqueness memory (a list, a dict)."""


@dataclass(frozen=True)
class Duplicates:
    """Rows (positions) that repeat an earlier value, and the row each one repeats."""

    rows: np.ndarray
    previous: np.ndarray


def group_ids(field_type: str, outcome: ColumnOutcome) -> np.ndarray:
    """Per row: an id equal for rows whose read values are equal, ``NO_VALUE`` for none."""
    rows = len(outcome.missing)
    ids = np.full(rows, NO_VALUE, dtype=np.int64)
    next_id = 0
    loose: dict[int, Any] = dict(outcome.rest_values)
    canonical = outcome.canonical
    if canonical is not None and canonical.values is not None:
        values = canonical.values
        if isinstance(values, pa.ChunkedArray):  # one dictionary for the whole column
            values = values.combine_chunks()
        typed, valued, loose = _typed_values(field_type, outcome, values)
        encoded = pc.dictionary_encode(typed)
        codes = encoded.indices.fill_null(NO_VALUE).to_numpy(zero_copy_only=False)
        ids = np.where(valued, codes, NO_VALUE).astype(np.int64)
        next_id = len(encoded.dictionary)
    lonely = _group_loose(loose, ids, next_id)
    if lonely:
        start = int(ids.max(initial=0)) + 1
        ids[lonely] = start + np.arange(len(lonely))
    return ids


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


def _group_loose(loose: dict[int, Any], ids: np.ndarray, next_id: int) -> list[int]:
    """Give Python-compared values ids; return the rows whose value equals nothing (NaN)."""
    seen: dict[Any, int] = {}
    lonely: list[int] = []
    for position, value in loose.items():
        if value != value:  # NaN
            lonely.append(position)
            continue
        try:
            group = seen.setdefault(value, next_id + len(seen))
        except TypeError as exc:
            raise UnhashableValue(type(value).__name__) from exc
        ids[position] = group
    return lonely


def find_duplicates(ids: np.ndarray, present: np.ndarray) -> Duplicates:
    """Rows in ``present`` whose id occurred in an earlier present row, and that row."""
    rows = np.flatnonzero(present)
    order = rows[np.argsort(ids[rows], kind="stable")]
    sorted_ids = ids[order]
    repeat = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1]) + 1
    found = order[repeat]
    previous = order[repeat - 1]
    keep = np.argsort(found, kind="stable")
    return Duplicates(found[keep], previous[keep])


def unique_duplicates(ids: np.ndarray) -> Duplicates:
    """Duplicates for a ``unique`` field: rows without a value never collide."""
    return find_duplicates(ids, ids != NO_VALUE)


def primary_key_ids(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One id per row for the key tuple, and the rows whose key cells are all empty."""
    stacked = np.stack(columns, axis=1)
    all_none = (stacked == NO_VALUE).all(axis=1)
    if len(columns) == 1:
        return stacked[:, 0], all_none
    _, inverse = np.unique(stacked, axis=0, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), all_none
