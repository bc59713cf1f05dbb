"""Vectorised reading of *canonical* cells, per Table Schema type and format.

The fast engine does not re-implement Frictionless' type parsers. It recognises, over a whole
array at once, the spellings whose Frictionless reading is obvious and identical in pyarrow
(``"12"``, ``"-0"`` and ``"007"`` for integer; ``"35.86"`` for number; ``"2024-04-01"`` for date;
the declared true/false values for boolean; any text for a plain string) and parses them with
pyarrow compute. Everything else — full-width digits, spaces, ``"1e3"``, ``"NaN"``, 和暦, an
impossible date — is left to Frictionless' own cell reader, one call per *distinct* value (see
:mod:`tsunagu.validators.fast.constraints`). So a canonical pattern must be a strict subset of
what Frictionless accepts, with the same value; it never has to be complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from frictionless import Field

# At most 18 digits always fit int64, and Python's int() reads them the same way.
INTEGER_PATTERN = r"^-?[0-9]{1,18}$"
# At most 15 significant digits: the float64 reading is exact enough to be injective and
# monotone over these decimals (DBL_DIG), so ==, <, > agree with Frictionless' Decimal.
NUMBER_PATTERN = r"^-?[0-9]{1,9}(\.[0-9]{1,6})?$"
# Years before 1000 are left to Python: pyarrow and strptime disagree about them.
DATE_PATTERN = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"
MAX_EXACT_DIGITS = 15


@dataclass(frozen=True)
class Canonical:
    """Which values of a distinct-value array were read here, and their typed values."""

    mask: np.ndarray  # bool per distinct value: read here (else: Frictionless' reader)
    values: pa.Array | None  # typed values, null where ``mask`` is false


def as_mask(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean pyarrow result (nulls as false) as one numpy array."""
    filled = array.fill_null(False)
    if isinstance(filled, pa.ChunkedArray):
        return np.asarray(filled.to_numpy(), dtype=bool)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def _string(field: Field, values: pa.Array) -> Canonical | None:
    if field.format != "default":
        return None  # email/uri/uuid/binary go through Frictionless' own validators
    return Canonical(np.ones(len(values), dtype=bool), values)


def _integer(field: Field, values: pa.Array) -> Canonical | None:
    if not getattr(field, "bare_number", True):
        return None
    ok = pc.match_substring_regex(values, INTEGER_PATTERN)
    typed = pc.cast(_only(ok, values), pa.int64())
    return Canonical(as_mask(ok), typed)


def _only(ok: pa.Array, values: pa.Array) -> pa.Array:
    """``values`` where ``ok``, else null — without a copy when every value is ok (usual)."""
    if ok.null_count == 0 and pc.all(ok).as_py():
        return values
    return pc.if_else(ok, values, pa.scalar(None, pa.string()))


def _number(field: Field, values: pa.Array) -> Canonical | None:
    defined = set(field.list_defined())
    from frictionless import fields

    if not isinstance(field, fields.NumberField):  # anything else: Frictionless reads it
        return None
    if {"group_char", "decimal_char", "bare_number"} & defined or field.float_number:
        return None
    ok = pc.match_substring_regex(values, NUMBER_PATTERN)
    typed = pc.cast(_only(ok, values), pa.float64())
    # Decimal("-0") == Decimal("0"): fold -0.0 into 0.0 so hashing agrees.
    return Canonical(as_mask(ok), pc.add(typed, pa.scalar(0.0)))


def _boolean(field: Field, values: pa.Array) -> Canonical | None:
    from frictionless import fields

    if not isinstance(field, fields.BooleanField):  # anything else: Frictionless reads it
        return None
    true_values = pa.array(list(field.true_values), pa.string())
    false_values = pa.array(list(field.false_values), pa.string())
    is_true = pc.is_in(values, value_set=true_values)
    known = pc.or_(is_true, pc.is_in(values, value_set=false_values))
    typed = pc.if_else(known, is_true, pa.scalar(None, pa.bool_()))
    return Canonical(as_mask(known), typed)


def _date(field: Field, values: pa.Array) -> Canonical | None:
    """``YYYY-MM-DD`` read from the bytes themselves: a digit and dash test per position.

    Ten bytes, digits and dashes where ``DATE_PATTERN`` puts them, is the same test as the
    pattern (an ASCII pattern of fixed width), without a regular expression and three slices.
    """
    if field.format != "default":
        return None
    rows, matrix = _fixed_width(values, 10)
    digits = matrix.astype(np.int64) - ord("0")
    number = (digits >= 0) & (digits <= 9)
    shaped_rows = (
        number[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(axis=1)
        & (digits[:, 0] > 0)
        & (matrix[:, 4] == ord("-"))
        & (matrix[:, 7] == ord("-"))
    )
    shaped = np.zeros(len(values), dtype=bool)
    shaped[rows] = shaped_rows
    year, month, day = (np.zeros(len(values), dtype=np.int64) for _ in range(3))
    good = rows[shaped_rows]
    picked = digits[shaped_rows]
    year[good] = picked[:, :4] @ np.array([1000, 100, 10, 1])
    month[good] = picked[:, 5] * 10 + picked[:, 6]
    day[good] = picked[:, 8] * 10 + picked[:, 9]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days_in_month = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    month_ok = (month >= 1) & (month <= 12)
    last_day = days_in_month[np.where(month_ok, month, 0)] + (leap & (month == 2))
    ok = shaped & month_ok & (day >= 1) & (day <= last_day)
    # 2024-02-30 is refused here as strptime refuses it (pyarrow would roll it over).
    months = (year - 1970) * 12 + (month - 1)
    stamps = months.astype("datetime64[M]").astype("datetime64[D]") + (day - 1)
    typed = pa.array(stamps.astype("datetime64[D]"), pa.date32(), mask=~ok)
    return Canonical(ok, typed)


def _fixed_width(values: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``values`` that are exactly ``width`` bytes, and those bytes (rows × width).

    Read straight from the Arrow buffers (offsets, data), so nothing is copied but the bytes
    of the rows that have the width. Null slots (never in a batch) are left out.
    """
    if values.type != pa.string():
        values = values.cast(pa.string())
    _, offset_buffer, data_buffer = values.buffers()
    offsets = np.frombuffer(
        offset_buffer, dtype=np.int32, count=len(values) + 1, offset=4 * values.offset
    )
    rows = np.flatnonzero(np.diff(offsets) == width)
    if values.null_count:
        rows = rows[np.asarray(values.is_valid())[rows]]
    if not len(rows) or data_buffer is None:
        return rows[:0], np.empty((0, width), dtype=np.uint8)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    return rows, data[offsets[rows][:, None] + np.arange(width)]


READERS: dict[str, Callable[[Any, pa.Array], Canonical | None]] = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "date": _date,
}
ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
}


def read_canonical(field: Field, values: pa.Array) -> Canonical | None:
    """Canonical cells of ``values`` (distinct cell texts) for ``field``; None: no fast path."""
    reader = READERS.get(field.type)
    return reader(field, values) if reader else None


def to_arrow_value(field_type: str, value: Any) -> Any:
    """A value Frictionless read, as the canonical typed array would hold it, or None.

    None means "cannot equal any canonical value" (huge integers, NaN, infinities, decimals
    with more than 15 significant digits), so the caller compares it in Python instead.
    """
    if field_type == "number" and isinstance(value, Decimal):
        if not value.is_finite():
            return None
        digits = value.normalize().as_tuple().digits
        return float(value) + 0.0 if len(digits) <= MAX_EXACT_DIGITS else None
    if field_type == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value) if abs(value) < 10**MAX_EXACT_DIGITS else None
    if field_type == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return value if -(2**63) <= value < 2**63 else None
    if field_type in ("string", "boolean", "date"):
        return value
    return None


def exact_bound(field_type: str, bound: Any) -> bool:
    """Whether a minimum/maximum can be compared in the canonical typed space without error."""
    if field_type == "number":
        return to_arrow_value("number", bound) is not None
    if field_type == "integer":
        return to_arrow_value("integer", bound) is not None
    return field_type == "date" and bound is not None
