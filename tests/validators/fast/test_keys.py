"""Duplicates as Frictionless' unique memory sees them: by read value, naming the last row.

Also across batches: ids hold for the whole table and the last row is remembered.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from frictionless import Field

from tsunagu.validators.fast.constraints import ColumnReader
from tsunagu.validators.fast.keys import NO_VALUE, KeyIds, LastSeen, field_ids, key_type, tuple_ids


def _ids(kind: str, *batches: list[str]) -> np.ndarray:
    field = Field.from_descriptor({"name": "f", "type": kind})
    reader, known = ColumnReader(field), KeyIds(key_type(kind))
    outcomes = [reader.evaluate(pa.array(cells, pa.string())) for cells in batches]
    return np.concatenate([field_ids(kind, outcome, known) for outcome in outcomes])


def _duplicates(ids: np.ndarray, batch: int) -> tuple[list[int], list[int]]:
    seen, rows, previous = LastSeen(), [], []
    for start in range(0, len(ids), batch):
        part = ids[start : start + batch]
        found = seen.duplicates(part, part != NO_VALUE, start)
        rows += (found.rows + start).tolist()
        previous += found.previous.tolist()
    return rows, previous


def test_integer_values_collide_whatever_their_spelling() -> None:
    ids = _ids("integer", ["1", "01", " 1", "１", "2", "", "x", "1"])
    assert ids[0] == ids[1] == ids[2] == ids[3] == ids[7]
    assert ids[5] == ids[6] == NO_VALUE
    assert _duplicates(ids, 100) == ([1, 2, 3, 7], [0, 1, 2, 3])  # each names the row before


def test_ids_and_last_rows_hold_across_batches() -> None:
    ids = _ids("integer", ["1", "2"], ["02", "x", "1"], ["3", "001"])
    # Ids are labels (given in hash order): what holds is which rows share one, and density.
    one, two, three = ids[0], ids[1], ids[5]
    assert ids.tolist() == [one, two, two, NO_VALUE, one, three, one]
    assert sorted({one, two, three}) == [0, 1, 2]
    for batch in (1, 2, 3, 7):
        assert _duplicates(ids, batch) == ([2, 4, 6], [1, 0, 4]), batch


def test_nan_never_equals_anything_but_infinity_does() -> None:
    ids = _ids("number", ["NaN", "NaN", "inf"], ["Infinity", "1.0", "1", "1e0", "NaN"])
    assert len({ids[0], ids[1], ids[7]}) == 3
    assert ids[2] == ids[3]
    assert ids[4] == ids[5] == ids[6]


def test_primary_key_over_two_fields_treats_empty_cells_as_values() -> None:
    known = KeyIds(pa.binary(16))
    first = np.array([1, 1, NO_VALUE, NO_VALUE, 1, NO_VALUE])
    second = np.array([5, 6, 7, 7, 5, NO_VALUE])
    combined, all_none = tuple_ids([first, second], known)
    assert all_none.tolist() == [False] * 5 + [True]
    assert combined[0] == combined[4] and combined[2] == combined[3]
    assert combined[0] != combined[1]
    again, _ = tuple_ids([np.array([1]), np.array([6])], known)
    assert again[0] == combined[1]


def test_values_whose_hashes_collide_keep_their_own_ids() -> None:
    assert hash(-1) == hash(-2)  # CPython: -1 is reserved, so both hash to -2
    ids = _ids("integer", ["-1"], ["-2", "-1"], ["-2", "5", "-1"])
    assert ids.tolist() == [0, 1, 0, 1, 2, 0]
    assert _duplicates(ids, 1) == ([2, 3, 5], [0, 1, 2])
