"""Validate a normalized Draft: Frictionless against the standard schema, then our own checks.

Validation never raises for bad data: every finding becomes a :class:`~tsunagu.errors.Problem`
in a *copy* of the draft's report, so the step can be re-run and the caller's draft stays intact.
Checks are chosen by slug through :data:`tsunagu.validators.CHECKS`, which is also how a dataset
manifest names them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np

from tsunagu.errors import Problem, TsunaguError
from tsunagu.model import Draft, Report

if TYPE_CHECKING:
    import pandas as pd

    from tsunagu.config import Settings


class SchemaLike(Protocol):
    """What validation needs of a standard schema (``tsunagu.validators.schemas.StandardSchema``).

    Coded against a Protocol so validation does not depend on how schemas are loaded.
    """

    slug: str
    descriptor: dict[str, Any]

    @property
    def field_names(self) -> list[str]: ...

    @property
    def required_fields(self) -> list[str]: ...

    def frictionless_descriptor(self) -> dict[str, Any]: ...

    def field(self, name: str) -> dict[str, Any]: ...

    def normalize_kind(self, name: str) -> str | None: ...


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
            values = values.where(values.str.isascii(), values.str.normalize("NFKC"))
        return cls(values, codes, column.index)

    def spread(self, mask: pd.Series | np.ndarray) -> pd.Series:
        """A per-row boolean Series from one computed on the distinct values."""
        import pandas as pd

        flags = np.asarray(mask, dtype=bool)
        return pd.Series(flags[self.codes] if len(flags) else False, index=self.index, dtype=bool)


def rows_of(mask: pd.Series) -> list[int]:
    """Department row numbers (the table index) where ``mask`` is true."""
    return [int(r) for r in mask.index[mask.to_numpy(dtype=bool)]]


def copy_report(report: Report) -> Report:
    """A report that can be extended without touching the caller's."""
    return Report(
        problems=list(report.problems),
        changes=Counter(report.changes),
        facts=dict(report.facts),
        frictionless=report.frictionless,
    )


def _with_rules(problems: Iterable[Problem]) -> list[Problem]:
    """Attach the machine-readability rule to problems readers found (機種依存文字 …)."""
    from tsunagu.validators.rules import RULE_FOR_CODE

    # The constructor, not ``dataclasses.replace``: readers report one problem per trap cell
    # (100k on a 100k-row ledger), and ``replace`` re-reads the fields every time (issue 17).
    return [
        Problem(p.code, p.severity, p.location, p.params, RULE_FOR_CODE[p.code])
        if p.rule is None and p.code in RULE_FOR_CODE
        else p
        for p in problems
    ]


def _checkable(draft: Draft) -> Draft:
    """The draft as checks see it: attribute columns only, each header once.

    A repeated header is already a ``duplicate-label`` problem; checks read the first column of
    that name so that ``table[column]`` is always one column. Geometry is the geo room's.
    """
    table = draft.table
    keep = ~table.columns.duplicated()
    keep &= [getattr(table.dtypes.iloc[i], "name", "") != "geometry" for i in range(table.shape[1])]
    return draft if keep.all() else draft.evolve(table=table.loc[:, keep])


def validate_draft(
    draft: Draft,
    schema: SchemaLike,
    settings: Settings,
    *,
    allow_personal_columns: Sequence[str] = (),
    checks: list[str] | None = None,
    engine: str = "fast",
) -> Draft:
    """Run Frictionless and every registered check (or ``checks``); return the evolved draft.

    ``engine="fast"`` computes Frictionless' answer column-wise (:mod:`tsunagu.validators.fast`)
    and hands the table to Frictionless itself when it cannot promise the same answer;
    ``engine="frictionless"`` always runs the reference. ``report.facts["validation_engine"]``
    says which ran and why.

    ``allow_personal_columns`` names columns (standard or as in the file) a reviewer has
    approved as personal data meant for publication; it never overrides a ``block`` (マイナンバー).
    """
    from tsunagu.validators import CHECKS
    from tsunagu.validators.frictionless_run import validate_table

    if draft.table is None:
        raise TsunaguError(
            "validation needs a normalized table, but the draft has none",
            message_ja="検証する表がありません（読み込み・正規化の後に検証してください）",
            code="draft-without-table",
        )
    report = copy_report(draft.report)
    report.problems = _with_rules(report.problems)
    if engine == "fast":
        from tsunagu.validators.fast import validate_draft_table

        problems, frictionless_report, used = validate_draft_table(draft, schema)
    elif engine == "frictionless":
        problems, frictionless_report = validate_table(draft, schema)
        used = {"used": "frictionless", "reason": "requested"}
    else:
        raise TsunaguError(
            f'unknown validation engine "{engine}"; known: fast, frictionless',
            message_ja=f"検証エンジン「{engine}」はありません。使えるもの: fast, frictionless",
            code="validation-engine-unknown",
        )
    report.facts["validation_engine"] = used
    report.extend(problems)
    report.frictionless = frictionless_report
    ctx = CheckContext(_checkable(draft), schema, settings, frozenset(allow_personal_columns))
    for name in checks if checks is not None else CHECKS.names():
        check: Check = CHECKS.load(name)()
        report.extend(list(check.run(ctx)))
    report.facts["schema"] = schema.slug
    report.facts["valid"] = report.valid
    return draft.evolve(report=report, schema=schema.slug)
