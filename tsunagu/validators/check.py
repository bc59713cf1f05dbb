"""The contract between validation and its checks: what a check sees, and what it gives back.

Apart from :mod:`tsunagu.validators.engine` so that checks, the fast engine and the Frictionless
runner can import the contract without importing the engine that imports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np

from tsunagu.errors import Problem
from tsunagu.model import Draft

if TYPE_CHECKING:
    import pandas as pd

    from tsunagu.config import Settings


class SchemaLike(Protocol):
    """What validation needs of a standard schema (``tsunagu.standards.StandardSchema``).

    Coded against a Protocol so validation does not depend on how schemas are loaded.
    """

    @property
    def slug(self) -> str: ...

    @property
    def descriptor(self) -> dict[str, Any]: ...

    @property
    def field_names(self) -> list[str]: ...

    @property
    def required_fields(self) -> list[str]: ...

    def frictionless_descriptor(self) -> dict[str, Any]: ...

    def field(self, name: str) -> dict[str, Any]: ...

    def normalize_kind(self, name: str) -> str | None: ...


# Every character Python's ``\s`` and ``str.strip`` treat as whitespace (``str.isspace``; a test
# holds the two equal), for Arrow's RE2, whose own ``\s`` is ASCII only.
SPACES = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

# Field-name fallbacks for schemas without ``x-normalize``: the standard's own column names.
_KIND_BY_NAME_SUFFIX = (
    ("全国地方公共団体コード", "lg-code"),
    ("市区町村コード", "lg-code"),
    ("法人番号", "corporate-number"),
    ("URL", "url"),
)


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may look at; checks read, they never modify the draft."""

    draft: Draft
    schema: SchemaLike
    settings: Settings
    allow_personal_columns: frozenset[str] = field(default_factory=frozenset)
    # Distinct values per column, shared by the checks that read the same column (issue 17).
    _distinct: dict[str, DistinctValues] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def distinct(self, column: str) -> DistinctValues:
        """``DistinctValues.of(table[column])``, computed once per run of the checks."""
        found = self._distinct.get(column)
        if found is None:
            found = self._distinct[column] = DistinctValues.of(self.table[column])
        return found

    @property
    def table(self) -> pd.DataFrame:
        return self.draft.table

    def header(self, column: str) -> str:
        """The column's header as the department wrote it."""
        return self.draft.column_origin.get(column, column)

    def kind(self, column: str) -> str | None:
        """The ``x-normalize`` kind of a column, or one inferred from a standard column name."""
        if column in self.schema.field_names:
            kind = self.schema.normalize_kind(column)
            if kind and kind != "text":
                return kind
        for suffix, inferred in _KIND_BY_NAME_SUFFIX:
            if str(column).endswith(suffix):
                return inferred
        return None

    def field_type(self, column: str) -> str | None:
        if column not in self.schema.field_names:
            return None
        return self.schema.field(column).get("type", "string")

    def columns_of_kind(self, kind: str) -> list[str]:
        return [c for c in self.table.columns if self.kind(c) == kind]

    @property
    def is_statistics(self) -> bool:
        """Whether the manifest declares the sheet a statistics table (``statistics:``): its
        rows are aggregates (counts by area, sex and age group), not people."""
        return getattr(self.draft.manifest, "statistics", None) is not None

    def is_allowed_personal(self, column: str) -> bool:
        return column in self.allow_personal_columns or (
            self.header(column) in self.allow_personal_columns
        )


class Check(Protocol):
    """A check: a stable slug and a generator of problems (house style §3.2 d)."""

    type: ClassVar[str]

    def run(self, ctx: CheckContext) -> Iterator[Problem]: ...


@dataclass(frozen=True)
class DistinctValues:
    """A column's distinct values (optionally NFKC-normalized) and the way back to its rows.

    Municipal tables repeat themselves (the same 地方公共団体名, 曜日 and opening hours on every
    row), so regexes run once per distinct value and the result is spread back by position: a
    million-row column with a few thousand distinct values costs a few thousand matches.
    """

    values: pd.Series  # distinct cell texts, RangeIndex
    codes: np.ndarray  # position in ``values`` of every row
    index: pd.Index  # the table's index (department row numbers)

    @classmethod
    def of(cls, column: pd.Series, *, nfkc: bool = True) -> DistinctValues:
        import pandas as pd

        codes, uniques = pd.factorize(column.astype(str))
        values = pd.Series(uniques, dtype=str)
        if nfkc:
            values = nfkc_texts(values)
        return cls(values, codes, column.index)

    def spread(self, mask: pd.Series | np.ndarray) -> pd.Series:
        """A per-row boolean Series from one computed on the distinct values."""
        import pandas as pd

        flags = np.asarray(mask, dtype=bool)
        return pd.Series(flags[self.codes] if len(flags) else False, index=self.index, dtype=bool)


def nfkc_texts(values: pd.Series) -> pd.Series:
    """``values.str.normalize("NFKC")``, column-wise, with Python's answer for every text.

    Arrow's kernel (utf8proc) knows a newer Unicode than ``unicodedata``: the only texts where
    the two differ are ones Arrow changes (a character Python's tables do not have yet), so
    the texts Arrow changes are normalised again by Python, and the rest are already NFKC.
    """
    import unicodedata

    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pa.array(values, type=pa.string(), from_pandas=True)
    normal = pc.utf8_normalize(texts, "NFKC")
    out = normal.to_numpy(zero_copy_only=False)
    changed = np.flatnonzero(pc.not_equal(texts, normal).fill_null(False))
    originals = values.to_numpy(dtype=object)
    for position in changed.tolist():
        out[position] = unicodedata.normalize("NFKC", originals[position])
    return pd.Series(out, index=values.index, dtype=str)


def text_matches(
    values: pd.Series, pattern: str, *, full: bool = False, candidates: str | None = None
) -> np.ndarray:
    """``values.str.fullmatch(pattern)`` (or ``.contains``) as a boolean array, ``na=False``.

    ``candidates`` is a regex every matching text must contain, in the dialect Arrow's RE2
    and Python share (literal characters and classes of them): RE2 narrows the texts down
    column-wise and Python's ``re`` — the judge, whose ``\\s`` and ``\\d`` are Unicode —
    decides on the few left, so the answer is Python's exactly.
    """
    import re

    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pa.array(values, type=pa.string(), from_pandas=True)
    found = np.zeros(len(texts), dtype=bool)
    if candidates is None:
        positions = np.arange(len(texts))
    else:
        positions = np.flatnonzero(pc.match_substring_regex(texts, candidates).fill_null(False))
    if not len(positions):
        return found
    compiled = re.compile(pattern)
    test = compiled.fullmatch if full else compiled.search
    picked = texts.take(pa.array(positions)).to_pylist()
    found[positions] = [text is not None and test(text) is not None for text in picked]
    return found


def blank_texts(values: pd.Series) -> np.ndarray:
    """``values.str.strip() == ""`` column-wise: no character outside ``SPACES``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pa.array(values, type=pa.string(), from_pandas=True)
    return ~np.asarray(pc.match_substring_regex(texts, f"[^{SPACES}]").fill_null(True))


def rows_of(mask: pd.Series) -> list[int]:
    """Department row numbers (the table index) where ``mask`` is true."""
    return [int(r) for r in mask.index[mask.to_numpy(dtype=bool)]]
