"""Canonical readings must be a strict subset of Frictionless' readings, with the same value."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pytest
from frictionless import Field

from tsunagu.validators.fast.types import read_canonical


def _agree(descriptor: dict, texts: list[str]) -> int:
    """Assert every canonical text reads to Frictionless' value; return how many were canonical."""
    field = Field.from_descriptor(dict(descriptor, name="f"))
    reader = field.create_value_reader()
    canonical = read_canonical(field, pa.array(texts, pa.string()))
    assert canonical is not None
    values = canonical.values.to_pylist()
    for text, fast, value in zip(texts, canonical.mask.tolist(), values, strict=True):
        if fast:  # a number is held as the float of its Decimal (exact to 15 digits)
            expected = reader(text)
            assert value == (float(expected) if descriptor["type"] == "number" else expected)
    return int(canonical.mask.sum())


def test_every_day_and_every_impossible_day_of_two_years_reads_as_strptime_does() -> None:
    start = date(2023, 1, 1)
    days = [(start + timedelta(n)).isoformat() for n in range(731)]
    impossible = [f"{y}-{m:02d}-{d:02d}" for y in (1900, 2023, 2024) for m in (0, 2, 4, 13)
                  for d in (0, 29, 30, 31, 32)]  # fmt: skip
    texts = [*days, *impossible, "2024-1-5", "0999-01-01", "２０２４-01-01", "2024-01-01 "]
    reader = Field.from_descriptor({"name": "f", "type": "date"}).create_value_reader()
    readable = sum(reader(t) is not None for t in [*days, *impossible])
    assert _agree({"type": "date"}, texts) == readable  # the four odd spellings go to Frictionless


@pytest.mark.parametrize(
    ("descriptor", "texts", "canonical"),
    [
        ({"type": "integer"}, ["0", "-0", "007", "123456789012345678", "1e3", " 1", "１", "+1"], 4),
        ({"type": "number"}, ["1.5", "-0", "0.000001", "123456789.123456", "1e3", "NaN", "1."], 4),
        ({"type": "boolean"}, ["true", "True", "TRUE", "1", "0", "yes", "false", ""], 6),
        ({"type": "string"}, ["", " x ", "東京都"], 3),
    ],
)
def test_canonical_values_equal_frictionless_values(descriptor, texts, canonical) -> None:
    assert _agree(descriptor, texts) == canonical


def test_formats_without_a_fast_path_leave_every_cell_to_frictionless() -> None:
    field = Field.from_descriptor({"name": "f", "type": "string", "format": "email"})
    assert read_canonical(field, pa.array(["a@example.jp"])) is None
