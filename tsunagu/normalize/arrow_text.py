"""Text columns as Arrow arrays: the width rules and the cell tests of normalisation, column-wise.

pandas keeps ``str`` columns in Arrow already, so a column is handed to pyarrow.compute (RE2
regexes, trimming, slicing) without a Python object per cell (issue 17: the per-value path was
18 s of a 100k-row validate). Every pattern here spells out the characters the per-value
functions of :mod:`tsunagu.normalize.width` use, so both ways give the same answer; the tests
in tests/normalize/test_arrow_text.py hold them to it.
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
HALFWIDTH_KANA = "\\x{ff61}-\\x{ff9f}"  # what width.to_fullwidth_kana widens
_FULL = [chr(c) for c in range(0xFF01, 0xFF5F)]
_HALF = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)]


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


def to_halfwidth_ascii(values: pa.Array) -> pa.Array:
    """width.to_halfwidth_ascii on every cell: U+FF01..U+FF5E → U+0021..U+007E.

    pyarrow has no character translation, and NFKC would also fold ①, ㈱ and half-width kana;
    polars' many-pattern replacement does exactly this mapping in one pass.
    """
    import polars as pl

    folded = pl.from_arrow(values).str.replace_many(_FULL, _HALF).to_arrow()
    return folded.cast(values.type)


def strip(values: pa.Array) -> pa.Array:
    """``str.strip()`` on every cell."""
    return pc.utf8_trim(values, characters="".join(sorted(PY_WHITESPACE)))


def put(values: pa.Array, mask: np.ndarray, new: pa.Array) -> pa.Array:
    """``values`` with the cells under ``mask`` replaced by ``new`` (one per True, in order)."""
    if not mask.any():
        return values
    return pc.replace_with_mask(values, pa.array(mask), new.cast(values.type))
