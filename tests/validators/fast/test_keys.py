"""Duplicates as Frictionless' unique memory sees them: by read value, naming the last row."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from frictionless import Field

from tsunagu.validators.fast.constraints import evaluate_column
from tsunagu.validators.fast.keys import (
    NO_VALUE,
    group_ids,
    primary_key_ids,
    unique_duplicates,
)


def _ids(kind: str, cells: list[str]) -> np.ndarray:
    field = Field.from_descriptor({"name": "f", "type": kind})
    return group_ids(kind, evaluate_column(field, pa.array(cells, pa.string())))


def test_integer_values_collide_whatever_their_spelling() -> None:
    ids = _ids("integer", ["1", "01", " 1", "１", "2", "", "x", "1"])
    assert ids[0] == ids[1] == ids[2] == ids[3] == ids[7]
    assert ids[5] == ids[6] == NO_VALUE
    found = unique_duplicates(ids)
    assert found.rows.tolist() == [1, 2, 3, 7]
    assert found.previous.tolist() == [0, 1, 2, 3]  # each names the row seen just before


def test_nan_never_equals_anything_but_infinity_does() -> None:
    ids = _ids("number", ["NaN", "NaN", "inf", "Infinity", "1.0", "1", "1e0"])
    assert ids[0] != ids[1]
    assert ids[2] == ids[3]
    assert ids[4] == ids[5] == ids[6]


def test_primary_key_over_two_fields_treats_empty_cells_as_values() -> None:
    first = np.array([1, 1, NO_VALUE, NO_VALUE, 1])
    second = np.array([5, 6, 7, 7, 5])
    combined, all_none = primary_key_ids([first, second])
    assert not all_none.any()
    assert combined[0] == combined[4] and combined[2] == combined[3]
    assert combined[0] != combined[1]
