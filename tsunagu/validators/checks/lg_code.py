"""``lg-code``: 全国地方公共団体コード must carry a correct check digit.

A six-digit code with a wrong last digit passes the schema's pattern but names no municipality
(often a five-digit code with a digit typed twice, or a code copied from another table). Values
that are not six digits are left to Frictionless' pattern constraint, so they are reported once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from tsunagu.errors import Problem, Severity
from tsunagu.identifiers.check_digit import lg_code_valid
from tsunagu.validators.check import CheckContext


class LgCodeCheck:
    type: ClassVar[str] = "lg-code"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        for column in ctx.columns_of_kind("lg-code"):
            values = ctx.table[column]
            candidates = values[values.str.fullmatch(r"[0-9]{6}", na=False)]
            valid = lg_code_valid(candidates.tolist())
            for row, code in candidates[~valid].items():
                yield Problem(
                    code="lg-code-check-digit",
                    severity=Severity.ERROR,
                    location=ctx.draft.location(int(row), column),  # type: ignore[call-overload]  # pandas-stubs: labels are Hashable; Draft index = row number
                    params={"cell": code, "municipality_code": _code(ctx)},
                )


def _code(ctx: CheckContext) -> str:
    """The code of the municipality the pipeline resolved (the settings' when run alone)."""
    facts = ctx.draft.report.facts
    if "municipality" not in facts:
        return ctx.settings.municipality_code
    return (facts["municipality"] or {}).get("code", "")
