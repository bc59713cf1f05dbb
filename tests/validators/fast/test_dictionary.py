"""Checking each distinct text once, and reading dates from bytes: the same answers as before."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.validators.fast.test_differential import _run_both, assert_same, cases
from tsunagu.validators.fast import constraints
from tsunagu.validators.fast.engine import BATCH_ROWS, build_schema
from tsunagu.validators.fast.keys import _hashes
from tsunagu.validators.fast.types import _fixed_width, read_canonical


@pytest.fixture
def always_encoded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every column takes the dictionary path, whatever its variety or cost."""
    monkeypatch.setattr(constraints, "DICTIONARY_RATIO", 1.0)
    monkeypatch.setattr(constraints, "_costly", lambda spec, vectorisable: True)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases(), st.sampled_from([1, 2, 3, 4, 5, BATCH_ROWS]))
def test_dictionary_path_matches_frictionless(always_encoded, case, batch_rows) -> None:
    reference, fast, _ = _run_both(*case, batch_rows=batch_rows)
    if fast is not None:
        assert_same(reference, fast)


def test_encoded_outcome_spreads_to_every_row(always_encoded) -> None:
    schema = build_schema({"fields": [{"name": "開設日", "type": "date"}]})
    reader = constraints.ColumnReader(schema.fields[0])
    cells = ["2024-04-01", "令和6年4月1日", "2024-04-01", "", "令和6年4月1日", "2024-02-30"]
    outcome = reader.evaluate(pa.array(cells))
    assert outcome.bad_rows().tolist() == [1, 4, 5]
    assert outcome.fast.tolist() == [True, False, True, False, False, False]
    assert outcome.missing.tolist() == [False, False, False, True, False, False]
    assert sorted(outcome.rest_values) == []  # 和暦 and 2月30日 are type errors: no value
    assert outcome.canonical.values.to_pylist()[:3:2] == [pa.scalar(19814, pa.date32()).as_py()] * 2


def test_dates_are_read_from_the_bytes_of_a_sliced_array() -> None:
    schema = build_schema({"fields": [{"name": "d", "type": "date"}]})
    cells = pa.array(["x", "2024-02-29", "2023-02-29", "0999-01-01", "２０２４-01-01", "2024-1-05",
                      "2024-12-31", "2024/12/31"])  # fmt: skip
    canonical = read_canonical(schema.fields[0], cells.slice(1))
    assert canonical.mask.tolist() == [True, False, False, False, False, True, False]
    assert [str(v) for v in canonical.values.to_pylist()] == [
        "2024-02-29", "None", "None", "None", "None", "2024-12-31", "None"
    ]  # fmt: skip


def test_fixed_width_takes_only_rows_of_that_width() -> None:
    rows, matrix = _fixed_width(pa.array(["abc", "ab", "xyz"]).slice(1), 3)
    assert rows.tolist() == [1]
    assert bytes(matrix[0]) == b"xyz"


def test_equal_values_hash_equal_across_batches() -> None:
    first = _hashes(pa.array(["K0000001", "K0000002"]))
    second = _hashes(pa.array(["K0000002", "K0000001", "K0000003"]).slice(0, 2))
    assert first.tolist() == second.tolist()[::-1]
    assert first.dtype == np.int64
