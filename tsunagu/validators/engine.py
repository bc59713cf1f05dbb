"""Validate a normalized Draft: Frictionless against the standard schema, then our own checks.

Validation never raises for bad data: every finding becomes a :class:`~tsunagu.errors.Problem`
in a *copy* of the draft's report, so the step can be re-run and the caller's draft stays intact.
Checks are chosen by slug through :data:`tsunagu.validators.CHECKS`, which is also how a dataset
manifest names them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from tsunagu.errors import Problem, TsunaguError
from tsunagu.model import Draft, Report
from tsunagu.validators.check import Check, CheckContext, SchemaLike

if TYPE_CHECKING:
    from tsunagu.config import Settings


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
