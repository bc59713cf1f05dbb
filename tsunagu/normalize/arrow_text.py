"""Text columns as Arrow arrays: the width rules and the cell tests of normalisation, column-wise.

pandas keeps ``str`` columns in Arrow already, so a column is handed to pyarrow.compute
(trimming, comparisons, RE2 on the few candidate cells) and to numpy scans of its UTF-8 bytes
without a Python object per cell (issue 17: the per-value path was 18 s of a 100k-row
validate). Every pattern and scan here spells out the characters the per-value functions of
:mod:`tsunagu.normalize.width` use, so both ways give the same answer; the tests in
tests/normalize/test_arrow_text.py and test_columnwise.py hold them to it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tsunagu.normalize.width import DASHES, SPACES

# Every character Python's ``str.isspace``/``str.strip()``/``re``'s ``\s`` treats as whitespace
# (Py_UNICODE_ISSPACE). Listed, not computed: scanning all of Unicode costs 1.4 s of start-up;
# a test checks the list against ``re``.
PY_WHITESPACE = frozenset(
    map(chr, (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680))
) | frozenset(map(chr, (*range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)))

FULLWIDTH_ASCII = "\\x{ff01}-\\x{ff5e}"  # what width.to_halfwidth_ascii folds


def re2_chars(chars: Iterable[str]) -> str:
    """Characters escaped for an RE2 character class (``\\x{hhhh}`` each, so none is special)."""
    return "".join(f"\\x{{{ord(c):x}}}" for c in sorted(set(chars)))


PADDING_RUN = f"[{re2_chars(SPACES)}]{{2,}}"  # width.collapse_padding's runs
ANY_WHITESPACE = re2_chars(PY_WHITESPACE)
ANY_DASH = re2_chars(DASHES + "-")


def arrow_text(series: pd.Series) -> pa.Array | None:
    """The column as one Arrow string array when pandas keeps it in Arrow (the ``str`` dtype);
    None for any other column (object columns keep the per-value path)."""
    if not isinstance(series.array, pd.arrays.ArrowStringArray):
        return None
    values = series.array.__arrow_array__()
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def arrow_text_of_str(series: pd.Series) -> pa.Array:
    """``series.astype(str)`` as an Arrow array, without a Python string per cell when the
    column is already Arrow text."""
    values = arrow_text(series)
    if values is not None:
        return values
    return pa.array(series.astype(str).to_numpy(object), type=pa.large_string())


def like(series: pd.Series, values: pa.Array) -> pd.Series:
    """``values`` as a column shaped like ``series`` (its dtype, index and name)."""
    return pd.Series(pd.array(values, dtype=series.dtype), index=series.index, name=series.name)


def flags(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow boolean column as a numpy mask; null counts as False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def matches(values: pa.Array, pattern: str) -> np.ndarray:
    """Where the RE2 ``pattern`` is found in the cell (numpy mask; null cells False).

    For patterns that need at least one character: a column of empty cells (most optional
    standard columns) is answered without running the regex.
    """
    if not pc.max(pc.binary_length(values)).as_py():
        return np.zeros(len(values), dtype=bool)
    return flags(pc.match_substring_regex(values, pattern))


# Byte-level scans of the UTF-8 buffer. pyarrow has no character translation and its string
# kernels cost ~0.3 µs a cell (a column-wide regex per check); the characters in question have
# fixed UTF-8 forms (U+FF01..U+FF9F are EF BC 81 .. EF BE 9F), so numpy finds and folds them
# over the bytes at a few ns a byte, with no per-cell work at all.


def _utf8(values: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """(the array at offset 0, its offsets, its UTF-8 bytes), without copying the bytes."""
    if values.offset:
        values = values.take(pa.array(np.arange(len(values))))
    wide = pa.types.is_large_string(values.type)
    _, offsets, data = values.buffers()
    positions = np.frombuffer(offsets, np.int64 if wide else np.int32)[: len(values) + 1]
    raw = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    return values, positions.astype(np.int64), raw[: int(positions[-1]) if len(positions) else 0]


def _ff_block(values: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(array, offsets, bytes, start of each U+FFxx character, its code point minus 0xFF00)."""
    values, offsets, data = _utf8(values)
    leads = np.flatnonzero(data[:-2] == 0xEF)
    second = data[leads + 1]
    block = (second >= 0xBC) & (second <= 0xBF)  # EF BC..BF xx: U+FF00..U+FFFF
    leads = leads[block]
    low = (second[block].astype(np.int32) - 0xBC) * 64 + (data[leads + 2].astype(np.int32) - 0x80)
    return values, offsets, data, leads, low


def _rows(offsets: np.ndarray, positions: np.ndarray, size: int) -> np.ndarray:
    """The cells holding the bytes at ``positions``."""
    found = np.zeros(size, dtype=bool)
    found[np.searchsorted(offsets, positions, side="right") - 1] = True
    return found


def has_fullwidth_ascii(values: pa.Array) -> np.ndarray:
    """Cells holding a character width.to_halfwidth_ascii folds (U+FF01..U+FF5E)."""
    _, offsets, _, leads, low = _ff_block(values)
    return _rows(offsets, leads[(low >= 0x01) & (low <= 0x5E)], len(values)) & flags(
        values.is_valid()
    )


def has_halfwidth_kana(values: pa.Array) -> np.ndarray:
    """Cells holding a half-width katakana width.to_fullwidth_kana widens (U+FF61..U+FF9F)."""
    _, offsets, _, leads, low = _ff_block(values)
    return _rows(offsets, leads[(low >= 0x61) & (low <= 0x9F)], len(values)) & flags(
        values.is_valid()
    )


def has_padding_run(values: pa.Array) -> np.ndarray:
    """Cells holding two width.SPACES in a row (what width.collapse_padding collapses)."""
    values, offsets, data = _utf8(values)
    one = np.flatnonzero((data == 0x20) | (data == 0x09))
    nbsp = np.flatnonzero(data[:-1] == 0xC2)
    nbsp = nbsp[data[nbsp + 1] == 0xA0]
    ideo = np.flatnonzero(data[:-2] == 0xE3)
    ideo = ideo[(data[ideo + 1] == 0x80) & (data[ideo + 2] == 0x80)]
    starts = np.concatenate([one, nbsp, ideo])
    ends = np.concatenate([one + 1, nbsp + 2, ideo + 3])
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    pair = ends[:-1] == starts[1:]
    rows = np.searchsorted(offsets, starts, side="right") - 1
    pair &= rows[:-1] == rows[1:]
    return _rows(offsets, starts[:-1][pair], len(values)) & flags(values.is_valid())


def to_halfwidth_ascii(values: pa.Array) -> pa.Array:
    """width.to_halfwidth_ascii on every cell: U+FF01..U+FF5E → U+0021..U+007E.

    EF BC 81..BF becomes 21..5F and EF BD 80..9E becomes 60..7E: three bytes to one, offsets
    moved back by two per folded character before them.
    """
    values, offsets, data, leads, low = _ff_block(values)
    leads = leads[(low >= 0x01) & (low <= 0x5E)]
    if not len(leads):
        return values
    low = low[(low >= 0x01) & (low <= 0x5E)]
    out = data.copy()
    out[leads + 2] = (low + 0x20).astype(np.uint8)
    keep = np.ones(len(data), dtype=bool)
    keep[leads] = False
    keep[leads + 1] = False
    moved = offsets - 2 * np.searchsorted(leads, offsets, side="left")
    wide = pa.types.is_large_string(values.type)
    return pa.Array.from_buffers(
        values.type,
        len(values),
        [
            values.buffers()[0],
            pa.py_buffer(moved.astype(np.int64 if wide else np.int32)),
            pa.py_buffer(out[keep]),
        ],
        null_count=values.null_count,
    )


def first_chars(values: pa.Array) -> np.ndarray:
    """The code point each cell starts with (-1 for an empty or null cell)."""
    values, offsets, data = _utf8(values)
    if not len(data):
        return np.full(len(values), -1, dtype=np.int64)
    at = offsets[:-1]
    # bytes past a cell's end only feed branches its first byte does not take
    b0, b1, b2, b3 = (data[np.minimum(at + i, len(data) - 1)].astype(np.int64) for i in range(4))
    c1, c2, c3 = b1 & 0x3F, b2 & 0x3F, b3 & 0x3F
    code = np.where(
        b0 < 0x80,
        b0,
        np.where(
            b0 < 0xE0,
            ((b0 & 0x1F) << 6) | c1,
            np.where(
                b0 < 0xF0,
                ((b0 & 0x0F) << 12) | (c1 << 6) | c2,
                ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3,
            ),
        ),
    )
    code[(offsets[1:] == at) | ~flags(values.is_valid())] = -1
    return code


def strip(values: pa.Array) -> pa.Array:
    """``str.strip()`` on every cell."""
    return pc.utf8_trim(values, characters="".join(sorted(PY_WHITESPACE)))


def put(values: pa.Array, mask: np.ndarray, new: pa.Array) -> pa.Array:
    """``values`` with the cells under ``mask`` replaced by ``new`` (one per True, in order)."""
    if not mask.any():
        return values
    return pc.replace_with_mask(values, pa.array(mask), new.cast(values.type))
